"""Faults with the real Neo4j: Neo4j killed in the middle of a harvest, a source's connection
dropped part-way, the API while Neo4j is down and after it is back. Tests 1 and 3 kill a Neo4j
of their own, so that the session's Neo4j serves the other tests undisturbed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalog.api.app import create_app
from catalog.errors import StoreUnavailable
from catalog.harvest.service import ABANDONED, FETCH_ATTEMPTS, new_run_id, run_source
from catalog.local_neo4j import LocalNeo4j
from catalog.security import create_token
from catalog.services import scheduler
from catalog.settings import get_settings
from catalog.store import backup as backup_store
from catalog.store import harvest as harvest_store
from catalog.store import history
from catalog.store.driver import Store, make_driver
from catalog.store.schema import ENTITY, ensure_schema
from connectors import REGISTRY
from tests.conftest import ROOT, wipe
from tests.connectors.test_entra import GraphTokens, entra_source, graph_payloads
from tests.factory import create
from tests.harvest.test_service import harvest, sid, source, system_row, write
from tests.local_http import serving

# Beside the session's test Neo4j, so that both use the one compiled launcher in .data/launcher.
FAULTS_HOME = ROOT / ".data" / "neo4j-faults"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def own_neo4j() -> Iterator[tuple[LocalNeo4j, Store]]:
    """A Neo4j of this module's own, on a fresh data directory, with a store on it."""
    LocalNeo4j(FAULTS_HOME, 0).stop()  # one a crashed earlier run left behind
    shutil.rmtree(FAULTS_HOME, ignore_errors=True)
    local = LocalNeo4j(FAULTS_HOME, _free_port(), heap="512m", page_cache_mb=64)
    local.start()
    store = Store(make_driver(local.uri, None), "neo4j", timeout=20)
    ensure_schema(store)
    yield local, store
    store.close()
    local.stop()
    shutil.rmtree(FAULTS_HOME, ignore_errors=True)


def kill(local: LocalNeo4j) -> None:
    """SIGKILL: no shutdown, no checkpoint; Neo4j recovers from its transaction log on start."""
    pid = local.status().pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while local.status().running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not local.status().running


def closed_facts(store: Store) -> list[dict]:
    return store.rows(f"MATCH (x:{ENTITY}) WHERE x.closed IS NOT NULL OR x.valid_to IS NOT NULL "
                      "RETURN x.id AS id UNION ALL MATCH ()-[x]->() WHERE x.closed IS NOT NULL "
                      "OR x.valid_to IS NOT NULL RETURN x.id AS id")


def facts(store: Store) -> tuple[list[dict], list[dict]]:
    """Every node but the runs and the history, which a failed run adds to, and every edge."""
    return ([n for n in backup_store.nodes(store) if n["label"] not in ("HarvestRun", "ChangeRecord", "HistoryHead")],
            backup_store.edges(store))


def read_facts(tmp_path: Path, rows: list[dict]) -> set[str]:
    """The oracle for what a sheet holds: the ids of the facts the connector reads from it (the
    connector's own reading, not the store's bookkeeping). Leaves the sheet as inventory.csv."""
    connector = REGISTRY["inventory"]()
    config = connector.Config.model_validate(source().settings)
    write(tmp_path / "inventory.csv", rows)
    records = connector.transform(connector.fetch(config, {}, tmp_path), config)
    return {r.id for r in records.nodes} | {r.id for r in records.rels}


def test_neo4j_killed_mid_harvest_closes_nothing_and_the_next_run_completes(own_neo4j, tmp_path):
    local, store = own_neo4j
    wipe(store)
    first_sheet = [system_row(n) for n in range(1, 6)]
    first = harvest(store, tmp_path, first_sheet)
    assert first.status == "succeeded" and first.created > 0
    nodes_after_first, edges_after_first = facts(store)

    # The sheet drops System 5 and changes System 1's vendor; Neo4j dies while the second run loads it.
    second_sheet = [system_row(1, **{"Leverandør": "Ny leverandør"}), *first_sheet[1:4]]
    loads: list[str] = []

    def kill_on_second_load(stage: str) -> None:
        if stage.startswith("load "):
            loads.append(stage)
            if len(loads) == 2:
                kill(local)

    killed_run = new_run_id()
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):  # the failure cannot be recorded either
        harvest(store, tmp_path, second_sheet, run_id=killed_run, progress=kill_on_second_load)
    assert time.monotonic() - started < 60, "the store's retries held the failed run too long"
    assert len(loads) == 2, "Neo4j was killed part-way through the load, not before or after it"

    local.start()
    assert harvest_store.get_run(store, killed_run)["status"] == "running"  # what the dead run left behind
    # Part of the load was committed before Neo4j died, part never reached it.
    loaded = store.rows(f"MATCH (x:{ENTITY}) WHERE $mark IN x.seen RETURN count(x) AS n UNION ALL "
                        "MATCH ()-[x]->() WHERE $mark IN x.seen RETURN count(x) AS n", mark=f"inventory|{killed_run}")
    assert 0 < sum(row["n"] for row in loaded) < len(read_facts(tmp_path, second_sheet))
    # Nothing of the first run was closed: the killed run never reached its cleanup.
    assert closed_facts(store) == []
    assert store.rows("MATCH (c:ChangeRecord {run_id: $run}) WHERE c.action IN ['close', 'delete'] "
                      "RETURN count(c) AS n", run=killed_run)[0]["n"] == 0
    nodes_now, edges_now = facts(store)
    assert {n["props"]["id"] for n in nodes_after_first} <= {n["props"]["id"] for n in nodes_now}
    assert {e["props"]["id"] for e in edges_after_first} <= {e["props"]["id"] for e in edges_now}

    # The next run takes the source's lease (as the API and the scheduler do) and ends the dead one.
    release = scheduler.hold_for_hand_run(store, get_settings(), "inventory")
    abandoned = harvest_store.get_run(store, killed_run)
    assert abandoned["status"] == "failed" and abandoned["errors"][0] == ABANDONED and abandoned["finished"]
    recorded = store.rows("MATCH (c:ChangeRecord {action: 'harvest', run_id: $run}) RETURN c.after AS after",
                          run=killed_run)
    assert len(recorded) == 1 and '"status": "failed"' in recorded[0]["after"]

    expected = read_facts(tmp_path, first_sheet) - read_facts(tmp_path, second_sheet)
    assert sid(5) in expected
    third = scheduler.run_then_release(release, run_source, store, source(), tmp_path)
    assert third.status == "succeeded", third.errors
    ended = store.rows("MATCH (c:ChangeRecord {run_id: $run}) WHERE c.action IN ['close', 'delete'] "
                       "RETURN collect(c.entity_id) AS ids", run=third.id)[0]["ids"]
    assert sorted(ended) == sorted(expected)
    assert third.closed + third.deleted == len(expected)
    assert harvest_store.get_run(store, killed_run)["status"] == "failed"  # the third run left it as it was
    assert history.verify(store).intact  # the kill broke no link of the history's chain


