"""Effective access: who can reach a resource, what a principal can reach, and why.

A person or service account reaches a resource through a grant on it, held directly, through
nested groups, or through roles (held directly or through groups). A grant to a group says how
it reaches people (`expansion`): a direct grant (Entra ID app roles) reaches the group's direct
members only, a transitive one (AD/LDAP, and grants made by hand) the members of nested groups too. A grant on a system or FINT
component covers the datasets it holds. The effective level is the highest over all paths.
With include_lineage, whoever can read a downstream copy of a dataset (a system an integration
carries it to, the FINT component such an integration passes, or a dataset derived from it) also
reaches the dataset, through that hop.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from catalog.errors import InvalidInput, NotFound
from catalog.services.paths import K, Found, Node, Walk, clean, search, walk_order
from catalog.store import access as access_store
from catalog.store.lineage import summaries
from ontology.catalog import ACCESS_LEVELS, access_rank

PRINCIPAL_TYPES = ("Person", "ServiceAccount")
RESOURCE_TYPES = ("System", "Dataset", "FintComponent", "Role")
HOLDER_TYPES = ("System", "FintComponent")
MAX_COPY_HOPS = 25


@dataclass(frozen=True)
class Reach:
    """One principal's (or resource's) effective access, with up to three explaining paths."""

    node: Node
    level: str
    paths: list[list[dict[str, Any]]]

    def as_dict(self) -> dict[str, Any]:
        return {**clean(self.node), "enabled": self.node.get("enabled") is not False, "level": self.level,
                "paths": self.paths}


def _node(store, node_id: str, types: tuple[str, ...], what: str) -> Node:
    node = summaries(store, [node_id]).get(node_id)
    if node is None:
        raise NotFound(f"No node with id '{node_id}'.")
    if node["type"] not in types:
        raise InvalidInput(f"'{node_id}' is a {node['type']}; {what} must be one of: {', '.join(types)}.",
                           errors=[{"loc": ["query", what], "msg": f"must be one of {', '.join(types)}"}])
    return node


def _targets(store, resource: Node, as_of: date, include_lineage: bool) -> dict[str, tuple]:
    """Every node whose grants reach the resource, each with its shortest path to the resource.

    A breadth-first search over states (node, dataset whose content it has): a dataset passes
    to the systems holding it; with include_lineage also to the systems an integration carries
    it to from there and the FINT components that integration passes, and to datasets derived
    from it.
    """
    targets: dict[str, tuple] = {resource["id"]: (resource,)}
    if resource["type"] != "Dataset":
        return targets
    seen = {(resource["id"], resource["id"])}
    level = [(resource, resource["id"], (resource,))]
    for _ in range(MAX_COPY_HOPS):
        found: list[tuple[Node, str, tuple]] = []
        datasets = {state[0]["id"]: state for state in level if state[0]["type"] == "Dataset"}
        for row in access_store.holders(store, list(datasets)):
            node, context, path = datasets[row["dataset"]]
            found.append((row["holder"], context, (row["holder"], {"relationship": "HOLDS"}, *path)))
        if include_lineage:
            found += _lineage_hops(store, level, datasets, as_of)
        level = []
        for node, context, path in found:
            if (node["id"], context) not in seen:
                seen.add((node["id"], context))
                targets.setdefault(node["id"], path)
                level.append((node, context, path))
        if not level:
            break
    return targets


def _lineage_hops(store, level: list, datasets: dict, as_of: date) -> list[tuple[Node, str, tuple]]:
    hops = []
    systems_by_context: dict[str, dict[str, tuple]] = defaultdict(dict)
    for node, context, path in level:
        if node["type"] in HOLDER_TYPES:
            systems_by_context[context][node["id"]] = path
    for context, systems in systems_by_context.items():
        for row in access_store.copies(store, context, list(systems), as_of):
            # COPY_OF: the receiving system has a copy; VIA: the FINT component serves it to its clients.
            hop = {"relationship": row["relationship"], "via": row["integration"]["id"],
                   "via_name": row["integration"]["name"], "dataset": context}
            hops.append((row["node"], context, (row["node"], hop, *systems[row["from_system"]])))
    for dataset_id, (_, _, path) in datasets.items():
        for row in access_store.derivatives(store, dataset_id):
            hop = {"relationship": "DERIVED_FROM", "via": row["via"], "kind": row["kind"]}
            hops.append((row["dataset"], row["dataset"]["id"], (row["dataset"], hop, *path)))
    return hops


def _neighbours(fetch, store, as_of: date, here: str, there: str):
    """Adjacency for the path search: fetch the frontier's edges, group them by frontier node."""
    def neighbours(ids: list[str]) -> dict[str, list]:
        grouped: dict[str, list] = defaultdict(list)
        for row in fetch(store, ids, as_of):
            grouped[row[here]].append((row[there], row["edge"]))
        return grouped

    return neighbours


def _direct(node: Node, edge: dict) -> bool:
    """A group's grant that reaches its direct members only."""
    return node["type"] == "Group" and edge["relationship"] == "HAS_ACCESS" and edge.get("expansion") == "direct"


def _backward(walk: Walk, node: Node, edge: dict) -> Walk | None:
    if walk.closed and node["type"] == "Group":  # a group nested in one whose grant is for direct members
        return None
    if walk.level is None:  # the edge into a resource is the grant that sets the level
        level = edge.get("level") or "read"
    else:
        level = walk.level
    return Walk((clean(node), clean(edge), *walk.path), level, node, _direct(node, edge))


