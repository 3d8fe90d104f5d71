"""Constraints and indexes, derived from the ontology and created idempotently at start-up."""

from __future__ import annotations

from catalog.store.driver import Store
from ontology import ONTOLOGY

# Every catalog node also carries this label, so ids are unique across types and any id can
# be looked up through one index (lineage and access take ids of any type).
ENTITY = "Entity"
SEARCH_INDEX = "entity_search"


def _node_statements(label: str, props) -> list[str]:
    name = label.lower()
    statements = [f"CREATE CONSTRAINT {name}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"]
    for prop in props:
        if prop.unique:
            statements.append(f"CREATE CONSTRAINT {name}_{prop.name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop.name} IS UNIQUE")
        elif prop.indexed:
            statements.append(f"CREATE INDEX {name}_{prop.name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop.name})")
    return statements


def schema_statements() -> list[str]:
    statements = [f"CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:{ENTITY}) REQUIRE n.id IS UNIQUE",
                  f"CREATE INDEX entity_source IF NOT EXISTS FOR (n:{ENTITY}) ON (n.source)"]
    for node in ONTOLOGY.nodes:
        statements += _node_statements(node.label, ONTOLOGY.all_props(node))
    for node in ONTOLOGY.operational:
        statements += _node_statements(node.label, node.props)
    for rel in ONTOLOGY.relationships:
        statements.append(f"CREATE INDEX rel_{rel.type.lower()}_id IF NOT EXISTS FOR ()-[r:{rel.type}]-() ON (r.id)")
    for projection in ONTOLOGY.projections:
        # Redrawing the flow edges through an integration looks them up by their via node.
        statements.append(f"CREATE INDEX rel_{projection.type.lower()}_via IF NOT EXISTS "
                          f"FOR ()-[r:{projection.type}]-() ON (r.via)")
    labels = "|".join(node.label for node in ONTOLOGY.nodes)
    searchable = sorted({p.name for node in ONTOLOGY.nodes for p in ONTOLOGY.all_props(node) if p.searchable})
    fields = ", ".join(f"n.{name}" for name in searchable)
    statements.append(f"CREATE FULLTEXT INDEX {SEARCH_INDEX} IF NOT EXISTS FOR (n:{labels}) ON EACH [{fields}]")
    return statements


def ensure_schema(store: Store) -> None:
    for statement in schema_statements():
        store.execute(statement)
    store.execute("CALL db.awaitIndexes(300)")
