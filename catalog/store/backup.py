"""The whole graph out and in, exactly as stored: the backup behind the RDF export and import."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from catalog.store import flows
from catalog.store.driver import Store
from catalog.store.ingest import batches
from catalog.store.schema import ENTITY
from ontology import ONTOLOGY

CATALOG_LABELS = {node.label for node in ONTOLOGY.nodes}
KNOWN_LABELS = CATALOG_LABELS | {node.label for node in ONTOLOGY.operational}


def nodes(store: Store) -> list[dict[str, Any]]:
    return store.rows(f"MATCH (n) RETURN [l IN labels(n) WHERE l <> '{ENTITY}'][0] AS label, properties(n) AS props "
                      "ORDER BY label, n.id")


def edges(store: Store) -> list[dict[str, Any]]:
    """The stored facts; flow edges are derived from them, and drawn again on restore."""
    return store.rows("MATCH (a)-[r]->(b) WHERE NOT type(r) IN $derived "
                      "RETURN type(r) AS type, a.id AS source, b.id AS target, properties(r) AS props ORDER BY type, r.id",
                      derived=[p.type for p in ONTOLOGY.projections])


def restore(store: Store, node_rows: list[dict[str, Any]], edge_rows: list[dict[str, Any]]) -> tuple[int, int]:
    """Write nodes and edges with exactly the given properties (merging on id), each batch with
    the flow edges it changes."""
    by_label: dict[str, list] = defaultdict(list)
    for row in node_rows:
        if row["label"] not in KNOWN_LABELS:
            raise ValueError(f"unknown node type '{row['label']}'")
        by_label[row["label"]].append(row)
    by_type: dict[str, list] = defaultdict(list)
    for row in edge_rows:
        ONTOLOGY.rel(row["type"])  # only ontology types reach the query text
        by_type[row["type"]].append(row)
    for label, rows in by_label.items():
        extra = f", x:{ENTITY}" if label in CATALOG_LABELS else ""
        touches = label in flows.FLOWS.via_labels
        for batch in batches(rows):
            _write(store, f"UNWIND $rows AS row MERGE (x:{label} {{id: row.props.id}}) SET x = row.props{extra} "
                   "RETURN count(x) AS n", batch, [row["props"]["id"] for row in batch] if touches else [])
    written = 0
    for rel_type, rows in by_type.items():
        end = "source" if flows.touched_end(rel_type) == "a" else "target"
        for batch in batches(rows):
            written += _write(
                store, f"UNWIND $rows AS row MATCH (a:{ENTITY} {{id: row.source}}) USING INDEX a:{ENTITY}(id) "
                f"MATCH (b:{ENTITY} {{id: row.target}}) USING INDEX b:{ENTITY}(id) "
                f"MERGE (a)-[x:{rel_type} {{id: row.props.id}}]->(b) SET x = row.props RETURN count(x) AS n",
                batch, [row[end] for row in batch] if rel_type in flows.FLOWS.base_types else [])
    return len(node_rows), written


def _write(store: Store, statement: str, batch: list[dict[str, Any]], touched: list[str]) -> int:
    def work(tx) -> int:
        written = tx.run(statement, rows=batch).single()["n"]
        flows.refresh(tx, touched)
        return written
    return store.write(work)
