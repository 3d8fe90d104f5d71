"""Load the demo county through the same batched ingest the connectors use."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from catalog.demo.county import records
from catalog.store.driver import Store
from catalog.store.entities import get_entity, update_entity
from catalog.store.ingest import LoadCounts, load_nodes, load_rels, now_iso
from catalog.harvest.service import Sources, run_source
from ontology.records import NodeRecord, RelRecord

SOURCE = "demo"


def load(store: Store) -> LoadCounts:
    nodes: dict[str, list[NodeRecord]] = defaultdict(list)
    edges: dict[str, list[RelRecord]] = defaultdict(list)
    for record in records():
        if isinstance(record, NodeRecord):
            nodes[record.label].append(record)
        else:
            edges[record.type].append(record)
    total, now = LoadCounts(), now_iso()
    for label, batch in nodes.items():
        _add(total, load_nodes(store, label, batch, source=SOURCE, actor="demo-loader", now=now))
    for rel_type, batch in edges.items():
        _add(total, load_rels(store, rel_type, batch, source=SOURCE, actor="demo-loader", now=now))
    if total.skipped:
        raise RuntimeError(f"{total.skipped} demo edges point at missing nodes: the demo data is inconsistent.")
    return total


def _add(total: LoadCounts, counts: LoadCounts) -> None:
    total.written += counts.written
    total.created += counts.created
    total.updated += counts.updated
    total.skipped += counts.skipped


DEMO_SOURCES = Path(__file__).parent / "sources.yaml"
# A person's edit that the inventory spreadsheet disagrees with: the edit stands, the harvest
# records a conflict.
MANUAL_EDIT = ("System", "system-public-360", {"vendor": "Tietoevry Norge AS"}, "kari.berg@eksempel-fylke.no")


def edit_and_harvest(store: Store) -> list[dict]:
    """The demo's manual edit, then its harvest sources (an inventory spreadsheet, a SQLite
    database), so a newcomer sees harvested facts, provenance and a conflict."""
    label, entity_id, change, actor = MANUAL_EDIT
    if any(get_entity(store, label, entity_id).get(k) != v for k, v in change.items()):
        update_entity(store, label, entity_id, change, replace=False, actor=actor)
    sources = Sources.read(DEMO_SOURCES)
    return [run_source(store, source, DEMO_SOURCES.parent) for source in sources.sources.values()
            if source.connector != "openlineage"]