def _forward(walk: Walk, node: Node, edge: dict) -> Walk | None:
    if _direct(walk.head, edge) and not _direct_member(walk):
        return None
    level = walk.level
    if edge["relationship"] == "HAS_ACCESS" and node["type"] != "Role":
        level = edge.get("level") or "read"
    elif walk.head["type"] in RESOURCE_TYPES[:3]:
        if edge["relationship"] != "HOLDS":
            return None
    elif level is not None:
        return None
    return Walk((*walk.path, clean(edge), clean(node)), level, node)


def _direct_member(walk: Walk) -> bool:
    """The walk is at the group it started from, or one membership from a person or service account."""
    return walk.edges == 0 or (walk.edges == 1 and walk.path[1]["relationship"] == "MEMBER_OF"
                               and walk.path[0]["type"] in PRINCIPAL_TYPES)


def _best(found: Found, node_types: tuple[str, ...]) -> dict[str, Reach]:
    best: dict[str, Reach] = {}
    for (node_id, level), walks in found.walks.items():
        node = walks[0].head
        if level is None or node["type"] not in node_types:
            continue
        if node_id not in best or access_rank(level) > access_rank(best[node_id].level):
            best[node_id] = Reach(node, level, [list(w.path) for w in walks])
    return best


@dataclass(frozen=True)
class WhoHasAccess:
    resource: Node
    total: int
    principals: list[Reach]  # the page asked for
    truncated: bool


def who_has_access(store, resource_id: str, as_of: date, include_lineage: bool = False,
                   min_level: str | None = None, include_disabled: bool = False,
                   offset: int = 0, limit: int | None = None) -> WhoHasAccess:
    """Disabled accounts reach nothing unless include_disabled asks for them too (marked
    enabled: false): the grants an auditor wants removed.

    Groups and roles are searched here, with their K shortest paths; the people and service
    accounts behind them (the many) are counted, ranked and paged by the database, and paths are
    put together only for the page returned."""
    resource = _node(store, resource_id, RESOURCE_TYPES, "resource")
    targets = _targets(store, resource, as_of, include_lineage)
    seeds = [Walk(tuple(clean(step) for step in path), None, path[0]) for path in targets.values()]
    found = search(seeds, _neighbours(access_store.incoming, store, as_of, "target", "source"), _backward)
    # Each reached node at its highest level: a principal reaching it can do at least that.
    inner: dict[str, tuple[str | None, list[Walk]]] = {}
    for (node_id, level), walks in found.walks.items():
        if node_id not in inner or access_rank(level) > access_rank(inner[node_id][0]):
            inner[node_id] = (level, walks)
    answer = access_store.principals(store, [{"id": i, "rank": access_rank(level)} for i, (level, _) in inner.items()],
                                     as_of, include_disabled, max(access_rank(min_level), 0), offset, limit)
    page = [(row["node"], ACCESS_LEVELS[row["rank"]]) for row in answer["page"]]
    first_hops: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for row in access_store.principal_edges(store, [node["id"] for node, _ in page], list(inner), as_of):
        first_hops[row["principal"]].append((row["target"], row["edge"]))
    principals = [Reach(node, level, _paths(node, level, first_hops[node["id"]], inner)) for node, level in page]
    return WhoHasAccess(clean(resource), answer["total"], principals, found.truncated)


def _paths(principal: Node, level: str, first_hops: list[tuple[str, dict]],
           inner: dict[str, tuple[str | None, list[Walk]]]) -> list[list[dict[str, Any]]]:
    """The K shortest paths that give the principal its level: a first hop, then a kept walk."""
    walks = []
    for target, edge in first_hops:
        target_level, kept = inner[target]
        if (target_level or edge.get("level") or "read") == level:
            walks += [Walk((clean(principal), clean(edge), *walk.path), level, principal) for walk in kept]
    return [list(w.path) for w in sorted(walks, key=lambda w: (w.edges, walk_order(w)))[:K]]


def what_can_reach(store, principal_id: str, as_of: date, include_disabled: bool = False) -> tuple[Node, list[Reach], bool]:
    principal = _node(store, principal_id, PRINCIPAL_TYPES + ("Group", "Role"), "principal")
    if principal.get("enabled") is False and not include_disabled:
        return clean(principal), [], False
    found = search([Walk((clean(principal),), None, principal)],
                   _neighbours(access_store.outgoing, store, as_of, "source", "target"), _forward)
    reached = _best(found, RESOURCE_TYPES[:3])
    ordered = sorted(reached.values(), key=lambda r: (r.node["type"], (r.node.get("name") or "").lower(), r.node["id"]))
    return clean(principal), ordered, found.truncated


def paths_between(store, principal_id: str, resource_id: str, as_of: date) -> tuple[Node, Node, Reach | None]:
    principal, reached, _ = what_can_reach(store, principal_id, as_of)
    resource = _node(store, resource_id, RESOURCE_TYPES, "resource")
    return principal, clean(resource), next((r for r in reached if r.node["id"] == resource_id), None)


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


# Past this a cursor is not one the API gave out (and past 2**63 Neo4j cannot SKIP).
MAX_CURSOR_OFFSET = 1_000_000


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, value = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        if kind == "offset" and value.isdigit() and int(value) <= MAX_CURSOR_OFFSET:
            return int(value)
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidInput("The cursor is not one this API gave out.", errors=[{"loc": ["query", "cursor"], "msg": "invalid cursor"}])
