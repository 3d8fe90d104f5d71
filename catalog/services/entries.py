"""What the web pages show about entries beyond one entity's record: counts per type, an
entry's history and open conflicts, names for references, and what a person's own entries
still lack."""

from __future__ import annotations

from typing import Any

from catalog.store import entities, history
from catalog.store import harvest as harvest_store
from catalog.store import lineage as lineage_store
from catalog.store.driver import Store
from ontology import ONTOLOGY

# What an owner is asked to fill in first: ownership roles an entry needs, and the fields the
# governance reports look for.
NEEDED_ROLES = {"System": ("systemeier", "systemansvarlig"), "Integration": ("systemansvarlig",),
                "Dataset": ("dataeier",)}


def counts(store: Store) -> dict[str, int]:
    found = entities.counts_per_type(store)
    return {node.label: found.get(node.label, 0) for node in ONTOLOGY.nodes}


def changes(store: Store, entity_id: str, limit: int = 50) -> list[dict[str, Any]]:
    return history.changes(store, entity_id, None, None, None, limit, 0)[0]


def conflicts(store: Store, entity_id: str) -> list[dict[str, Any]]:
    return harvest_store.list_conflicts(store, None, entity_id, 100, 0)[0]


def people_who_own(store: Store, limit: int = 12) -> list[dict[str, Any]]:
    return entities.people_who_own(store, limit)


def summaries(store: Store, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Id, type and name of each node, for showing references by name."""
    return lineage_store.summaries(store, ids)


def missing(entry: dict[str, Any]) -> list[str]:
    """What an entry lacks, as codes the pages translate: `role:systemeier`, `field:legal_basis`."""
    roles = {owner["role"] for owner in entry.get("owners", [])}
    lacking = [f"role:{role}" for role in NEEDED_ROLES.get(entry["type"], ()) if role not in roles]
    if entry["type"] == "Dataset" and entry.get("personal_data") and not entry.get("legal_basis"):
        lacking.append("field:legal_basis")
    if entry["type"] == "Dataset" and entry.get("personal_data") is None:
        lacking.append("field:personal_data")
    if entry["type"] == "System" and not entry.get("lifecycle"):
        lacking.append("field:lifecycle")
    if not entry.get("description"):
        lacking.append("field:description")
    return lacking


def my_entries(store: Store, person_id: str) -> list[dict[str, Any]]:
    """What the person owns (directly or through their unit), each with what it still lacks."""
    owned = entities.owned_by(store, person_id)
    return [{**item, "missing": missing(entities.get_entity(store, item["type"], item["id"]))} for item in owned]
