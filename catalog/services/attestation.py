"""Owner attestation: every system and dataset records when an owner last confirmed it
("bekreftet korrekt"). An entry unconfirmed for longer than the period (counted from its last
confirmation, or from when it came into the catalog) is overdue: a task for its owners."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from catalog.errors import Forbidden, InvalidInput, NotFound
from catalog.security import User
from catalog.store import workflows as workflow_store
from ontology.catalog import ATTESTED, ATTESTING_ROLES


@dataclass(frozen=True)
class EntryState:
    id: str
    name: str
    type: str
    confirmed: str | None
    due: date
    overdue: bool
    people: list[dict[str, Any]]
    units: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type, "confirmed": self.confirmed,
                "due": self.due.isoformat(), "overdue": self.overdue,
                "owners": [{"id": p["id"], "name": p["name"]} for p in self.people]}


def _day(value: str | None) -> date | None:
    return datetime.fromisoformat(value).date() if value else None


def states(store, as_of: date, period_days: int) -> list[EntryState]:
    end_of_day = datetime.combine(as_of, time.max, timezone.utc).isoformat()
    rows = workflow_store.attestation_state(store, ATTESTED, {k: list(v) for k, v in ATTESTING_ROLES.items()},
                                            as_of, end_of_day)
    answer = []
    for row in rows:
        since = _day(row["confirmed"]) or _day(row["first_seen"]) or as_of
        due = since + timedelta(days=period_days)
        answer.append(EntryState(row["id"], row["name"], row["type"], row["confirmed"], due, due < as_of,
                                 row["people"], [u for u in row["units"] if u["id"]]))
    return answer


def tasks(store, person_id: str, as_of: date, period_days: int) -> list[EntryState]:
    """The person's overdue entries."""
    return [s for s in states(store, as_of, period_days) if s.overdue and any(p["id"] == person_id for p in s.people)]


def overdue_by_unit(store, as_of: date, period_days: int) -> list[dict[str, Any]]:
    """Per org unit (of the owning unit, or of the owners' unit), how many entries are overdue of how many."""
    counts: dict[tuple[str | None, str | None], list[int]] = defaultdict(lambda: [0, 0])
    for state in states(store, as_of, period_days):
        units = {(u["id"], u["name"]) for u in state.units} | {(p["unit"], p["unit_name"]) for p in state.people}
        for unit in units or {(None, None)}:
            counts[unit][0] += state.overdue
            counts[unit][1] += 1
    return [{"unit": unit_id, "unit_name": name, "overdue": overdue, "entries": total}
            for (unit_id, name), (overdue, total) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0][1] or ""))]


def confirm(store, user: User, entity_ids: list[str], now: datetime, period_days: int) -> list[dict[str, Any]]:
    """Confirm entries at once; an owner confirms what they own, an architect or admin anything."""
    if not entity_ids:
        raise InvalidInput("Name at least one entry to confirm.",
                           errors=[{"loc": ["body", "entity_ids"], "msg": "empty"}])
    known = {s.id: s for s in states(store, now.date(), period_days)}
    entries = []
    for entity_id in dict.fromkeys(entity_ids):
        state = known.get(entity_id)
        if state is None:
            raise NotFound(f"No system or dataset '{entity_id}' to confirm.")
        if not user.can("edit_catalog") and not (user.can("edit_owned") and
                                                  any(p["id"] == user.person_id for p in state.people)):
            raise Forbidden(f"Only its owners can confirm '{entity_id}'.")
        entries.append({"id": state.id, "type": state.type})
    at = now.astimezone(timezone.utc).isoformat(timespec="seconds")
    workflow_store.attest(store, entries, user.subject, user.person_id, at)
    return [{"entity_id": entry["id"], "confirmed": at} for entry in entries]
