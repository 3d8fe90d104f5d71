"""The FLOWS_TO projection: one relationship per flow edge, derived from the base facts the
ontology names (`ontology.catalog.FLOWS_TO`), so that lineage is one traversal inside Neo4j.

Every write that changes a base fact calls `refresh` in its own transaction with the ids of the
nodes it touched: for a changed relationship, one of its two ends is enough, since every flow edge
a relationship takes part in has that end as its source, its target or its via node. `rebuild`
draws the whole projection again from the base facts (`catalog rebuild-projections`).

A FLOWS_TO edge carries what lineage answers with: the flow's type, kind and mechanism, its via
node (`via`, `via_name`; or only `via_name`, the job a derivation names) and the interval in which
every fact on its way holds (`valid_from` the latest start, `valid_to` the earliest end).
"""

from __future__ import annotations

from functools import cache
from typing import Iterable

from neo4j import ManagedTransaction

from catalog.store.driver import Store
from catalog.store.schema import ENTITY
from ontology import ONTOLOGY
from ontology.model import Flow

FLOWS = ONTOLOGY.projection("FLOWS_TO")
# Node types a flow edge starts at, ends at or passes through: writes to others leave it alone.
LABELS = frozenset(label for flow in FLOWS.flows for label in (flow.source, flow.target, flow.via) if label)
REBUILD_PAGE = 10_000


def _pattern(flow: Flow, source: str = "s", via: str = "v", target: str = "t") -> str:
    ends = [f"({source}:{flow.source})"]
    middle = [f"({via}:{flow.via})"] if flow.via else []
    nodes = ends + middle + [f"({target}:{flow.target})"]
    text = nodes[0]
    for index, hop in enumerate(flow.hops):
        arrow = f"-[r{index}:{hop.rel}]->" if hop.forward else f"<-[r{index}:{hop.rel}]-"
        text += arrow + nodes[index + 1]
    return text


def _latest(values: list[str]) -> str:
    """The latest non-null value of the list (null when all are): the interval's start."""
    return f"reduce(m = null, x IN [{', '.join(values)}] | CASE WHEN x IS NULL OR (m IS NOT NULL AND m >= x) THEN m ELSE x END)"


def _earliest(values: list[str]) -> str:
    return f"reduce(m = null, x IN [{', '.join(values)}] | CASE WHEN x IS NULL OR (m IS NOT NULL AND m <= x) THEN m ELSE x END)"


def _create(flow: Flow) -> str:
    """Create the flow edges of the rows (s, v, t, r0, r1 …) bound before it."""
    facts = (["v"] if flow.via else []) + [f"r{i}" for i in range(len(flow.hops))]
    kind_from = "v" if flow.via else "r0"
    via = "v.id" if flow.via else "null"
    via_name = "v.name" if flow.via else (f"r0.{flow.via_prop}" if flow.via_prop else "null")
    mechanism = "v.mechanism" if flow.via else "null"
    return (f"CREATE (s)-[f:{FLOWS.type}]->(t) SET f.type = '{flow.type}', "
            f"f.kind = coalesce({kind_from}.kind, '{flow.default_kind}'), f.via = {via}, f.via_name = {via_name}, "
            f"f.mechanism = {mechanism}, f.valid_from = {_latest([f'{x}.valid_from' for x in facts])}, "
            f"f.valid_to = {_earliest([f'{x}.valid_to' for x in facts])}")


def _bound(flow: Flow) -> str:
    return "s, v, t, " + ", ".join(f"r{i}" for i in range(len(flow.hops))) if flow.via else "s, t, r0"


@cache
def _refresh_statements(flow: Flow) -> tuple[str, ...]:
    """The flow edges of one kind that touch the nodes in $ids, as source, target or via: one
    plain statement per role (quick to plan), each leaving out what an earlier one drew."""
    statements, earlier = [], []
    for role, name in (("s", "source"), ("t", "target"), ("v", "via")):
        if role == "v" and not flow.via:
            continue
        unseen = "".join(f" AND NOT {e}.id IN $ids" for e in earlier)
        statements.append(f"UNWIND $ids AS id MATCH ({role}:{ENTITY} {{id: id}}) MATCH {_pattern(flow)} "
                          f"WHERE true{unseen} {_create(flow)}")
        earlier.append(role)
    return tuple(statements)


