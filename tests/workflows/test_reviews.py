"""An access review campaign from start to export: items with their paths, decisions by the
systemeier only, revokes as actions per source that are done once the access is gone."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from catalog.security import create_token
from tests.factory import create


def _bearer(store, name: str, role: str, person_id: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(store, name, role, 1, person_id)}"}


def test_a_campaign_from_start_to_export(client, store, tokens):
    siri = create(client, "Person", name="Siri Systemeier")
    per = create(client, "Person", name="Per Annen")
    kari = create(client, "Person", name="Kari Nordmann")
    ola = create(client, "Person", name="Ola Nordmann")
    system = create(client, "System", name="Visma InSchool")
    client.post("/api/v1/ownerships", json={"owner_id": siri["id"], "resource_id": system["id"], "role": "systemeier"})
    fjordvik = create(client, "Group", name="Lærere Fjordvik vgs")
    laerere = create(client, "Group", name="Lærere")
    membership = client.post("/api/v1/memberships", json={"member_id": kari["id"], "group_id": fjordvik["id"]}).json()
    client.post("/api/v1/memberships", json={"member_id": fjordvik["id"], "group_id": laerere["id"]})
    client.post("/api/v1/access-grants", json={"principal_id": laerere["id"], "resource_id": system["id"], "level": "write"})
    client.post("/api/v1/access-grants", json={"principal_id": ola["id"], "resource_id": system["id"], "level": "read"})
    auditor = {"Authorization": f"Bearer {tokens['auditor']}"}
    reviewer = _bearer(store, "review-siri", "owner", siri["id"])
    bystander = _bearer(store, "review-per", "owner", per["id"])
    deadline = (date.today() + timedelta(days=14)).isoformat()

    assert client.post("/api/v1/access-reviews", json={"scope": "resource", "scope_id": system["id"], "deadline": deadline},
                       headers=reviewer).status_code == 403
    opened = client.post("/api/v1/access-reviews", json={"scope": "resource", "scope_id": system["id"],
                                                         "deadline": deadline}, headers=auditor)
    assert opened.status_code == 201, opened.text
    review = opened.json()
    assert (review["status"], review["items"]) == ("open", 2)

    items = {i["principal_name"]: i for i in client.get(f"/api/v1/access-reviews/{review['id']}/items", headers=reviewer).json()}
    assert set(items) == {"Kari Nordmann", "Ola Nordmann"}
    assert items["Kari Nordmann"]["level"] == "write" and items["Ola Nordmann"]["level"] == "read"
    assert "Lærere Fjordvik vgs" in items["Kari Nordmann"]["path"] and "Lærere" in items["Kari Nordmann"]["path"]
    assert {i["reviewer_name"] for i in items.values()} == {"Siri Systemeier"}
    assert client.get(f"/api/v1/access-reviews/{review['id']}/items", params={"mine": True}, headers=bystander).json() == []

    # Siri has two tasks' worth of work: one campaign with two undecided items.
    tasks = client.get("/api/v1/tasks", headers=reviewer).json()
    assert [(t["kind"], t["review_id"], t["undecided"]) for t in tasks] == [("access-review", review["id"], 2)]

    decide = f"/api/v1/access-reviews/{review['id']}/items/{{}}/decision"
    assert client.post(decide.format(items["Ola Nordmann"]["id"]), json={"decision": "keep"}, headers=bystander).status_code == 403
    no_reason = client.post(decide.format(items["Kari Nordmann"]["id"]), json={"decision": "revoke"}, headers=reviewer)
    assert no_reason.status_code == 422
    assert client.post(decide.format(items["Ola Nordmann"]["id"]), json={"decision": "keep", "note": "Trenger lesing"},
                       headers=reviewer).json()["decision"] == "keep"
    revoked = client.post(decide.format(items["Kari Nordmann"]["id"]), json={"decision": "revoke", "note": "Sluttet"},
                          headers=reviewer).json()
    assert (revoked["decision"], revoked["decided_by"]) == ("revoke", "token:review-siri")

    progress = client.get(f"/api/v1/access-reviews/{review['id']}").json()["progress"]
    assert [(p["reviewer_name"], p["items"], p["decided"], p["keep"], p["revoke"]) for p in progress] == \
        [("Siri Systemeier", 2, 2, 1, 1)]

    actions = client.get(f"/api/v1/access-reviews/{review['id']}/actions", headers=auditor).json()
    assert [(a["principal_name"], a["source"], a["status"]) for a in actions] == [("Kari Nordmann", "manual", "open")]
    assert "Lærere Fjordvik vgs" in actions[0]["action"]
    # Kari leaves the group in the source; the action is done.
    assert client.delete(f"/api/v1/memberships/{membership['id']}").status_code == 204
    actions = client.get(f"/api/v1/access-reviews/{review['id']}/actions", headers=auditor).json()
    assert [(a["principal_name"], a["status"]) for a in actions] == [("Kari Nordmann", "done")]

    closed = client.post(f"/api/v1/access-reviews/{review['id']}/close", headers=auditor).json()
    assert closed["status"] == "closed"
    late = client.post(decide.format(items["Ola Nordmann"]["id"]), json={"decision": "revoke", "note": "x"}, headers=reviewer)
    assert late.status_code == 422

    exported = client.get(f"/api/v1/access-reviews/{review['id']}/export", headers=auditor)
    assert exported.status_code == 200
    workbook = load_workbook(io.BytesIO(exported.content))
    sheet = workbook["Punkter"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    assert {(r["principal_name"], r["level"], r["decision"], r["note"], r["reviewer_name"]) for r in rows} == {
        ("Kari Nordmann", "write", "revoke", "Sluttet", "Siri Systemeier"),
        ("Ola Nordmann", "read", "keep", "Trenger lesing", "Siri Systemeier")}
    assert all(r["decided_at"] for r in rows)
    assert [c.value for c in workbook["Tiltak"][2]][-1] == "done"
    # Every decision is in the audit trail.
    decisions = client.get("/api/v1/history", params={"actor": "token:review-siri"}).json()["items"]
    assert {d["entity_id"] for d in decisions} == {items["Kari Nordmann"]["id"], items["Ola Nordmann"]["id"]}


def test_scope_personal_data_covers_every_dataset_with_personal_data(client, tokens):
    system = create(client, "System", name="Skolesystem")
    with_personal = create(client, "Dataset", name="Elevregister", system=system["id"], personal_data=True)
    create(client, "Dataset", name="Timeplan", system=system["id"], personal_data=False)
    person = create(client, "Person", name="Lise Lærer")
    client.post("/api/v1/access-grants", json={"principal_id": person["id"], "resource_id": system["id"], "level": "read"})
    auditor = {"Authorization": f"Bearer {tokens['auditor']}"}
    review = client.post("/api/v1/access-reviews", json={"scope": "personal-data",
                                                         "deadline": date.today().isoformat()}, headers=auditor).json()
    items = client.get(f"/api/v1/access-reviews/{review['id']}/items", headers=auditor).json()
    assert [(i["resource_id"], i["principal_name"]) for i in items] == [(with_personal["id"], "Lise Lærer")]
    bad = client.post("/api/v1/access-reviews", json={"scope": "resource", "deadline": "2026-01-01"}, headers=auditor)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
