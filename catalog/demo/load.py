"""Load the demo county through the same batched ingest the connectors use."""

from __future__ import annotations

from collections import defaultdict

from catalog.demo.county import records
from catalog.store.driver import Store
from catalog.store.ingest import LoadCounts, load_nodes, load_rels, now_iso
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