@cache
def _added_statement(flow: Flow, hop: int) -> str:
    """The flow edges of one kind that a new relationship (by id, in $ids) completes."""
    step = flow.hops[hop]
    names = ["s", "v", "t"] if flow.via else ["s", "t"]
    start, end = (names[hop], names[hop + 1]) if step.forward else (names[hop + 1], names[hop])
    # Both ends of the new relationship bound first, so the rest is expanded from them.
    return (f"UNWIND $ids AS id MATCH ({start})-[new:{step.rel} {{id: id}}]->({end}) "
            f"MATCH {_pattern(flow)} WHERE r{hop} = new WITH DISTINCT {_bound(flow)} {_create(flow)}")


_DROP_TOUCHING = (f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}})-[f:{FLOWS.type}]-() WITH DISTINCT f DELETE f")
# Only the nodes flows pass through, and those just deleted (whose type is gone with them).
_DROP_VIA = (f"UNWIND $ids AS id OPTIONAL MATCH (n:{ENTITY} {{id: id}}) WITH id, n "
             f"WHERE n IS NULL OR {' OR '.join(f'n:{label}' for label in sorted(FLOWS.via_labels))} "
             f"MATCH ()-[f:{FLOWS.type} {{via: id}}]->() DELETE f")


def refresh(tx: ManagedTransaction, ids: Iterable[str]) -> None:
    """Draw again every flow edge that starts, ends or passes through one of these nodes (or
    passed through one that is gone), from the base facts as they now stand in `tx`."""
    ids = sorted(set(ids))
    if not ids:
        return
    tx.run(_DROP_TOUCHING, ids=ids).consume()
    tx.run(_DROP_VIA, ids=ids).consume()
    for flow in FLOWS.flows:
        for statement in _refresh_statements(flow):
            tx.run(statement, ids=ids).consume()


def add_for_new(tx: ManagedTransaction, rel_type: str, rel_ids: list[str]) -> None:
    """Draw the flow edges that relationships just created complete. Nothing to take away: every
    flow edge comes from one set of facts, and this set did not exist before."""
    if not rel_ids:
        return
    for flow in FLOWS.flows:
        for hop, step in enumerate(flow.hops):
            if step.rel == rel_type:
                tx.run(_added_statement(flow, hop), ids=rel_ids).consume()


def rebuild(store: Store) -> int:
    """Drop the projection and derive it again from every base fact; returns the edges drawn."""
    while store.execute(f"MATCH ()-[f:{FLOWS.type}]->() WITH f LIMIT $page DELETE f RETURN count(*) AS n",
                        page=REBUILD_PAGE)[0]["n"] == REBUILD_PAGE:
        pass
    for flow in FLOWS.flows:
        store.execute(f"MATCH {_pattern(flow)} {_create(flow)}")
    return count(store)


def count(store: Store) -> int:
    return store.rows(f"MATCH ()-[f:{FLOWS.type}]->() RETURN count(f) AS n")[0]["n"]


def edges(store: Store) -> list[dict]:
    """Every flow edge with its properties, in a fixed order (for comparing two projections)."""
    return store.rows(f"MATCH (s)-[f:{FLOWS.type}]->(t) RETURN s.id AS source, t.id AS target, properties(f) AS props "
                      "ORDER BY source, target, props.type, props.via, props.via_name")


def touched_end(rel_type: str) -> str:
    """Which end of a changed base relationship to refresh ('a' its source, 'b' its target): the
    via node when the relationship leads to one (an integration has few flow edges), else its
    target."""
    for flow in FLOWS.flows:
        for index, hop in enumerate(flow.hops):
            if hop.rel == rel_type and flow.via:
                # Hop 0 runs between the source and the via node, hop 1 between via and target.
                via_is_stored_target = (index == 0) == hop.forward
                return "b" if via_is_stored_target else "a"
    return "b"
