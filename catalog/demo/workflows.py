"""The demo county's workflows in progress: last year's round of owner confirmations (so that
owners have entries to confirm again), and an access review of Visma InSchool half decided."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from catalog.security import User
from catalog.services import attestation, reviews

PERIOD_DAYS = 365
REVIEWED_SYSTEM = "Visma InSchool"
DEMO_ADMIN = User(subject="demo-loader", roles=frozenset({"admin"}))


def start_workflows(store) -> dict[str, int]:
    """Loading twice leaves the same state: each step happens only when it has not yet."""
    now = datetime.now(timezone.utc)
    states = attestation.states(store, now.date(), PERIOD_DAYS)
    confirmed = 0
    if not any(state.confirmed for state in states):
        owned = [state.id for state in states if state.people]
        # Most were confirmed fourteen months ago; the economy department did its round this autumn.
        recent = [state.id for state in states if state.people and any("økonomi" in (p.get("unit_name") or "").lower()
                                                                         for p in state.people)]
        attestation.confirm(store, DEMO_ADMIN, [i for i in owned if i not in recent], now - timedelta(days=425), PERIOD_DAYS)
        if recent:
            attestation.confirm(store, DEMO_ADMIN, recent, now - timedelta(days=60), PERIOD_DAYS)
        confirmed = len(owned)
    opened = 0
    if not reviews.list_reviews(store, "open"):
        system = next((s for s in states if s.type == "System" and s.name == REVIEWED_SYSTEM), None)
        if system is not None:
            review = reviews.open_review(store, DEMO_ADMIN, "resource", system.id, date.today() + timedelta(days=14),
                                         True, date.today())
            items = reviews.items(store, DEMO_ADMIN, review["id"])
            if items and items[0].get("reviewer_id"):
                reviewer = User(subject=f"demo:{items[0]['reviewer_name']}", roles=frozenset({"owner"}),
                                person_id=items[0]["reviewer_id"])
                reviews.decide(store, reviewer, items[0]["id"], "keep", "Trenger tilgangen i jobben")
            opened = 1
    return {"confirmed": confirmed, "reviews_opened": opened}
