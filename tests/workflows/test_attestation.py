"""Owner attestation: overdue after the period, confirmed in one call, counted per unit."""

from __future__ import annotations

from datetime import date, timedelta

from catalog.security import create_token
from tests.factory import create


def _owned_system(client, store, name: str, unit_name: str):
    unit = create(client, "OrgUnit", name=unit_name, parent=create(client, "Organization")["id"])
    person = create(client, "Person", name=f"Eier av {name}", org_unit=unit["id"])
    system = create(client, "System", name=name)
    client.post("/api/v1/ownerships", json={"owner_id": person["id"], "resource_id": system["id"], "role": "systemeier"})
    token = create_token(store, f"owner-{person['id']}", "owner", 1, person["id"])
    return person, system, {"Authorization": f"Bearer {token}"}, unit


def test_entries_become_tasks_after_the_period_and_owners_confirm_them(client, store):
    person, system, owner, unit = _owned_system(client, store, "Visma InSchool", "Opplæring")
    _, other_system, other_owner, _ = _owned_system(client, store, "Public 360", "Arkiv")
    today = date.today()
    # Both came into the catalog 400 days ago and were never confirmed.
    store.execute("MATCH (s:System) WHERE s.id IN $ids SET s.first_seen = $then",
                  ids=[system["id"], other_system["id"]], then=(today - timedelta(days=400)).isoformat() + "T08:00:00+00:00")
    assert client.get("/api/v1/tasks", params={"as_of": (today - timedelta(days=40)).isoformat()}, headers=owner).json() == []
    tasks = client.get("/api/v1/tasks", headers=owner).json()
    assert [(t["kind"], t["entity_id"]) for t in tasks] == [("attestation", system["id"])]
    assert tasks[0]["due"] == (today - timedelta(days=35)).isoformat()

    overdue = client.get("/api/v1/attestations", params={"overdue": True}).json()
    assert {e["id"] for e in overdue} == {system["id"], other_system["id"]}
    by_unit = {row["unit_name"]: row for row in client.get("/api/v1/attestations/by-unit").json()}
    assert (by_unit["Opplæring"]["overdue"], by_unit["Opplæring"]["entries"]) == (1, 1)

    # An owner confirms what they own, not what another owns.
    refused = client.post("/api/v1/attestations", json={"entity_ids": [system["id"], other_system["id"]]}, headers=owner)
    assert refused.status_code == 403 and other_system["id"] in refused.json()["detail"]
    confirmed = client.post("/api/v1/attestations", json={"entity_ids": [system["id"]]}, headers=owner)
    assert confirmed.status_code == 201 and confirmed.json()[0]["entity_id"] == system["id"]

    # The period starts again from the confirmation.
    assert client.get("/api/v1/tasks", headers=owner).json() == []
    assert client.get("/api/v1/tasks", params={"as_of": (today + timedelta(days=364)).isoformat()}, headers=owner).json() == []
    again = client.get("/api/v1/tasks", params={"as_of": (today + timedelta(days=366)).isoformat()}, headers=owner).json()
    assert [t["entity_id"] for t in again] == [system["id"]]
    by_unit = {row["unit_name"]: row for row in client.get("/api/v1/attestations/by-unit").json()}
    assert (by_unit["Opplæring"]["overdue"], by_unit["Arkiv"]["overdue"]) == (0, 1)
    history = client.get(f"/api/v1/history/{system['id']}").json()["items"]
    assert any(change["action"] == "attest" for change in history)


def test_tasks_of_another_person_are_for_admins_only(client, store, tokens):
    person, system, owner, _ = _owned_system(client, store, "Visma Flyt Skole", "Skole")
    late = (date.today() + timedelta(days=400)).isoformat()
    auditor = {"Authorization": f"Bearer {tokens['auditor']}"}
    assert client.get("/api/v1/tasks", params={"person": person["id"]}, headers=auditor).status_code == 403
    assert [t["entity_id"] for t in client.get("/api/v1/tasks", params={"person": person["id"], "as_of": late}).json()] \
        == [system["id"]]
