"""A real Neo4j for the tests: NEO4J_URI if set; else testcontainers' Neo4j when a Docker
engine answers; else the project's local embedded Neo4j on its own port and data directory.
Tests wipe the database they are given, so never point NEO4J_URI at data you want to keep."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalog.api.app import create_app
from catalog.local_neo4j import LocalNeo4j
from catalog.security import ROLES, create_token
from catalog.store.driver import Store, make_driver
from catalog.store.schema import ensure_schema

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
TEST_PORT = int(os.environ.get("CATALOG_TEST_NEO4J_PORT", "7688"))
TEST_HOME = ROOT / ".data" / "neo4j-test"


def _local_test_neo4j() -> LocalNeo4j:
    """This checkout's test Neo4j; on the next free port when another process holds ours."""
    for port in range(TEST_PORT, TEST_PORT + 20):
        local = LocalNeo4j(TEST_HOME, port, heap="1g")
        if local.status().running or not local.port_taken():
            return local
    raise RuntimeError(f"no free port for the test Neo4j in {TEST_PORT}–{TEST_PORT + 19}")


def missing_server(message: str) -> None:
    """A server a test needs (slapd, PostgreSQL, Chromium) is not installed: in CI (CI=true) that is
    a failure, for CI installs them all; on a developer's machine the test is skipped."""
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _docker_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[tuple[str, tuple[str, str] | None]]:
    if os.environ.get("NEO4J_URI"):
        password = os.environ.get("NEO4J_PASSWORD")
        yield os.environ["NEO4J_URI"], (os.environ.get("NEO4J_USER", "neo4j"), password) if password else None
    elif _docker_answers():
        from testcontainers.neo4j import Neo4jContainer

        with Neo4jContainer("neo4j:5.26-community") as container:
            yield container.get_connection_url(), (container.username, container.password)
    else:
        local = _local_test_neo4j()
        already_running = local.status().running
        yield local.start().uri, None
        if not already_running:
            local.stop()


@pytest.fixture(scope="session")
def store(neo4j_server) -> Iterator[Store]:
    uri, auth = neo4j_server
    store = Store(make_driver(uri, auth), os.environ.get("NEO4J_DATABASE", "neo4j"), timeout=60)
    ensure_schema(store)
    yield store
    store.close()


def wipe(store: Store) -> None:
    """Empty the graph but for the API tokens the test clients sign in with."""
    store.execute("MATCH (n) WHERE NOT n:ApiToken DETACH DELETE n")


@pytest.fixture
def clean_store(store: Store) -> Store:
    wipe(store)
    return store


@pytest.fixture(scope="session")
def tokens(store: Store) -> dict[str, str]:
    """One API token per catalog role."""
    store.execute("MATCH (t:ApiToken) DELETE t")
    return {role: create_token(store, f"test-{role}", role, 1) for role in ROLES}


@pytest.fixture(scope="session")
def session_client(store: Store, tokens: dict[str, str]) -> Iterator[TestClient]:
    """A client signed in as admin; pass other headers to act as another role."""
    with TestClient(create_app(store), raise_server_exceptions=False,
                    headers={"Authorization": f"Bearer {tokens['admin']}"}) as test_client:
        yield test_client


@pytest.fixture
def client(session_client: TestClient, clean_store: Store) -> TestClient:
    return session_client
