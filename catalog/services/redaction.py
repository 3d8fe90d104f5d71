"""What a caller's role may not see, taken out of answers: personal details (e-mail, UPN, employee
number) without `read_personal`, and who-can-reach-what without `read_access`. Which fields are
personal and which relationships are access data, the ontology says."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from catalog.errors import Forbidden
from ontology import ONTOLOGY
from ontology.catalog import ACCESS_RELATIONSHIPS

if TYPE_CHECKING:
    from catalog.security import User

PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    node.label: frozenset(p.name for p in node.props if p.personal) for node in ONTOLOGY.nodes
}


def entity(user: User, label: str, data: dict[str, Any]) -> dict[str, Any]:
    personal = PERSONAL_FIELDS.get(label, frozenset())
    if personal and not user.can("read_personal"):
        return {k: v for k, v in data.items() if k not in personal}
    return data


def check_list_query(user: User, label: str, fields: set[str]) -> None:
    """Filtering or sorting by a personal field confirms a guess (`total: 1`); only those who may
    read the field may do it."""
    asked = sorted(fields & PERSONAL_FIELDS.get(label, frozenset()))
    if asked and not user.can("read_personal"):
        raise Forbidden(f"Filtering or sorting by {', '.join(asked)} needs permission 'read_personal'.",
                        errors=[{"loc": ["query", field], "msg": "needs read_personal"} for field in asked])


def conflicts(user: User, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Both values of a conflict over a personal field, or over an edge (grants, memberships,
    ownerships: `entity_type` is None), are left out for those who may not read them."""
    shown = []
    for item in items:
        label = item.pop("entity_type", None)
        hidden = (not user.can("read_access")) if label is None else \
            item.get("field") in PERSONAL_FIELDS.get(label, frozenset()) and not user.can("read_personal")
        shown.append({**item, "manual_value": None, "source_value": None} if hidden else item)
    return shown


def report_rows(user: User, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Report rows about access relationships (the stale report lists edges) need `read_access`."""
    if user.can("read_access"):
        return rows
    return [row for row in rows if row.get("type") not in ACCESS_RELATIONSHIPS]
