"""Lineage and impact inside the database: one query over the FLOWS_TO projection
(`catalog.store.flows`) returns what a bounded breadth-first walk from a node reaches.

Flow edges always point the way the data moves (system → system through an integration, system
→ dataset it holds, dataset → system an integration copies it to, dataset → dataset derived from
it); an edge counts on $as_of when its interval holds then.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from catalog.store.cypher import type_of, valid_at
from catalog.store.driver import Store
from catalog.store.flows import FLOWS
from catalog.store.schema import ENTITY

_WAYS = {"downstream": ("down",), "upstream": ("up",), "both": ("down", "up")}
# An edge as a list: source, target, type, kind, via, via_name, mechanism. Thousands of them answer
# a deep lineage, and maps would carry their keys in every one (a sixth of the query's time). Its
# ends are the nodes' element ids, which the answer's nodes carry too: reading each end's `id`
# property cost a third of the edges' time (14,000 edges at depth 10).
_EDGE = "[elementId(s), elementId(t), f.type, f.kind, coalesce(f.via, f.via_name), f.via_name, f.mechanism]"


def _arrow(way: str, depth: str) -> str:
    return f"-[:{FLOWS.type}*{depth}]->" if way == "down" else f"<-[:{FLOWS.type}*{depth}]-"


@cache
def _reach_statement(direction: str, depth: int) -> str:
    """Pruning variable-length expansion (Neo4j's breadth-first var-expand) from the root, each
    way asked; per reached node its distance overall and per way (dd, du), nearest first, cut at
    $cap in the database. Then the edges a walk explains the answer with: those leaving the root and
    the nodes nearer than the depth bound downstream, and those entering them upstream. Then
    whether anything lies past the bound (`beyond_down`; `beyond_up`, or for both ways the
    sources of the edges past it, since the downstream walk may have them already)."""
    ways = _WAYS[direction]
    valid = f"all(f IN relationships(p) WHERE {valid_at('f')})"
    # Each way's walk gives a reached node its distance that way; a node reached both ways is
    # grouped once, nearest first. Only the nearest $cap + 1 are kept (a top-k sort, not a sort of
    # everything reached), which tells whether there were more.
    walks = [f"WITH root MATCH p = (root){_arrow(way, f'1..{depth}')}(m) WHERE {valid} "
             f"WITH root, m, min(length(p)) AS d WHERE m <> root" for way in ways]
    if len(ways) == 1:
        # One way needs no grouping across ways: its walk's nearest are kept straight away. (The
        # grouping, over every node reached, was half the node part's time at depth 10.) A WITH of
        # its own orders them: ORDER BY after WHERE as a clause alone needs Neo4j 5.24 or later.
        dd, du = ("d", "null") if ways == ("down",) else ("null", "d")
        reached = (f"{walks[0]} WITH m, d ORDER BY d, m.id LIMIT $cap + 1 "
                   f"RETURN collect({{m: m, d: d, dd: {dd}, du: {du}}}) AS reached")
    else:
        union = " UNION ALL ".join(f"{walk} RETURN m, d, {'d' if way == 'down' else 'null'} AS dd, "
                                   f"{'d' if way == 'up' else 'null'} AS du" for walk, way in zip(walks, ways))
        reached = (f"CALL {{ {union} }} WITH m, min(d) AS d, min(dd) AS dd, min(du) AS du ORDER BY d, m.id LIMIT $cap + 1 "
                   "RETURN collect({m: m, d: d, dd: dd, du: du}) AS reached")
    parts = [
        f"MATCH (root:{ENTITY} {{id: $id}})",
        f"CALL {{ WITH root {reached} }}",
        "WITH root, reached[..$cap] AS kept, size(reached) > $cap AS over",
    ]
    carried = "root, kept, over"
    if "down" in ways:
        parts.append(
            f"CALL {{ WITH root, kept UNWIND [root] + [k IN kept WHERE k.dd < {depth} | k.m] AS s "
            f"MATCH (s)-[f:{FLOWS.type}]->(t) WHERE {valid_at('f')} RETURN collect({_EDGE}) AS down_edges }}")
        parts.append(
            f"CALL {{ WITH kept, over UNWIND CASE WHEN over THEN [] ELSE [k IN kept WHERE k.dd = {depth} | k.m] END AS s "
            f"MATCH (s)-[f:{FLOWS.type}]->() WHERE {valid_at('f')} WITH f LIMIT 1 RETURN count(f) > 0 AS beyond_down }}")
        carried += ", down_edges, beyond_down"
    else:
        carried += ", [] AS down_edges, false AS beyond_down"
    if "up" in ways:
        parts.append(
            f"CALL {{ WITH root, kept UNWIND [root] + [k IN kept WHERE k.du < {depth} | k.m] AS t "
            f"MATCH (s)-[f:{FLOWS.type}]->(t) WHERE {valid_at('f')} RETURN collect({_EDGE}) AS up_edges }}")
        past = f"UNWIND CASE WHEN over THEN [] ELSE [k IN kept WHERE k.du = {depth} | k.m] END AS t " \
               f"MATCH (s)-[f:{FLOWS.type}]->(t) WHERE {valid_at('f')}"
        if "down" in ways:
            parts.append(f"CALL {{ WITH kept, over {past} RETURN collect(DISTINCT s.id) AS beyond_up_sources }}")
            carried += ", up_edges, false AS beyond_up, beyond_up_sources"
        else:
            parts.append(f"CALL {{ WITH kept, over {past} WITH f LIMIT 1 RETURN count(f) > 0 AS beyond_up }}")
            carried += ", up_edges, beyond_up, [] AS beyond_up_sources"
    else:
        carried += ", [] AS up_edges, false AS beyond_up, [] AS beyond_up_sources"
    parts.append(f"WITH {carried}")
    parts.append(
        f"RETURN root {{.id, .name, .enabled, type: {type_of('root')}}} AS root, elementId(root) AS root_key, over, "
        f"[k IN kept | {{id: k.m.id, name: k.m.name, type: {type_of('k.m')}, distance: k.d, down: k.dd, "
        "key: elementId(k.m)}] AS nodes, "
        "down_edges, up_edges, beyond_down, beyond_up, beyond_up_sources")
    return " ".join(parts)


def reach(store: Store, node_id: str, direction: str, depth: int, as_of: date, max_nodes: int) -> dict[str, Any] | None:
    """The one record of `_reach_statement`, or None when there is no such node. `max_nodes`
    counts the root."""
    rows = store.rows(_reach_statement(direction, depth), id=node_id, as_of=as_of.isoformat(), cap=max_nodes - 1)
    return rows[0] if rows else None


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
