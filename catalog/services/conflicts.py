"""Deciding a harvest conflict: a source disagrees with a value a person set. Either the source's
value is taken (and the field is the source's again), or the person's value is kept and the
disagreement is no longer listed."""

from __future__ import annotations

import json
from typing import Any

from catalog.errors import InvalidInput, NotFound
from catalog.store import harvest as harvest_store
from catalog.store.driver import Store
from catalog.store.lineage import summaries
from ontology import ONTOLOGY


def _conflict(store: Store, conflict_id: str) -> dict[str, Any]:
    found = harvest_store.get_conflict(store, conflict_id)
    if found is None:
        raise NotFound(f"No harvest conflict '{conflict_id}'.")
    return found


def _typed(label: str, field: str, text: str | None) -> Any:
    """A conflict keeps values as text (lists as JSON); the ontology says what the field really holds."""
    prop = next((p for p in ONTOLOGY.all_props(ONTOLOGY.node(label)) if p.name == field), None)
    if prop is None or text is None or prop.kind in ("str", "date"):
        return text
    if prop.kind == "bool":
        return text.lower() == "true"
    if prop.kind == "int":
        return int(text)
    return json.loads(text)


def take_source_value(store: Store, conflict_id: str, actor: str) -> None:
    conflict = _conflict(store, conflict_id)
    entity = summaries(store, [conflict["entity_id"]]).get(conflict["entity_id"])
    if entity is None or entity["type"] not in {n.label for n in ONTOLOGY.nodes}:
        raise InvalidInput(f"'{conflict['entity_id']}' is not a catalog entry; resolve it through its resource.")
    value = _typed(entity["type"], conflict["field"], conflict.get("source_value"))
    harvest_store.take_source_value(store, conflict, value, actor)


def keep_manual_value(store: Store, conflict_id: str) -> None:
    _conflict(store, conflict_id)
    harvest_store.keep_manual_value(store, conflict_id)
