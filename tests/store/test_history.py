"""The change history is a hash chain: every write appends one record, `catalog history verify`
passes on what the catalog wrote and fails, naming the record, after any direct edit in Neo4j."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from typer.testing import CliRunner

from catalog.cli import app as cli
from catalog.settings import get_settings
from catalog.store import history
from tests.factory import create


def verify_cli(neo4j_server) -> tuple[int, str]:
    uri, _ = neo4j_server
    get_settings.cache_clear()  # the CLI reads NEO4J_URI afresh
    result = CliRunner().invoke(cli, ["history", "verify"], env={"NEO4J_URI": uri})
    get_settings.cache_clear()
    return result.exit_code, result.output


def records(store) -> list[dict]:
    return [row["c"] for row in store.rows("MATCH (c:ChangeRecord) RETURN c {.*} AS c ORDER BY c.seq")]


def own_digest(record: dict) -> str:
    """The hash as the history's documentation defines it, computed here independently."""
    fields = ("id", "seq", "at", "actor", "action", "entity_id", "entity_type", "before", "after",
              "request_id", "run_id", "previous_hash")
    canonical = json.dumps({k: record.get(k) for k in fields}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@pytest.fixture
def written(client):
    """Some ordinary writes through the API: creates, an edit, a relation, a cascade delete."""
    system = create(client, "System")
    unit = create(client, "OrgUnit")
    owner = client.post("/api/v1/ownerships", json={"owner_id": unit["id"], "resource_id": system["id"],
                                                    "role": "systemeier"})
    assert owner.status_code == 201, owner.text
    assert client.patch(f"/api/v1/systems/{system['id']}", json={"description": "Endret"}).status_code == 200
    return system, unit


def test_every_record_is_chained_to_the_one_before(client, clean_store, written):
    chain = records(clean_store)
    assert len(chain) >= 4
    assert [r["seq"] for r in chain] == list(range(1, len(chain) + 1))
    assert chain[0]["previous_hash"] == "0" * 64
    for before, after in zip(chain, chain[1:]):
        assert after["previous_hash"] == before["hash"]
    assert all(r["hash"] == own_digest(r) for r in chain)
    head = clean_store.rows("MATCH (h:HistoryHead) RETURN h.seq AS seq, h.hash AS hash")
    assert head == [{"seq": len(chain), "hash": chain[-1]["hash"]}]


def test_verify_passes_then_fails_after_a_direct_edit(client, clean_store, written, neo4j_server):
    code, output = verify_cli(neo4j_server)
    assert code == 0, output
    assert "intact" in output
    target = records(clean_store)[1]
    clean_store.execute("MATCH (c:ChangeRecord {id: $id}) SET c.actor = 'someone-else'", id=target["id"])
    code, output = verify_cli(neo4j_server)
    assert code != 0
    assert "record 2" in output and target["id"] in output and "edited" in output


def test_verify_finds_a_removed_record_and_a_removed_tail(client, clean_store, written):
    chain = records(clean_store)
    clean_store.execute("MATCH (c:ChangeRecord {id: $id}) DELETE c", id=chain[1]["id"])
    verdict = history.verify(clean_store)
    assert not verdict.intact and verdict.break_at == 2 and verdict.checked == 1

    clean_store.execute("MATCH (c:ChangeRecord) DETACH DELETE c")
    clean_store.execute("MATCH (h:HistoryHead) SET h.seq = 0, h.hash = $genesis", genesis="0" * 64)
    assert history.verify(clean_store).intact  # an empty chain with a reset head is a consistent (empty) history


def test_verify_finds_a_removed_last_record(client, clean_store, written):
    last = records(clean_store)[-1]
    clean_store.execute("MATCH (c:ChangeRecord {id: $id}) DELETE c", id=last["id"])
    verdict = history.verify(clean_store)
    assert not verdict.intact and verdict.break_at == last["seq"] and "head" in verdict.reason


def test_a_recomputed_forgery_still_breaks_at_the_next_record(client, clean_store, written):
    """Someone edits a record and fixes up its own hash: the next record no longer points at it."""
    chain = records(clean_store)
    forged = {**chain[0], "actor": "someone-else"}
    forged["hash"] = own_digest(forged)
    clean_store.execute("MATCH (c:ChangeRecord {id: $id}) SET c = $forged", id=forged["id"], forged=forged)
    verdict = history.verify(clean_store)
    assert not verdict.intact and verdict.break_at == 2 and verdict.checked == 1


def test_cascaded_edges_token_and_role_changes_are_recorded(client, clean_store, written):
    system, unit = written
    assert client.delete(f"/api/v1/org-units/{unit['id']}").status_code == 200
    removed = [r for r in records(clean_store) if r["action"] == "delete"]
    assert {r["entity_type"] for r in removed} >= {"OrgUnit", "OWNS"}
    owns = next(r for r in removed if r["entity_type"] == "OWNS")
    assert json.loads(owns["before"])["role"] == "systemeier"

    assert client.post("/api/v1/admin/tokens", json={"name": "history-check", "role": "reader"}).status_code == 201
    assert client.delete("/api/v1/admin/tokens/history-check").status_code == 204
    assigned = client.post("/api/v1/admin/role-assignments", json={"subject": "tid/oid-1", "role": "auditor"}).json()
    assert client.delete(f"/api/v1/admin/role-assignments/{assigned['id']}").status_code == 204
    kinds = [(r["entity_type"], r["action"]) for r in records(clean_store)[-4:]]
    assert kinds == [("ApiToken", "create"), ("ApiToken", "update"),
                     ("CatalogRoleAssignment", "create"), ("CatalogRoleAssignment", "delete")]
    assert {r["actor"] for r in records(clean_store)[-4:]} == {"token:test-admin"}
    assert "token_hash" not in records(clean_store)[-4]["after"]
    assert history.verify(clean_store).intact


def test_concurrent_writers_never_fork_the_chain(client, clean_store):
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda n: client.post("/api/v1/systems", json={"name": f"Parallell {n}"}).status_code,
                                 range(24)))
    assert statuses == [201] * 24
    chain = records(clean_store)
    assert len(chain) == 24 and history.verify(clean_store).intact
