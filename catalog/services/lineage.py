"""Lineage (what flows into and out of a node) and impact (what a change or outage reaches).

A breadth-first walk over the flow edges, bounded in depth and in size, answered by one query
inside Neo4j (`catalog.store.lineage.reach`); a node seen before is not expanded again, so cycles
are safe. Distances count flow edges from the root, the nearer way when both are walked. When
more than `max_nodes` are reached, the nearest are kept (ties by id) and the answer is marked
truncated, as it is when anything lies past the depth bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from catalog.errors import NotFound
from catalog.store import flows
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


def traverse(store, node_id: str, direction: str, depth: int, as_of: date, max_nodes: int = MAX_NODES) -> Traversal:
    found = lineage_store.reach(store, node_id, direction, depth, as_of, max_nodes)
    if found is None:
        raise NotFound(f"No node with id '{node_id}'.")
    root = found["root"]
    result = Traversal(root, nodes={root["id"]: root}, distance={root["id"]: 0}, truncated=found["over"])
    downstream = {root["id"]: 0}
    # Edges name their ends by the database's element ids; the nodes carry theirs.
    ids = {found["root_key"]: root["id"]}
    for node in found["nodes"]:
        ids[node["key"]] = node["id"]
        result.nodes[node["id"]] = {"id": node["id"], "type": node["type"], "name": node["name"]}
        result.distance[node["id"]] = node["distance"]
        if node["down"] is not None:
            downstream[node["id"]] = node["down"]
    for source_key, target_key, kind_of_flow, kind, via, via_name, mechanism in (*found["down_edges"], *found["up_edges"]):
        # Past the node cap, an edge may lead to a node left out; walked both ways, an edge may come twice.
        source, target = ids.get(source_key), ids.get(target_key)
        key = (source, target, kind_of_flow, via)
        if source is not None and target is not None and key not in result.edges:
            edge = {"source": source, "target": target, "type": kind_of_flow, "kind": kind, "via": via, "via_name": via_name}
            if mechanism is not None:  # only an integration's edges have one
                edge["mechanism"] = mechanism
            result.edges[key] = edge
    # Upstream, past the bound, an edge the downstream walk explains the answer with is not news.
    news_upstream = any(downstream.get(source, depth) >= depth for source in found["beyond_up_sources"])
    result.truncated = result.truncated or found["beyond_down"] or found["beyond_up"] or news_upstream
    return result


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


def graph(store, node_id: str, direction: str, depth: int, as_of: date, max_nodes: int = MAX_NODES) -> dict[str, Any]:
    """A traversal as the API and the dependency picture show it: nodes nearest first, edges sorted
    (each with the mechanism of its integration, for the picture)."""
    result = traverse(store, node_id, direction, depth, as_of, max_nodes)
    nodes = [{**_summary(node), "distance": result.distance[key]} for key, node in result.nodes.items()]
    return {"root": _summary(result.root), "direction": direction, "depth": depth, "as_of": as_of,
            "nodes": sorted(nodes, key=lambda n: (n["distance"], n["id"])),
            "edges": sorted(result.edges.values(), key=lambda e: (e["source"], e["target"], e["type"], e["via"] or "")),
            "truncated": result.truncated}


def _summary(node: dict[str, Any]) -> dict[str, Any]:
    return {"id": node["id"], "type": node["type"], "name": node.get("name")}


def rebuild_projection(store) -> int:
    """Drop the flow edges and derive them again from the facts; returns how many were drawn."""
    return flows.rebuild(store)
