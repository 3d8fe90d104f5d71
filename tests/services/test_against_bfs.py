"""Lineage and effective access, checked against a plain-Python computation over the same edges.

Each seed builds a random graph with nested (and cyclic) groups, roles, diamonds, expired and
future grants, disabled accounts, integration cycles and derivations, FINT components that
integrations pass (VIA) with grants on them, loads it into Neo4j through the ingest layer, and
compares every answer with a straightforward search written here.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import date

import pytest

from catalog.services import access, lineage
from catalog.store.ingest import load_nodes, load_rels
from ontology.records import NodeRecord, RelRecord

DAYS = [date(2024, 6, 1), date(2025, 3, 1), date(2026, 11, 22)]
LEVELS = ["read", "write", "admin"]


@dataclass
class World:
    nodes: dict[str, str] = field(default_factory=dict)  # id -> label
    disabled: set[str] = field(default_factory=set)
    # (source, type, target, props)
    edges: list[tuple[str, str, str, dict]] = field(default_factory=list)
    integrations: dict[str, dict] = field(default_factory=dict)


def _window(rng: random.Random) -> dict:
    roll = rng.random()
    if roll < 0.6:
        return {}
    if roll < 0.75:
        return {"valid_to": "2024-12-31"}
    if roll < 0.9:
        return {"valid_from": "2025-01-01"}
    return {"valid_from": "2024-01-01", "valid_to": "2025-06-30"}


def build(seed: int) -> World:
    rng, world = random.Random(seed), World()
    people = [f"p{i}" for i in range(25)]
    accounts = [f"sa{i}" for i in range(3)]
    groups = [f"g{i}" for i in range(10)]
    roles = [f"r{i}" for i in range(4)]
    systems = [f"s{i}" for i in range(8)]
    datasets = [f"d{i}" for i in range(12)]
    for ids, label in ((people, "Person"), (accounts, "ServiceAccount"), (groups, "Group"), (roles, "Role"),
                       (systems, "System"), (datasets, "Dataset")):
        world.nodes.update({i: label for i in ids})
    world.disabled = set(rng.sample(people, 3)) | {accounts[0]}

    def edge(source, rel, target, **props):
        # One edge per pair and type, as the store keeps it.
        if not any(e[:3] == (source, rel, target) for e in world.edges):
            world.edges.append((source, rel, target, props))

    for person in people + accounts:
        for group in rng.sample(groups, rng.randint(0, 2)):
            edge(person, "MEMBER_OF", group, **_window(rng))
    for _ in range(12):  # nesting, with cycles and diamonds allowed
        a, b = rng.sample(groups, 2)
        edge(a, "MEMBER_OF", b, **_window(rng))
    for _ in range(8):
        edge(rng.choice(people + groups + accounts), "HAS_ROLE", rng.choice(roles), **_window(rng))
    edge(roles[0], "HAS_ACCESS", roles[1], level="read")  # a role granted another role
    for index, dataset in enumerate(datasets):
        edge(systems[index % len(systems)], "HOLDS", dataset)
    for _ in range(22):
        edge(rng.choice(people + groups + roles + accounts), "HAS_ACCESS", rng.choice(systems + datasets),
             level=rng.choice(LEVELS), **_window(rng))
    for i in range(12):
        source, target = rng.sample(systems, 2)
        iid = f"i{i}"
        world.nodes[iid] = "Integration"
        world.integrations[iid] = {"source": source, "target": target, **_window(rng),
                                   "carries": rng.sample(datasets, rng.randint(0, 3))}
        edge(source, "SENDS", iid)
        edge(iid, "RECEIVES", target)
        for dataset in world.integrations[iid]["carries"]:
            edge(iid, "CARRIES", dataset)
    for _ in range(5):
        a, b = rng.sample(datasets, 2)
        edge(a, "DERIVED_FROM", b, kind=rng.choice(["declared", "observed"]))
    # Drawn after the rest, so that each seed's earlier world stays as it was.
    components = [f"c{i}" for i in range(3)]
    world.nodes.update({c: "FintComponent" for c in components})
    # One more integration, sure to carry a dataset out of the system holding it.
    source, target = rng.sample(systems, 2)
    world.nodes["i12"] = "Integration"
    world.integrations["i12"] = {"source": source, "target": target,
                                 "carries": [d for i, d in enumerate(datasets) if systems[i % len(systems)] == source]}
    edge(source, "SENDS", "i12")
    edge("i12", "RECEIVES", target)
    for dataset in world.integrations["i12"]["carries"]:
        edge("i12", "CARRIES", dataset)
    for iid, info in world.integrations.items():
        info["kind"] = rng.choice(["declared", "observed"])
        if iid == "i12" or rng.random() < 0.5:  # passing a FINT component, whose clients read what it carries
            info["via"] = rng.choice(components)
            edge(iid, "VIA", info["via"])
    for component in components + rng.sample(components, 2):  # FINT clients: a grant or two on each
        edge(rng.choice(people + groups + roles + accounts), "HAS_ACCESS", component,
             level=rng.choice(LEVELS), **_window(rng))
    return world


def load(store, world: World) -> None:
    by_label = defaultdict(list)
    for node_id, label in world.nodes.items():
        props = {"name": node_id}
        if label in ("Person", "ServiceAccount"):
            props["enabled"] = node_id not in world.disabled
            if label == "ServiceAccount":
                props["kind"] = "technical-user"
        if label == "Integration":
            info = world.integrations[node_id]
            props.update({"mechanism": "api", "kind": info["kind"], "valid_from": info.get("valid_from"),
                          "valid_to": info.get("valid_to")})
        by_label[label].append(NodeRecord(label, node_id, props))
    for label, records in by_label.items():
        load_nodes(store, label, records, source="test", actor="test")
    by_type = defaultdict(list)
    for source, rel, target, props in world.edges:
        by_type[rel].append(RelRecord(rel, source, target, props))
    for rel, records in by_type.items():
        assert load_rels(store, rel, records, source="test", actor="test").skipped == 0


def valid(props: dict, day: date) -> bool:
    return (props.get("valid_from") or "0000") <= day.isoformat() <= (props.get("valid_to") or "9999")


# --- the independent computation -------------------------------------------------------------

def holding_distances(world: World, start: str, day: date) -> dict[str, int]:
    """Plain BFS from a principal over memberships, roles and grants of roles."""
    distance, queue = {start: 0}, deque([start])
    while queue:
        node = queue.popleft()
        for source, rel, target, props in world.edges:
            if source == node and valid(props, day) and (
                    rel in ("MEMBER_OF", "HAS_ROLE") or (rel == "HAS_ACCESS" and world.nodes[target] == "Role")):
                if target not in distance:
                    distance[target] = distance[node] + 1
                    queue.append(target)
    return distance


def targets_of(world: World, resource: str, day: date, include_lineage: bool) -> dict[str, int]:
    """Nodes whose grants reach the resource -> hops from them to it. States are (node, dataset
    whose content it has): holders have a dataset; integrations carry it on, to the system they
    deliver to and the FINT component they pass; derivations start anew."""
    hops = {resource: 0}
    if world.nodes[resource] != "Dataset":
        return hops
    seen, queue = {(resource, resource)}, deque([(resource, resource, 0)])
    while queue:
        node, context, distance = queue.popleft()
        following = []
        if world.nodes[node] == "Dataset":
            following += [(s, context) for s, rel, t, _ in world.edges if rel == "HOLDS" and t == node]
            if include_lineage:
                following += [(s, s) for s, rel, t, _ in world.edges if rel == "DERIVED_FROM" and t == node]
        elif include_lineage:
            for info in world.integrations.values():
                if info["source"] == node and context in info["carries"] and valid(info, day):
                    following += [(info["target"], context)] + ([(info["via"], context)] if "via" in info else [])
        for state in following:
            if state not in seen:
                seen.add(state)
                hops.setdefault(state[0], distance + 1)
                queue.append((*state, distance + 1))
    return hops


def expected_access(world: World, resource: str, day: date, include_lineage: bool) -> dict[str, tuple[str, int]]:
    """principal -> (effective level, length of the shortest path explaining that level)."""
    targets = targets_of(world, resource, day, include_lineage)
    result = {}
    for principal, label in world.nodes.items():
        if label not in ("Person", "ServiceAccount") or principal in world.disabled:
            continue
        distance = holding_distances(world, principal, day)
        best = None
        for source, rel, target, props in world.edges:
            if rel == "HAS_ACCESS" and source in distance and target in targets and valid(props, day) \
                    and world.nodes[target] != "Role":
                candidate = (LEVELS.index(props["level"]), -(distance[source] + 1 + targets[target]))
                best = max(best or candidate, candidate)
        if best:
            result[principal] = (LEVELS[best[0]], -best[1])
    return result


def expected_lineage(world: World, root: str, direction: str, depth: int, day: date) -> dict[str, int]:
    flow = []
    for iid, info in world.integrations.items():
        if valid(info, day):
            flow.append((info["source"], info["target"]))
            flow += [(d, info["target"]) for d in info["carries"]]
    flow += [(s, t) for s, rel, t, _ in world.edges if rel == "HOLDS"]
    flow += [(t, s) for s, rel, t, _ in world.edges if rel == "DERIVED_FROM"]
    distances = {root: 0}
    for way in (["downstream", "upstream"] if direction == "both" else [direction]):
        seen, queue = {root: 0}, deque([root])
        while queue:
            node = queue.popleft()
            if seen[node] == depth:
                continue
            for a, b in flow:
                nxt = b if way == "downstream" and a == node else a if way == "upstream" and b == node else None
                if nxt is not None and nxt not in seen:
                    seen[nxt] = seen[node] + 1
                    queue.append(nxt)
        for node, d in seen.items():
            distances[node] = min(distances.get(node, d), d)
    return distances


# --- the comparisons ---------------------------------------------------------------------------

def check_path(world: World, path: list[dict], day: date) -> None:
    """Every hop of an explaining path is a real edge, valid on the day; a lineage hop points from
    the copy back to the original, and a copy's or a FINT component's names the integration
    (valid on the day) that carries the dataset there from the system it came from."""
    nodes = [step["id"] for step in path[::2]]
    assert len(set(nodes)) == len(nodes)
    for a, hop, b in zip(nodes, path[1::2], nodes[1:]):
        rel = hop["relationship"]
        if rel in ("COPY_OF", "VIA"):
            info = world.integrations[hop["via"]]
            assert (info["source"], info.get("target" if rel == "COPY_OF" else "via")) == (b, a), (a, hop, b)
            assert hop["dataset"] in info["carries"] and valid(info, day), (a, hop, b)
        elif rel == "DERIVED_FROM":
            assert any(e[:3] == (a, rel, b) for e in world.edges), (a, rel, b)
        else:
            matches = [p for s, r, t, p in world.edges if (s, r, t) == (a, rel, b)]
            assert matches and any(valid(p, day) for p in matches), (a, rel, b)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_access_and_lineage_match_plain_bfs(clean_store, seed):
    world = build(seed)
    load(clean_store, world)
    resources = [n for n, label in world.nodes.items() if label in ("System", "Dataset", "FintComponent")]
    # The world has FINT clients reading a dataset through a component: the VIA hop is checked.
    granted = {t for _, rel, t, _ in world.edges if rel == "HAS_ACCESS" and world.nodes[t] == "FintComponent"}
    assert any(granted & set(targets_of(world, d, day, True)) for d in resources for day in DAYS
               if world.nodes[d] == "Dataset")
    for day in DAYS:
        for resource in resources:
            for include_lineage in (False, True):
                expected = expected_access(world, resource, day, include_lineage)
                answer = access.who_has_access(clean_store, resource, day, include_lineage)
                got = {r.node["id"]: (r.level, len(r.paths[0]) // 2) for r in answer.principals}
                assert got == expected, (resource, day, include_lineage)
                for reach in answer.principals:
                    assert 1 <= len(reach.paths) <= 3
                    assert all(p[0]["id"] == reach.node["id"] and p[-1]["id"] == resource for p in reach.paths)
                    assert sorted(len(p) for p in reach.paths) == [len(p) for p in reach.paths]
                    for path in reach.paths:
                        check_path(world, path, day)
        for principal in [n for n, label in world.nodes.items() if label == "Person"][:8]:
            _, reached, _ = access.what_can_reach(clean_store, principal, day)
            got = {r.node["id"]: r.level for r in reached}
            expected = {}
            for resource in resources:
                level = expected_access(world, resource, day, False).get(principal)
                if level:
                    expected[resource] = level[0]
            assert got == expected, (principal, day)
        for root in [n for n in resources if world.nodes[n] != "FintComponent"][::3]:
            for direction in ("downstream", "upstream", "both"):
                depth = 1 + (seed + len(root)) % 4
                result = lineage.traverse(clean_store, root, direction, depth, day)
                assert result.distance == expected_lineage(world, root, direction, depth, day), (root, direction, depth)
