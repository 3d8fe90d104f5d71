"""Up to K shortest simple paths from a set of seeds, found level by level.

Used by both access directions. A path is a list alternating node and edge dicts; `grow` puts
the next (node, edge) at the open end. Each (node, level) keeps at most K paths, and every kept
path is grown further, so the K shortest reach every node (Yen-like, without loops).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

K = 3
MAX_PATH_EDGES = 40
# Guards the server against a pathological graph; an answer that hit it says `truncated`.
MAX_KEPT_PATHS = 600_000

Node = dict[str, Any]
Edge = dict[str, Any]
Path = list[dict[str, Any]]


@dataclass(frozen=True)
class Walk:
    path: tuple[dict[str, Any], ...]
    level: str | None
    # Where the walk continues from: the first node (searching backwards) or the last.
    head: Node
    # Searching backwards: the head is a group holding a grant for its direct members only, so
    # the walk may not continue into groups nested in it.
    closed: bool = False

    @property
    def edges(self) -> int:
        return len(self.path) // 2

    def visits(self, node_id: str) -> bool:
        return any(step.get("id") == node_id for step in self.path[::2])


@dataclass
class Found:
    walks: dict[tuple[str, str | None], list[Walk]] = field(default_factory=lambda: defaultdict(list))
    truncated: bool = False


Neighbours = Callable[[list[str]], dict[str, list[tuple[Node, Edge]]]]
Step = Callable[[Walk, Node, Edge], Walk | None]


def search(seeds: Iterable[Walk], neighbours: Neighbours, step: Step) -> Found:
    found, kept = Found(), 0
    # K walks per (node, level) and per closed-ness: walks through a group that passes a grant to
    # nested groups are never crowded out by walks that stop at it.
    counted: dict[tuple[str, str | None, bool], int] = defaultdict(int)
    buckets: dict[int, list[Walk]] = defaultdict(list)
    for seed in seeds:
        buckets[seed.edges].append(seed)
    fetched: dict[str, list[tuple[Node, Edge]]] = {}
    while buckets:
        length = min(buckets)
        growing = []
        for walk in sorted(buckets.pop(length), key=walk_order):
            key = (walk.head["id"], walk.level)
            if counted[(*key, walk.closed)] >= K:
                continue
            counted[(*key, walk.closed)] += 1
            found.walks[key].append(walk)
            kept += 1
            growing.append(walk)
        if kept > MAX_KEPT_PATHS:
            found.truncated = True
            break
        if length >= MAX_PATH_EDGES:
            found.truncated = found.truncated or bool(growing)
            continue
        unseen = sorted({w.head["id"] for w in growing} - fetched.keys())
        if unseen:
            fetched.update({node_id: [] for node_id in unseen})
            for node_id, pairs in neighbours(unseen).items():
                fetched[node_id] = pairs
        for walk in growing:
            for node, edge in fetched[walk.head["id"]]:
                if not walk.visits(node["id"]):
                    grown = step(walk, node, edge)
                    if grown is not None:
                        buckets[grown.edges].append(grown)
    return found


def walk_order(walk: Walk) -> tuple:
    return tuple(str(step.get("id") or step.get("relationship")) for step in walk.path)


def clean(step: dict[str, Any]) -> dict[str, Any]:
    """A node or edge as the API shows it: no empty fields, no internal flags."""
    return {k: v for k, v in step.items() if v is not None and k != "enabled"}
