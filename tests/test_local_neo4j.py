"""The local embedded Neo4j: reuse, status and a clear message when Java or Maven is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from catalog.local_neo4j import LocalNeo4j, LocalNeo4jError

from tests.conftest import TEST_HOME


def test_second_start_reuses_the_running_server(neo4j_server):
    if os.environ.get("NEO4J_URI"):
        pytest.skip("tests run against another Neo4j")
    local = LocalNeo4j(TEST_HOME, int(neo4j_server[0].rsplit(":", 1)[1]))
    first = local.status()
    if not first.running:
        pytest.skip("tests run against a container")
    assert local.start().pid == first.pid
    assert first.uri == neo4j_server[0]


def test_missing_java_or_maven_gives_advice_not_a_traceback(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LocalNeo4jError, match="install .*NEO4J_URI"):
        LocalNeo4j(tmp_path / "neo4j", 7699).build()
