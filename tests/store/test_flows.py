"""The FLOWS_TO projection kept with the facts, and lineage answered from it in one query.

Random worlds from the BFS comparison are loaded through the ingest layer; the projection kept
write by write must equal the one `rebuild` draws from scratch, and lineage's nodes with their
distances, its edges (with type, kind and via) and its truncation flag must match a plain-Python
walk over the world's own flow list, for every root, both ways, at several depths and node caps.
"""

from __future__ import annotations

from collections import deque
from datetime import date, timedelta

import pytest

from catalog.harvest import service as harvest_service
from connectors.contract import Harvest
from catalog.services import backup, lineage
from catalog.store import entities, flows
from catalog.store.harvest import close_stale
from catalog.store.ingest import load_rels
from ontology.records import NodeRecord, RelRecord
from tests.services.test_against_bfs import DAYS, build, load, valid


def _flow_edges(world, day: date) -> list[tuple[str, str, str, str, str | None]]:
    """(source, target, type, kind, via) per flow edge valid on the day, from the world itself: an
    integration's kind is its own, a derivation's the relationship's, a holding is declared."""
    edges = []
    for iid, info in world.integrations.items():
        if valid(info, day):
            edges.append((info["source"], info["target"], "integration", info["kind"], iid))
            edges += [(d, info["target"], "copy", info["kind"], iid) for d in info["carries"]]
    edges += [(s, t, "holds", "declared", None) for s, rel, t, _ in world.edges if rel == "HOLDS"]
    edges += [(t, s, "derivation", props["kind"], None) for s, rel, t, props in world.edges if rel == "DERIVED_FROM"]
    return edges


def _walk(edges, root: str, way: str, depth: int) -> dict[str, int]:
    seen, queue = {root: 0}, deque([root])
    while queue:
        node = queue.popleft()
        if seen[node] == depth:
            continue
        for a, b, *_ in edges:
            nxt = b if way == "downstream" and a == node else a if way == "upstream" and b == node else None
            if nxt is not None and nxt not in seen:
                seen[nxt] = seen[node] + 1
                queue.append(nxt)
    return seen


def expected(world, root: str, direction: str, depth: int, day: date, max_nodes: int) -> tuple[dict, set, bool]:
    """The nodes a level-by-level walk reaches with their distances (the nearer way when both are
    walked), the edges it explains its answer with, and whether anything lies past the depth bound
    that the answer does not already hold. Past `max_nodes` (the root counted), the nearest are
    kept, ties by id, with the edges between them, and the answer is truncated."""
    flow, distance, found, truncated = _flow_edges(world, day), {}, set(), False
    for way in (["downstream", "upstream"] if direction == "both" else [direction]):
        seen = _walk(flow, root, way, depth)
        near = lambda edge: edge[0] if way == "downstream" else edge[1]  # noqa: E731
        walked = {e for e in flow if near(e) in seen and seen[near(e)] < depth}
        past = {e for e in flow if near(e) in seen and seen[near(e)] == depth}
        truncated = truncated or bool(past - found - walked)
        found |= walked
        for node, hops in seen.items():
            distance[node] = min(distance.get(node, hops), hops)
    if len(distance) > max_nodes:
        distance = {n: distance[n] for n in sorted(distance, key=lambda n: (distance[n], n))[:max_nodes]}
        found = {e for e in found if e[0] in distance and e[1] in distance}
        truncated = True
    return distance, found, truncated


