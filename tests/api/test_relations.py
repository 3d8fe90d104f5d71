"""Ownerships, access grants, memberships and role assignments as resources of their own."""

from __future__ import annotations

import pytest

from ontology import ONTOLOGY
from tests.api.test_entities import assert_problem
from tests.factory import create

RESOURCES = [pytest.param(rel, id=rel.path) for rel in ONTOLOGY.relationships if rel.path]


def _ends(client, rel):
    source = create(client, next(label for label in rel.sources if label != "Role") if rel.type != "HAS_ROLE" else "Person")
    target = create(client, rel.targets[0])
    return source, target


def _required_props(rel):
    return {p.name: p.choices[0] for p in rel.props if p.required}


@pytest.mark.parametrize("rel", RESOURCES)
def test_relation_round_trip(client, rel):
    source, target = _ends(client, rel)
    body = {rel.source_field: source["id"], rel.target_field: target["id"], **_required_props(rel),
            "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
    created = client.post(f"/api/v1/{rel.path}", json=body)
    assert created.status_code == 201, created.text
    edge = created.json()
    assert edge["source_node"]["id"] == source["id"] and edge["target_node"]["name"] == target["name"]
    assert edge["valid_to"] == "2026-12-31" and edge["source"] == "manual"

    assert client.get(f"/api/v1/{rel.path}/{edge['id']}").json() == edge
    listed = client.get(f"/api/v1/{rel.path}", params={rel.target_field: target["id"]}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == edge["id"]
    assert client.get(f"/api/v1/{rel.path}", params={rel.source_field: "nobody"}).json()["total"] == 0

    patched = client.patch(f"/api/v1/{rel.path}/{edge['id']}", json={"valid_to": "2027-06-30"})
    assert patched.status_code == 200 and patched.json()["valid_to"] == "2027-06-30"

    assert_problem(client.post(f"/api/v1/{rel.path}", json=body), 409)
    assert client.delete(f"/api/v1/{rel.path}/{edge['id']}").status_code == 204
    assert_problem(client.get(f"/api/v1/{rel.path}/{edge['id']}"), 404)
    assert_problem(client.delete(f"/api/v1/{rel.path}/{edge['id']}"), 404)


@pytest.mark.parametrize("rel", RESOURCES)
def test_relation_to_missing_node_is_422_naming_it(client, rel):
    source, _ = _ends(client, rel)
    body = {rel.source_field: source["id"], rel.target_field: "ghost", **_required_props(rel)}
    problem = assert_problem(client.post(f"/api/v1/{rel.path}", json=body), 422)
    assert "ghost" in problem["detail"] and problem["errors"][0]["loc"] == ["body", rel.target_field]


def test_grant_from_a_system_is_refused(client):
    system, dataset = create(client, "System"), create(client, "Dataset")
    problem = assert_problem(client.post("/api/v1/access-grants", json={
        "principal_id": system["id"], "resource_id": dataset["id"], "level": "read"}), 422)
    assert problem["errors"][0]["loc"] == ["body", "principal_id"]


def test_grant_needs_a_valid_level_and_dates(client):
    person, system = create(client, "Person"), create(client, "System")
    base = {"principal_id": person["id"], "resource_id": system["id"]}
    assert_problem(client.post("/api/v1/access-grants", json={**base, "level": "owner"}), 422)
    assert_problem(client.post("/api/v1/access-grants", json={**base, "level": "read", "valid_from": "1. mars"}), 422)


def test_one_person_may_hold_several_ownership_roles(client):
    person, system = create(client, "Person"), create(client, "System")
    for role in ("systemeier", "systemansvarlig"):
        response = client.post("/api/v1/ownerships", json={"owner_id": person["id"], "resource_id": system["id"], "role": role})
        assert response.status_code == 201
    owners = client.get(f"/api/v1/systems/{system['id']}").json()["owners"]
    assert sorted(o["role"] for o in owners) == ["systemansvarlig", "systemeier"]
    assert client.get("/api/v1/ownerships", params={"role": "systemeier"}).json()["total"] == 1


@pytest.mark.parametrize("path", ["access-grants", "memberships"])
def test_one_pair_holds_several_intervals_that_do_not_overlap(client, path):
    rel = next(r for r in ONTOLOGY.relationships if r.path == path)
    source, target = _ends(client, rel)
    pair = {rel.source_field: source["id"], rel.target_field: target["id"], **_required_props(rel)}
    first = client.post(f"/api/v1/{path}", json={**pair, "valid_from": "2023-01-01", "valid_to": "2023-12-31"})
    assert first.status_code == 201, first.text
    # Joined again (or the level raised) from 2024: a second interval of the same pair.
    second = client.post(f"/api/v1/{path}", json={**pair, "valid_from": "2024-01-01"})
    assert second.status_code == 201, second.text
    assert second.json()["id"] != first.json()["id"]
    listed = client.get(f"/api/v1/{path}", params={rel.target_field: target["id"]}).json()
    assert sorted((e["valid_from"], e["valid_to"]) for e in listed["items"]) == [
        ("2023-01-01", "2023-12-31"), ("2024-01-01", None)]
    overlapping = assert_problem(client.post(f"/api/v1/{path}", json={**pair, "valid_from": "2023-06-01",
                                                                       "valid_to": "2023-06-30"}), 409)
    assert first.json()["id"] in overlapping["detail"]
    stretched = client.patch(f"/api/v1/{path}/{first.json()['id']}", json={"valid_to": "2024-02-01"})
    assert_problem(stretched, 409)
    backwards = assert_problem(client.post(f"/api/v1/{path}", json={**pair, "valid_from": "2025-05-01",
                                                                     "valid_to": "2025-04-01"}), 422)
    assert {tuple(e["loc"]) for e in backwards["errors"]} == {("body", "valid_from"), ("body", "valid_to")}
    patched = client.patch(f"/api/v1/{path}/{second.json()['id']}", json={"valid_to": "2023-06-01"})
    assert {tuple(e["loc"]) for e in assert_problem(patched, 422)["errors"]} == {("body", "valid_from"),
                                                                                  ("body", "valid_to")}
