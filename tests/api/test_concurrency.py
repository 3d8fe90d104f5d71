"""No lost updates: 20 writers holding the same ETag, over real HTTP against a uvicorn server, and
exactly one of them wins; every other gets 412 problem+json, and the history holds one change."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ontology import ONTOLOGY
from tests.api.test_relations import _ends, _required_props
from tests.factory import create
from tests.security.test_attacks import live_server

WRITERS = 20
RELATIONS = [pytest.param(rel, id=rel.path) for rel in ONTOLOGY.relationships if rel.path]


def race(base: str, path: str, etag: str, token: str, body_of) -> list[httpx.Response]:
    """Every writer first waits at one barrier, so the PATCHes arrive together."""
    start = threading.Barrier(WRITERS)

    def write(n: int) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=120,
                          headers={"Authorization": f"Bearer {token}", "If-Match": etag}) as http:
            start.wait()
            return http.patch(path, json=body_of(n))

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        return list(pool.map(write, range(WRITERS)))


def assert_one_winner(responses: list[httpx.Response]) -> httpx.Response:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (WRITERS - 1), [r.text for r in responses if r.status_code not in (200, 412)]
    for lost in (r for r in responses if r.status_code == 412):
        assert lost.headers["content-type"].startswith("application/problem+json")
        assert lost.json()["status"] == 412 and "changed since version" in lost.json()["detail"]
    return next(r for r in responses if r.status_code == 200)


def updates_of(store, entity_id: str) -> int:
    return store.rows("MATCH (c:ChangeRecord {entity_id: $id, action: 'update'}) RETURN count(c) AS n", id=entity_id)[0]["n"]


def test_twenty_concurrent_patches_of_a_system_give_one_success(client, store, tokens):
    system = create(client, "System")
    path = f"/api/v1/systems/{system['id']}"
    etag = client.get(path).headers["etag"]
    with live_server(store) as base:
        responses = race(base, path, etag, tokens["admin"], lambda n: {"description": f"Skriver {n}"})
    winner = assert_one_winner(responses)
    after = client.get(path)
    assert after.json()["description"] == winner.json()["description"] and after.json()["version"] == 2
    assert after.headers["etag"] == winner.headers["etag"] == '"2"'
    assert updates_of(store, system["id"]) == 1


@pytest.mark.parametrize("rel", RELATIONS)
def test_twenty_concurrent_patches_of_a_relation_give_one_success(client, store, tokens, rel):
    source, target = _ends(client, rel)
    created = client.post(f"/api/v1/{rel.path}", json={rel.source_field: source["id"], rel.target_field: target["id"],
                                                       **_required_props(rel), "valid_from": "2026-01-01"})
    assert created.status_code == 201, created.text
    path = f"/api/v1/{rel.path}/{created.json()['id']}"
    etag = client.get(path).headers["etag"]
    assert etag == created.headers["etag"] == '"1"'
    with live_server(store) as base:
        responses = race(base, path, etag, tokens["admin"], lambda n: {"valid_to": f"2027-01-{n + 1:02d}"})
    winner = assert_one_winner(responses)
    after = client.get(path)
    assert after.json()["valid_to"] == winner.json()["valid_to"] and after.json()["version"] == 2
    assert updates_of(store, created.json()["id"]) == 1


def test_a_stale_etag_cannot_delete_a_relation(client):
    person, group = create(client, "Person"), create(client, "Group")
    created = client.post("/api/v1/memberships", json={"member_id": person["id"], "group_id": group["id"]})
    assert created.status_code == 201, created.text
    path = f"/api/v1/memberships/{created.json()['id']}"
    assert client.patch(path, json={"valid_to": "2027-01-01"}, headers={"If-Match": '"1"'}).status_code == 200
    stale = client.delete(path, headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.headers["content-type"].startswith("application/problem+json")
    assert client.get(path).status_code == 200
    assert client.delete(path, headers={"If-Match": '"2"'}).status_code == 204
