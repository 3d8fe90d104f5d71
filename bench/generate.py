"""A synthetic county, deterministic by seed, realistic in shape: a few hub systems (the ERP,
Entra ID) with many integrations, long integration chains, groups nested up to six deep, wide
groups, and three marked resources reached by about 10, 1,000 and 10,000 principals.

Scale 1 is about one county: 400 systems, 3,000 datasets, 1,000 integrations, 5,000 people,
1,000 groups, 50,000 memberships, 20,000 grants.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ontology.records import NodeRecord, RelRecord

LEVELS = ("read", "write", "admin")
GROUP_DEPTH = 6
# Resources whose audience the who-has-access benchmark knows in advance.
SMALL, MEDIUM, TEN_THOUSAND, LARGE = ("system-bench-small", "system-bench-medium", "system-bench-10k",
                                      "system-bench-large")


@dataclass
class County:
    nodes: dict[str, list[NodeRecord]] = field(default_factory=dict)
    rels: dict[str, list[RelRecord]] = field(default_factory=dict)

    def node(self, label: str, node_id: str, **props) -> str:
        self.nodes.setdefault(label, []).append(NodeRecord(label, node_id, {"name": node_id, **props}))
        return node_id

    def rel(self, rel_type: str, source: str, target: str, **props) -> None:
        self.rels.setdefault(rel_type, []).append(RelRecord(rel_type, source, target, props))

    @property
    def facts(self) -> int:
        return sum(map(len, self.nodes.values())) + sum(map(len, self.rels.values()))


def generate(scale: float = 1, seed: int = 2026) -> County:
    rng, county = random.Random(seed), County()
    n_systems, n_datasets, n_integrations = int(400 * scale), int(3000 * scale), int(1000 * scale)
    n_people, n_groups = int(5000 * scale), int(1000 * scale)
    n_memberships, n_grants = int(50_000 * scale), int(20_000 * scale)

    systems = [county.node("System", f"system-{i:06d}", lifecycle="in-use") for i in range(n_systems)]
    systems += [county.node("System", s) for s in (SMALL, MEDIUM, TEN_THOUSAND, LARGE)]
    hubs = systems[:5]  # the ERP, Entra ID, the archive…
    datasets = []
    for i in range(n_datasets):
        holder = rng.choice(hubs) if rng.random() < 0.2 else rng.choice(systems)
        datasets.append(county.node("Dataset", f"dataset-{i:07d}", personal_data=rng.random() < 0.4))
        county.rel("HOLDS", holder, datasets[-1])
    held: dict[str, list[str]] = {}
    for rel in county.rels["HOLDS"]:
        held.setdefault(rel.source_id, []).append(rel.target_id)

    chain = rng.sample(systems[5:], min(40, len(systems) - 5))  # one long chain
    pairs = list(zip(chain, chain[1:]))
    while len(pairs) < n_integrations:
        source = rng.choice(hubs) if rng.random() < 0.3 else rng.choice(systems)
        target = rng.choice(hubs) if rng.random() < 0.1 else rng.choice(systems)
        if source != target:
            pairs.append((source, target))
    for i, (source, target) in enumerate(pairs[:n_integrations]):
        integration = county.node("Integration", f"integration-{i:06d}", mechanism="api", kind="declared")
        county.rel("SENDS", source, integration)
        county.rel("RECEIVES", integration, target)
        for dataset in rng.sample(held.get(source, []), min(2, len(held.get(source, [])))):
            county.rel("CARRIES", integration, dataset)

    people = [county.node("Person", f"person-{i:07d}", enabled=True) for i in range(n_people)]
    levels: list[list[str]] = [[] for _ in range(GROUP_DEPTH)]
    for i in range(n_groups):
        depth = min(GROUP_DEPTH - 1, int(rng.expovariate(0.7)))
        group = county.node("Group", f"group-{i:06d}")
        levels[depth if levels[max(depth - 1, 0)] or depth == 0 else 0].append(group)
    for depth in range(1, GROUP_DEPTH):
        for group in levels[depth]:
            county.rel("MEMBER_OF", group, rng.choice(levels[depth - 1]))
    groups = [g for level in levels for g in level]
    everyone = county.node("Group", "group-everyone")
    medium = county.node("Group", "group-medium")
    small = county.node("Group", "group-small")
    ten_thousand = county.node("Group", "group-10k")
    seen = set()
    for person in people:
        county.rel("MEMBER_OF", person, everyone)
    for person in rng.sample(people, min(1000, len(people))):
        county.rel("MEMBER_OF", person, medium)
    for person in rng.sample(people, 10):
        county.rel("MEMBER_OF", person, small)
    for person in rng.sample(people, min(10_000, len(people))):
        county.rel("MEMBER_OF", person, ten_thousand)
    while len(seen) < n_memberships - len(people) - 1010 - min(10_000, len(people)):
        pair = (rng.choice(people), rng.choice(groups))
        if pair not in seen:
            seen.add(pair)
            county.rel("MEMBER_OF", *pair)
    roles = [county.node("Role", f"role-{i:05d}") for i in range(max(10, n_groups // 10))]
    for role in roles:
        county.rel("HAS_ROLE", rng.choice(groups), role)
    for resource, group in ((SMALL, small), (MEDIUM, medium), (TEN_THOUSAND, ten_thousand), (LARGE, everyone)):
        county.rel("HAS_ACCESS", group, resource, level="read")
    granted = set()
    while len(granted) < n_grants:
        principal = rng.choice(groups) if rng.random() < 0.5 else rng.choice(people) if rng.random() < 0.8 else rng.choice(roles)
        resource = rng.choice(systems) if rng.random() < 0.6 else rng.choice(datasets)
        if (principal, resource) not in granted and resource not in (SMALL, MEDIUM, TEN_THOUSAND, LARGE):
            granted.add((principal, resource))
            county.rel("HAS_ACCESS", principal, resource, level=rng.choice(LEVELS))
    return county
