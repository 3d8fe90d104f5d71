"""Lineage (what flows into and out of a node) and impact (what a change or outage reaches).

A breadth-first traversal over the flow edges of `catalog.store.lineage`, one query per level,
bounded in depth and in size; a node seen before is not expanded again, so cycles are safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from catalog.errors import NotFound
from catalog.store import lineage as lineage_store
from ontology.catalog import NOTIFIED_ROLES

DEFAULT_DEPTH = 5
MAX_DEPTH = 25
MAX_NODES = 10_000


@dataclass
class Traversal:
    root: dict[str, Any]
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[tuple, dict[str, Any]] = field(default_factory=dict)
    # Distance from the root, in flow edges, per node (downstream and upstream alike).
    distance: dict[str, int] = field(default_factory=dict)
    truncated: bool = False


def root_node(store, node_id: str) -> dict[str, Any]:
    node = lineage_store.summaries(store, [node_id]).get(node_id)
    if node is None:
        raise NotFound(f"No node with id '{node_id}'.")
    return node


def traverse(store, node_id: str, direction: str, depth: int, as_of: date) -> Traversal:
    root = root_node(store, node_id)
    result = Traversal(root, nodes={root["id"]: root}, distance={root["id"]: 0})
    for walked, way in enumerate(("downstream", "upstream") if direction == "both" else (direction,)):
        _walk(store, result, way, depth, as_of, other_way_walked=walked > 0)
    return result


def _walk(store, result: Traversal, direction: str, depth: int, as_of: date, other_way_walked: bool) -> None:
    seen, frontier = {result.root["id"]}, [result.root["id"]]
    for level in range(1, depth + 2):
        if not frontier:
            return
        if level > depth:
            # One look past the bound: anything new there means the answer was cut short. The
            # frontier was first seen at the last level, so this walk has none of its edges yet;
            # unless the other direction's walk took some of them, any edge at all is new.
            if other_way_walked:
                rows = lineage_store.step(store, frontier, direction, as_of)
                result.truncated = result.truncated or any(_edge_key(r, direction) not in result.edges for r in rows)
            else:
                result.truncated = result.truncated or lineage_store.any_step(store, frontier, direction, as_of)
            return
        rows = lineage_store.step(store, frontier, direction, as_of)
        next_frontier = []
        for row in rows:
            node = row["node"]
            key = _edge_key(row, direction)
            if key not in result.edges:
                source, target = (row["frontier"], node["id"]) if direction == "downstream" else (node["id"], row["frontier"])
                via = row["via"]
                result.edges[key] = {"source": source, "target": target, "type": row["type"], "kind": row["kind"],
                                     "via": via["id"] if via else None, "via_name": via["name"] if via else None}
            if node["id"] not in seen:
                if len(result.nodes) >= MAX_NODES:
                    result.truncated = True
                    return
                seen.add(node["id"])
                result.nodes.setdefault(node["id"], node)
                result.distance[node["id"]] = min(result.distance.get(node["id"], level), level)
                next_frontier.append(node["id"])
        frontier = next_frontier


def _edge_key(row: dict[str, Any], direction: str) -> tuple:
    ends = (row["frontier"], row["node"]["id"]) if direction == "downstream" else (row["node"]["id"], row["frontier"])
    return (*ends, row["type"], row["via"]["id"] if row["via"] else None)


def impact(store, node_id: str, as_of: date) -> dict[str, Any]:
    """Everything downstream, nearest first, each with whom to notify."""
    traversal = traverse(store, node_id, "downstream", MAX_DEPTH, as_of)
    affected: dict[str, dict[str, Any]] = {}
    for node_id_, node in traversal.nodes.items():
        if node_id_ != traversal.root["id"]:
            affected[node_id_] = {**node, "distance": traversal.distance[node_id_]}
    for edge in traversal.edges.values():
        if edge["via"] and edge["type"] in ("integration", "copy"):
            distance = traversal.distance[edge["target"]]
            current = affected.get(edge["via"])
            if current is None or current["distance"] > distance:
                affected[edge["via"]] = {"id": edge["via"], "type": "Integration", "name": edge["via_name"],
                                         "distance": distance}
    owners = lineage_store.owners_of(store, list(affected), list(NOTIFIED_ROLES), as_of)
    items = sorted(affected.values(), key=lambda a: (a["distance"], a["type"], (a["name"] or "").lower(), a["id"]))
    for item in items:
        item["notify"] = owners.get(item["id"], [])
    return {"root": traversal.root, "as_of": as_of, "items": items, "truncated": traversal.truncated}


def graph(store, node_id: str, direction: str, depth: int, as_of: date) -> dict[str, Any]:
    """A traversal as the API and the dependency picture show it: nodes nearest first, edges sorted."""
    result = traverse(store, node_id, direction, depth, as_of)
    nodes = [{**_summary(node), "distance": result.distance[key]} for key, node in result.nodes.items()]
    return {"root": _summary(result.root), "direction": direction, "depth": depth, "as_of": as_of,
            "nodes": sorted(nodes, key=lambda n: (n["distance"], n["id"])),
            "edges": sorted(result.edges.values(), key=lambda e: (e["source"], e["target"], e["type"], e["via"] or "")),
            "truncated": result.truncated}


def _summary(node: dict[str, Any]) -> dict[str, Any]:
    return {"id": node["id"], "type": node["type"], "name": node.get("name")}
