"""Scheduled harvests: due by cron, run once across processes by a lease in Neo4j."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from catalog.errors import AlreadyRunning
from catalog.services import scheduler
from catalog.settings import Settings

CATALOG = str(Path(sys.executable).parent / "catalog")
# Runs record the real clock as their start, and a run started after a slot counts as that slot's
# run; scheduled times in the future keep that rule out of these tests whatever today's date is.
AT_3 = datetime(2099, 12, 1, 3, 0, 30, tzinfo=timezone.utc)


def inventory(tmp_path: Path, schedule: str) -> Path:
    (tmp_path / "systemer.csv").write_text("System;Leverandør\nVisma InSchool;Visma\nPublic 360;Tieto\n", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - id: oversikt\n    connector: inventory\n"
                       f"    schedule: '{schedule}'\n    settings: {{path: systemer.csv}}\n", encoding="utf-8")
    return sources


def runs(store, source: str = "oversikt") -> list[dict]:
    return store.rows("MATCH (r:HarvestRun {source: $source}) RETURN r.status AS status, r.started AS started "
                      "ORDER BY r.started", source=source)


def test_a_due_source_runs_once_per_scheduled_time(clean_store, tmp_path):
    settings = Settings(sources_file=inventory(tmp_path, "0 3 * * *"))
    assert scheduler.schedules(clean_store, settings, AT_3)[0].due_slot == "2099-12-01T03:00:00+00:00"
    assert len(scheduler.run_due(clean_store, settings, AT_3, holder="a")) == 1
    # The same night again, by this process or another: the slot is done.
    assert scheduler.run_due(clean_store, settings, AT_3, holder="b") == []
    assert [r["status"] for r in runs(clean_store)] == ["succeeded"]
    assert clean_store.rows("MATCH (s:System) RETURN count(s) AS n")[0]["n"] == 2
    # The next night is a new slot.
    next_night = datetime(2099, 12, 2, 3, 0, 5, tzinfo=timezone.utc)
    assert len(scheduler.run_due(clean_store, settings, next_night, holder="b")) == 1


def test_a_live_holder_blocks_and_a_dead_one_does_not(clean_store, tmp_path):
    settings = Settings(sources_file=inventory(tmp_path, "0 3 * * *"))
    clean_store.execute("CREATE (:Lease {id: 'lease-harvest:oversikt', name: 'harvest:oversikt', holder: 'other', "
                        "expires: '2099-12-01T04:00:00+00:00'})")
    assert scheduler.run_due(clean_store, settings, AT_3, holder="me") == []
    assert runs(clean_store) == []
    # The holder died: once its lease has expired, the run goes ahead.
    later = datetime(2099, 12, 1, 4, 0, 1, tzinfo=timezone.utc)
    assert len(scheduler.run_due(clean_store, settings, later, holder="me")) == 1


def test_a_run_longer_than_its_lease_keeps_it_until_released(clean_store, tmp_path):
    """A run outliving the lease's lifetime is alive, not dead: its lease is renewed, so no other run
    starts beside it (nor marks it abandoned) until it gives the lease back."""
    settings = Settings(sources_file=inventory(tmp_path, "0 3 * * *"), lease_seconds=1)
    release = scheduler.hold_for_hand_run(clean_store, settings, "oversikt")
    time.sleep(2.5)  # two and a half lifetimes of the lease
    with pytest.raises(AlreadyRunning):
        scheduler.hold_for_hand_run(clean_store, settings, "oversikt")
    release()
    scheduler.hold_for_hand_run(clean_store, settings, "oversikt")()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_api_processes_run_each_scheduled_harvest_once(clean_store, neo4j_server, tmp_path):
    """Two servers with the scheduler on, against one Neo4j, a source due every minute: each
    minute's run happens once."""
    uri, auth = neo4j_server
    env = {**os.environ, "NEO4J_URI": uri, "CATALOG_SOURCES_FILE": str(inventory(tmp_path, "* * * * *")),
           "CATALOG_SCHEDULER_ENABLED": "true", "CATALOG_SCHEDULER_INTERVAL_SECONDS": "0.3"}
    if auth:
        env.update(NEO4J_USER=auth[0], NEO4J_PASSWORD=auth[1])
    servers = [subprocess.Popen([CATALOG, "serve", "--port", str(_free_port())], env=env, cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        # Until the first run has finished (on a loaded machine that takes a few seconds).
        while time.monotonic() < deadline and not any(run["status"] != "running" for run in runs(clean_store)):
            time.sleep(0.5)
        time.sleep(4)  # both schedulers have had many more rounds in which to run it again
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)
    made = runs(clean_store)
    assert made, b"".join(s.stderr.read() for s in servers).decode()[-2000:]
    per_minute = Counter(run["started"][:16] for run in made)
    assert max(per_minute.values()) == 1, (made, clean_store.rows('MATCH (l:Lease) RETURN properties(l) AS l'))
    # A run the next minute started just before the servers stopped may still say running.
    assert {run["status"] for run in made if run["status"] != "running"} == {"succeeded"}
