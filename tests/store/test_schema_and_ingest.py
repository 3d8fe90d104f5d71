"""The ontology-derived schema holds, and the batched ingest is idempotent."""

from __future__ import annotations

import pytest

from catalog.errors import Collision
from catalog.store.ingest import load_nodes, load_rels
from catalog.store.schema import schema_statements
from ontology import ONTOLOGY
from ontology.records import NodeRecord, RelRecord


def test_every_node_type_has_its_id_constraint(clean_store):
    constraints = {r["name"] for r in clean_store.rows("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {f"{node.label.lower()}_id" for node in ONTOLOGY.nodes} | {"entity_id", "organization_orgnr"} <= constraints
    assert len(schema_statements()) == len(set(schema_statements()))


def test_duplicate_key_is_refused_by_the_database(clean_store):
    load_nodes(clean_store, "System", [NodeRecord("System", "shared-id", {"name": "A"})], source="t", actor="t")
    with pytest.raises(Collision):
        load_nodes(clean_store, "Dataset", [NodeRecord("Dataset", "shared-id", {"name": "B"})], source="t", actor="t")
    rows = [NodeRecord("Organization", f"org-{i}", {"name": f"O{i}", "orgnr": "921000006"}) for i in range(2)]
    with pytest.raises(Collision):
        load_nodes(clean_store, "Organization", rows, source="t", actor="t")
    assert clean_store.rows("MATCH (n:Organization) RETURN count(n) AS n")[0]["n"] == 0


def test_ingest_twice_changes_nothing_and_skips_dangling_edges(clean_store):
    nodes = [NodeRecord("System", "s1", {"name": "A", "vendor": "V"}), NodeRecord("System", "s2", {"name": "B"})]
    first = load_nodes(clean_store, "System", nodes, source="t", actor="t")
    again = load_nodes(clean_store, "System", nodes, source="t", actor="t")
    assert (first.created, again.created, again.updated) == (2, 0, 0)
    changed = load_nodes(clean_store, "System", [NodeRecord("System", "s1", {"name": "A", "vendor": "W"})], source="t", actor="t")
    assert changed.updated == 1
    assert clean_store.rows("MATCH (n:System {id: 's1'}) RETURN n.version AS v")[0]["v"] == 2

    edges = [RelRecord("STORED_IN", "s1", "nowhere")]
    assert load_rels(clean_store, "STORED_IN", edges, source="t", actor="t").skipped == 1
    assert clean_store.rows("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"] == 0
