"""Flow edges for lineage and impact, one traversal step at a time.

Data flows along four kinds of edge, always reported in the direction the data moves:
  integration  system → system, through an Integration valid on $as_of
  holds        system → dataset it holds
  copy         dataset → system, when an integration valid on $as_of carries the dataset there
  derivation   dataset → dataset derived or copied from it (DERIVED_FROM, declared or observed)
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from catalog.store.cypher import summary, type_of, valid_at
from catalog.store.driver import Store
from catalog.store.schema import ENTITY

# (pattern from the frontier node n to the next node m, edge type, via, kind), downstream.
_DOWNSTREAM = (
    (f"(n:System)-[:SENDS]->(i:Integration)-[:RECEIVES]->(m:System) WHERE {valid_at('i')}",
     "'integration'", "i", "coalesce(i.kind, 'declared')"),
    ("(n:System)-[:HOLDS]->(m:Dataset)", "'holds'", "null", "'declared'"),
    (f"(n:Dataset)<-[:CARRIES]-(i:Integration)-[:RECEIVES]->(m:System) WHERE {valid_at('i')}",
     "'copy'", "i", "coalesce(i.kind, 'declared')"),
    ("(n:Dataset)<-[r:DERIVED_FROM]-(m:Dataset)", "'derivation'", "r", "coalesce(r.kind, 'declared')"),
)
_UPSTREAM = (
    (f"(m:System)-[:SENDS]->(i:Integration)-[:RECEIVES]->(n:System) WHERE {valid_at('i')}",
     "'integration'", "i", "coalesce(i.kind, 'declared')"),
    ("(m:System)-[:HOLDS]->(n:Dataset)", "'holds'", "null", "'declared'"),
    (f"(m:Dataset)<-[:CARRIES]-(i:Integration)-[:RECEIVES]->(n:System) WHERE {valid_at('i')}",
     "'copy'", "i", "coalesce(i.kind, 'declared')"),
    ("(n:Dataset)-[r:DERIVED_FROM]->(m:Dataset)", "'derivation'", "r", "coalesce(r.kind, 'declared')"),
)


def _via(variable: str) -> str:
    if variable == "i":
        return "i {.id, .name, type: 'Integration'}"
    if variable == "r":
        return "CASE WHEN r.via IS NULL THEN null ELSE {id: r.via, name: r.via, type: 'Job'} END"
    return "null"


@cache
def _step_statement(direction: str, exists_only: bool = False) -> str:
    branches = [
        f"WITH n MATCH {pattern} RETURN m, {edge_type} AS type, {_via(via)} AS via, {kind} AS kind"
        for pattern, edge_type, via, kind in (_DOWNSTREAM if direction == "downstream" else _UPSTREAM)
    ]
    expand = f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}}) CALL {{ " + " UNION ".join(branches) + " } "
    if exists_only:
        return expand + "RETURN true AS found LIMIT 1"
    # One record holding a list: the driver decodes one large value much faster than many records.
    return expand + f"RETURN collect({{frontier: id, node: {summary('m')}, type: type, via: via, kind: kind}}) AS edges"


def step(store: Store, ids: list[str], direction: str, as_of: date) -> list[dict[str, Any]]:
    """Every flow edge leaving (downstream) or entering (upstream) the frontier nodes."""
    return store.rows(_step_statement(direction), ids=ids, as_of=as_of.isoformat())[0]["edges"]


def any_step(store: Store, ids: list[str], direction: str, as_of: date) -> bool:
    """Whether any flow edge leaves (or enters) the frontier nodes; stops at the first."""
    return bool(store.rows(_step_statement(direction, exists_only=True), ids=ids, as_of=as_of.isoformat()))


def summaries(store: Store, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Id, type and name of each node, and whether it is enabled (for accounts)."""
    rows = store.rows(f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}}) "
                      f"RETURN n {{.id, .name, .enabled, type: {type_of('n')}}} AS node", ids=ids)
    return {row["node"]["id"]: row["node"] for row in rows}


def owners_of(store: Store, ids: list[str], roles: list[str], as_of: date) -> dict[str, list[dict[str, Any]]]:
    rows = store.rows(
        f"UNWIND $ids AS id MATCH (o)-[r:OWNS]->(n:{ENTITY} {{id: id}}) WHERE r.role IN $roles AND {valid_at('r')} "
        f"RETURN id, collect({{role: r.role, id: o.id, name: o.name, type: {type_of('o')}, email: o.email}}) AS owners",
        ids=ids, roles=roles, as_of=as_of.isoformat())
    return {row["id"]: sorted(row["owners"], key=lambda o: (o["role"], o["id"])) for row in rows}
