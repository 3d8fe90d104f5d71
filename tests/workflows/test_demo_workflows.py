"""`make demo` shows a campaign in progress and owners with entries to confirm."""

from __future__ import annotations

from catalog.demo.load import load
from catalog.demo.workflows import start_workflows
from catalog.security import create_token


def test_the_demo_has_a_review_in_progress_and_owners_with_tasks(clean_store, session_client, tokens):
    load(clean_store)
    assert start_workflows(clean_store)["reviews_opened"] == 1
    assert start_workflows(clean_store) == {"confirmed": 0, "reviews_opened": 0}  # loading twice: the same state
    auditor = {"Authorization": f"Bearer {tokens['auditor']}"}
    [review] = session_client.get("/api/v1/access-reviews", params={"status": "open"}).json()
    summary = session_client.get(f"/api/v1/access-reviews/{review['id']}").json()
    assert summary["items"] > 1 and summary["decided"] == 1
    items = session_client.get(f"/api/v1/access-reviews/{review['id']}/items", headers=auditor).json()
    reviewer = items[0]["reviewer_id"]
    assert reviewer and {i["resource_name"] for i in items} == {"Visma InSchool"}
    owner = {"Authorization": f"Bearer {create_token(clean_store, 'demo-reviewer', 'owner', 1, reviewer)}"}
    kinds = {task["kind"] for task in session_client.get("/api/v1/tasks", headers=owner).json()}
    assert kinds == {"attestation", "access-review"}
    overdue = [row for row in session_client.get("/api/v1/attestations/by-unit").json() if row["overdue"]]
    assert overdue and any("konomi" not in (row["unit_name"] or "") for row in overdue)