def _answer_edges(result) -> set:
    return {(e["source"], e["target"], e["type"], e["kind"], e["via"]) for e in result.edges.values()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lineage_nodes_edges_and_truncation_match_a_plain_walk(clean_store, seed):
    world = build(seed)
    load(clean_store, world)
    roots = [n for n, label in world.nodes.items() if label in ("System", "Dataset")]
    capped, kinds = 0, set()
    for day in DAYS:
        for root in roots:
            for direction in ("downstream", "upstream", "both"):
                for depth in (1, 2, 4):
                    reached = len(expected(world, root, direction, depth, day, lineage.MAX_NODES)[0])
                    for max_nodes in (lineage.MAX_NODES, 6, 2):
                        result = lineage.traverse(clean_store, root, direction, depth, day, max_nodes)
                        distance, edges, truncated = expected(world, root, direction, depth, day, max_nodes)
                        asked = (root, direction, depth, max_nodes, day)
                        assert result.distance == distance and set(result.nodes) == set(distance), asked
                        assert _answer_edges(result) == edges, asked
                        assert result.truncated == truncated, asked
                        capped += reached > max_nodes
                        kinds |= {(e[2], e[3]) for e in edges}
    # The caps cut answers short, and edges of both kinds were compared.
    assert capped and {("integration", "observed"), ("copy", "declared"), ("derivation", "observed")} <= kinds


def test_the_node_cap_keeps_the_nearest_and_says_so(clean_store):
    world = build(4)
    load(clean_store, world)
    day = DAYS[-1]
    root = max((n for n, label in world.nodes.items() if label == "System"),
               key=lambda n: len(_walk(_flow_edges(world, day), n, "downstream", 25)))
    distances = _walk(_flow_edges(world, day), root, "downstream", 25)
    assert len(distances) > 4
    result = lineage.traverse(clean_store, root, "downstream", 25, day, max_nodes=4)
    nearest = sorted(distances, key=lambda n: (distances[n], n))[:4]
    assert result.distance == {n: distances[n] for n in nearest}
    assert result.truncated is True
    assert all(e["source"] in result.nodes and e["target"] in result.nodes for e in result.edges.values())


def _projection(store) -> list[tuple]:
    return sorted((e["source"], e["target"], tuple(sorted(e["props"].items()))) for e in flows.edges(store))


def test_the_projection_kept_write_by_write_equals_a_rebuild(clean_store):
    world = build(5)
    load(clean_store, world)
    # Every flow edge of the world, at whatever date, is drawn once.
    drawn = [(s, t, dict(props)["type"], dict(props).get("via")) for s, t, props in _projection(clean_store)]
    assert sorted(drawn, key=str) == sorted(_all_flow_edges(world), key=str)

    # Writes of every kind: an integration patched and re-pointed, a dataset deleted, a derivation
    # loaded by a harvest with a job, a relationship withdrawn by the harvest cleanup.
    integration = next(iter(world.integrations))
    systems = [n for n, label in world.nodes.items() if label == "System"]
    entities.update_entity(clean_store, "Integration", integration,
                           {"kind": "observed", "valid_to": "2025-01-31", "target_system": systems[-1]},
                           replace=False, actor="test")
    dataset = next(n for n, label in world.nodes.items() if label == "Dataset")
    entities.delete_entity(clean_store, "Dataset", dataset, cascade=True, actor="test")
    datasets = [n for n, label in world.nodes.items() if label == "Dataset" and n != dataset]
    load_rels(clean_store, "DERIVED_FROM", [RelRecord("DERIVED_FROM", datasets[0], datasets[1], {"via": "job-x"})],
              source="jobs", actor="test", run_id="r1")
    close_stale(clean_store, "jobs", "r2", "2026-12-01")
    assert _projection(clean_store) == _rebuilt(clean_store)


def test_restore_draws_the_flow_edges_of_what_it_writes(clean_store):
    world = build(6)
    load(clean_store, world)
    before = _projection(clean_store)
    graph = backup.export_graph(clean_store)
    assert "FLOWS_TO" not in graph.serialize(format="turtle")  # derived, so not part of the backup
    clean_store.execute("MATCH (n) WHERE NOT n:ApiToken DETACH DELETE n")
    backup.import_graph(clean_store, graph, actor="test")
    assert _projection(clean_store) == before


def test_a_harvest_keeps_the_projection_in_step(clean_store):
    harvest = Harvest(
        nodes=[NodeRecord("System", "system-a", {"name": "A"}), NodeRecord("System", "system-b", {"name": "B"}),
               NodeRecord("Integration", "integration-ab", {"name": "A til B", "mechanism": "api"}),
               NodeRecord("Dataset", "system-a.elever", {"name": "Elever"})],
        rels=[RelRecord("SENDS", "system-a", "integration-ab"), RelRecord("RECEIVES", "integration-ab", "system-b"),
              RelRecord("HOLDS", "system-a", "system-a.elever"), RelRecord("CARRIES", "integration-ab", "system-a.elever")])
    run = harvest_service.HarvestRun(id="run-1", source="sheet", connector="test")
    harvest_service.load(clean_store, run, harvest)
    assert {(s, t) for s, t, _ in _projection(clean_store)} == {
        ("system-a", "system-b"), ("system-a", "system-a.elever"), ("system-a.elever", "system-b")}
    assert _projection(clean_store) == _rebuilt(clean_store)
    # The next run sees none of it: the integration is closed on its day, not deleted, and its flow
    # edges end that day with it; the past keeps the flow.
    today = date.today()
    close_stale(clean_store, "sheet", "run-2", today.isoformat())
    assert _projection(clean_store) == _rebuilt(clean_store)
    then = lineage.traverse(clean_store, "system-a", "downstream", 3, today)
    after = lineage.traverse(clean_store, "system-a", "downstream", 3, today + timedelta(days=1))
    assert "system-b" in then.nodes and "system-b" not in after.nodes


def _all_flow_edges(world) -> list[tuple]:
    edges = []
    for iid, info in world.integrations.items():
        edges.append((info["source"], info["target"], "integration", iid))
        edges += [(d, info["target"], "copy", iid) for d in info["carries"]]
    edges += [(s, t, "holds", None) for s, rel, t, _ in world.edges if rel == "HOLDS"]
    edges += [(t, s, "derivation", None) for s, rel, t, _ in world.edges if rel == "DERIVED_FROM"]
    return edges


def _rebuilt(store) -> list[tuple]:
    flows.rebuild(store)
    return _projection(store)