def test_a_source_connection_dropped_part_way_fails_the_run_and_closes_nothing(clean_store, session_client,
                                                                               tmp_path, monkeypatch):
    """Microsoft Graph serves the first page of users, then cuts the second short: the body ends
    before the length it announced, and the connection closes."""
    payloads: dict[str, dict] = {}
    cut = {"on": False, "times": 0}

    class Graph(GraphTokens):
        def do_GET(self):
            path, _, query = self.path.partition("?")
            key = path + ("?page2" if "skiptoken" in query else "")
            if cut["on"] and key == "/v1.0/users?page2":
                cut["times"] += 1
                body = json.dumps(payloads[key]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:len(body) // 2])
                self.close_connection = True
                return
            self.send_json(200, payloads[key]) if key in payloads else self.send_json(404, {"error": {"code": "NotFound"}})

    monkeypatch.setenv("ENTRA_SECRET", "s3cret")
    system = create(session_client, "System", name="Visma InSchool")
    with serving(Graph) as base:
        payloads.update(graph_payloads(base))
        entra = entra_source(base, {"app-inschool": system["id"]})
        first = run_source(clean_store, entra, tmp_path)
        assert first.status == "succeeded" and first.created > 0, first.errors
        before = facts(clean_store)
        held = harvest_store.claimed(clean_store, "entra")
        assert sum(c["total"] for c in held.values()) > 0

        cut["on"] = True
        dropped = run_source(clean_store, entra, tmp_path)
    assert cut["times"] == FETCH_ATTEMPTS  # a dropped connection is a passing error, tried again, then given up
    assert dropped.status == "failed" and dropped.errors
    assert (dropped.created, dropped.updated, dropped.closed, dropped.deleted) == (0, 0, 0, 0)
    assert harvest_store.get_run(clean_store, dropped.id)["status"] == "failed"
    # Every fact of the complete run is still there, open, and as it was; the source still holds them.
    assert closed_facts(clean_store) == []
    assert facts(clean_store) == before
    assert harvest_store.claimed(clean_store, "entra") == held
    assert clean_store.rows("MATCH (c:ChangeRecord {run_id: $run}) RETURN collect(c.action) AS actions",
                            run=dropped.id)[0]["actions"] == ["harvest"]


def test_the_api_answers_503_while_neo4j_is_down_and_recovers_without_a_restart(own_neo4j):
    local, store = own_neo4j
    wipe(store)
    token = create_token(store, "faults-admin", "admin", 1)
    with TestClient(create_app(store), raise_server_exceptions=False,
                    headers={"Authorization": f"Bearer {token}"}) as api:
        created = api.post("/api/v1/systems", json={"name": "Visma InSchool", "vendor": "Visma"})
        assert created.status_code == 201, created.text
        read = f"/api/v1/systems/{created.json()['id']}"
        before = api.get(read)
        assert before.status_code == 200 and before.json()["name"] == "Visma InSchool"
        listed = api.get("/api/v1/systems").json()
        assert [s["name"] for s in listed["items"]] == ["Visma InSchool"]

        kill(local)
        for path in (read, "/api/v1/systems", read, "/api/v1/systems"):
            started = time.monotonic()
            down = api.get(path)
            assert time.monotonic() - started < 10, f"{path} took {time.monotonic() - started:.1f} s to answer"
            assert down.status_code == 503, down.text
            assert down.headers["content-type"] == "application/problem+json"
            problem = down.json()
            assert problem["status"] == 503 and problem["title"] and problem["detail"]
            # What the driver said (host, port, its error) stays in the log.
            assert not any(leak in down.text for leak in ("127.0.0.1", str(local.port), "bolt", "Errno", "neo4j."))
        not_ready = api.get("/readyz")
        assert not_ready.status_code == 503 and not_ready.headers["content-type"] == "application/problem+json"
        assert api.get("/healthz").status_code == 200  # the process itself is alive

        local.start()  # the same data, the same port; the app is left as it is
        assert api.get("/readyz").json() == {"status": "ready"}
        after = api.get(read)
        assert after.status_code == 200, after.text
        assert after.json() == before.json()
        assert api.get("/api/v1/systems").json() == listed
