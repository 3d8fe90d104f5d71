"""The local embedded Neo4j: built with Maven on first use, run in the background, reused.

The launcher is one Java class (EmbeddedNeo4j.java beside this file). Maven only resolves the
Neo4j jars into ~/.m2 and writes their classpath; javac compiles the class. Nothing is shaded.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
POM = HERE / "pom.xml"
SOURCE = HERE / "EmbeddedNeo4j.java"
MAIN_CLASS = "EmbeddedNeo4j"
# Flags Neo4j's own launcher passes on Java 17, so Netty and the page cache run without warnings.
JVM_FLAGS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-XX:+UseG1GC",
)


class LocalNeo4jError(RuntimeError):
    """A problem the user can act on; its message says what to do."""


@dataclass(frozen=True)
class Status:
    running: bool
    pid: int | None
    uri: str
    home: Path


class LocalNeo4j:
    def __init__(self, home: Path, port: int, heap: str = "768m", page_cache_mb: int = 256):
        self.home = home.resolve()
        self.port = port
        self.heap = heap
        self.page_cache_mb = page_cache_mb
        self.build_dir = self.home.parent / "launcher"
        self.pid_file = self.home / "neo4j.pid"
        self.log_file = self.home / "neo4j.log"

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def build(self) -> list[str]:
        """Resolve the jars and compile the launcher when it is missing or out of date; return the classpath."""
        for tool, package in (("java", "a Java 17+ JDK (Debian: openjdk-17-jdk-headless)"), ("mvn", "Maven (Debian: maven)")):
            if shutil.which(tool) is None:
                raise LocalNeo4jError(f"'{tool}' was not found: install {package}, or set NEO4J_URI to use another Neo4j.")
        self.build_dir.mkdir(parents=True, exist_ok=True)
        classpath_file = self.build_dir / "classpath.txt"
        if _stale(classpath_file, POM):
            self._run(["mvn", "-B", "-q", "-f", str(POM), "dependency:build-classpath",
                       f"-Dmdep.outputFile={classpath_file}"], "resolving Neo4j's jars with Maven")
        classpath = classpath_file.read_text().strip()
        classes = self.build_dir / "classes"
        if _stale(classes / f"{MAIN_CLASS}.class", SOURCE):
            self._run(["javac", "-d", str(classes), "-cp", classpath, str(SOURCE)], "compiling the launcher")
        return [str(classes), classpath]

    def port_taken(self) -> bool:
        return _answers(self.port)

    def status(self) -> Status:
        pid = self._pid()
        return Status(running=pid is not None and _answers(self.port), pid=pid, uri=self.uri, home=self.home)

    def start(self, timeout: float = 180.0) -> Status:
        current = self.status()
        if current.running:
            return current
        if current.pid is None and _answers(self.port):
            raise LocalNeo4jError(f"port {self.port} is taken by another process; set CATALOG_LOCAL_NEO4J_PORT to a free port.")
        classpath = os.pathsep.join(self.build())
        self.home.mkdir(parents=True, exist_ok=True)
        command = ["java", f"-Xmx{self.heap}", *JVM_FLAGS, "-cp", classpath, MAIN_CLASS,
                   str(self.home / "db"), str(self.port), str(self.page_cache_mb)]
        # Only this start's lines count: an earlier run's "ready" with another process on the port
        # (another checkout's tests taking it a moment after the check above) is not this Neo4j.
        started_at = self.log_file.stat().st_size if self.log_file.exists() else 0
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid_file.write_text(str(process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise LocalNeo4jError(f"Neo4j stopped while starting; the end of {self.log_file}:\n{_tail(self.log_file)}")
            if _answers(self.port) and f"neo4j ready on bolt://127.0.0.1:{self.port}" in _since(self.log_file, started_at):
                return self.status()
            time.sleep(0.5)
        self.stop()
        raise LocalNeo4jError(f"Neo4j did not answer on port {self.port} within {timeout:.0f} s; see {self.log_file}.")

    def stop(self, timeout: float = 60.0) -> bool:
        pid = self._pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.3)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _alive(pid) else None

    def _run(self, command: list[str], what: str) -> None:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise LocalNeo4jError(f"{what} failed:\n{(result.stdout + result.stderr)[-3000:]}")


def _stale(target: Path, source: Path) -> bool:
    return not target.exists() or target.stat().st_mtime < source.stat().st_mtime


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours has exited; reap it so it no longer counts.
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        return reaped == 0
    except ChildProcessError:
        return True


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _since(path: Path, offset: int) -> str:
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""
