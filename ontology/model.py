"""The building blocks of the ontology: how a node type, a property, a reference and a
relationship type are declared.

Everything that knows the shape of the graph — Neo4j constraints and indexes, the ingest
statements, the API models, the RDF vocabulary — reads these declarations; nothing repeats them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any, Callable, Literal

PropKind = Literal["str", "int", "bool", "date", "list"]


@dataclass(frozen=True)
class Prop:
    """A typed property of a node or relationship."""

    name: str
    kind: PropKind = "str"
    description: str = ""
    required: bool = False
    choices: tuple[str, ...] | None = None
    unique: bool = False
    indexed: bool = False
    # Part of the full-text search index.
    searchable: bool = False
    # A personal-data detail: shown only to roles allowed to see personal data.
    personal: bool = False
    pattern: str | None = None
    # Extra validation beyond kind/choices/pattern; returns the (possibly normalised) value.
    check: Callable[[Any], Any] | None = None
    # Derived from other properties on every write; never accepted from a client.
    derive: Callable[[dict[str, Any]], Any] | None = None
    rdf: str | None = None
    # The controlled vocabulary (ontology.vocabularies) its codes come from; RDF names them by URI.
    vocabulary: str | None = None
    # The standard term (a CURIE) each controlled value stands for, where a standard has one.
    choice_rdf: Mapping[str, str] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class Ref:
    """A link that belongs to a node's own record: stored as a relationship, edited as a field.

    `outgoing` tells the stored direction seen from the node that declares the ref, so that a
    dataset's `system` field is stored as (System)-[:HOLDS]->(Dataset).
    """

    field: str
    rel: str
    targets: tuple[str, ...]
    outgoing: bool = True
    many: bool = False
    required: bool = False
    # The declaring node cannot exist without its target: deleting the target needs cascade.
    dependent: bool = False
    # Name under which the target's page lists the nodes that point at it ("datasets").
    reverse: str | None = None
    description: str = ""


@dataclass(frozen=True)
class NodeType:
    label: str
    path: str
    id_prefix: str
    description: str
    props: tuple[Prop, ...] = ()
    refs: tuple[Ref, ...] = ()
    # Properties that identify the same thing arriving from several sources, strongest first.
    match_on: tuple[str, ...] = ()
    # Norwegian (bokmål) name of the type.
    nb: str = ""
    rdf_class: str | None = None
    # What a complete entry has: property names, ref fields, reverse fields of refs pointing at
    # it ("risk_assessments"), or "owner:<role>". The completeness report lists what is missing.
    expected: tuple[str, ...] = ()
    # Whether ids made by `ontology.records.id_for` show a readable part of the natural key;
    # people's ids are opaque, so that no name or e-mail address travels in URLs and logs.
    readable_ids: bool = True

    def prop(self, name: str) -> Prop:
        return next(p for p in self.props if p.name == name)


@dataclass(frozen=True)
class RelType:
    """A relationship type. Those with a `path` are resources of their own in the API
    (ownerships, access grants, memberships); the others are edited through a node's refs."""

    type: str
    # Norwegian (bokmål) label, read as "source … target": "Kari er medlem av Lærere".
    nb: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    description: str
    props: tuple[Prop, ...] = ()
    # Properties that tell parallel edges between the same two nodes apart (an ownership role).
    key: tuple[str, ...] = ()
    # Whether valid_from/valid_to bound the edge in time (point-in-time queries read them).
    temporal: bool = False
    path: str | None = None
    source_field: str = "source_id"
    target_field: str = "target_id"
    rdf: str | None = None

    def prop(self, name: str) -> Prop:
        return next(p for p in self.props if p.name == name)


@dataclass(frozen=True)
class Hop:
    """One stored relationship a flow passes, and whether the flow follows its stored direction."""

    rel: str
    forward: bool = True


@dataclass(frozen=True)
class Flow:
    """One kind of flow edge and the base facts it derives from: `source` reaches `target` over
    `hops` (one, or two through a `via` node such as an integration). The edge is valid while
    every node and relationship on the way is; its kind and mechanism are read from the via node
    (or, for one hop, the relationship), `default_kind` when unset."""

    type: str
    source: str
    hops: tuple[Hop, ...]
    target: str
    via: str | None = None
    # For one hop: the relationship property that names what did the flow (a job), if any.
    via_prop: str | None = None
    default_kind: str = "declared"


@dataclass(frozen=True)
class Projection:
    """A relationship kept by the store as a derivation of base facts, for fast traversal; never
    written by clients, never exported, rebuilt from the base facts on demand."""

    type: str
    flows: tuple[Flow, ...]
    description: str = ""

    @property
    def base_types(self) -> frozenset[str]:
        return frozenset(hop.rel for flow in self.flows for hop in flow.hops)

    @property
    def via_labels(self) -> frozenset[str]:
        return frozenset(flow.via for flow in self.flows if flow.via)


@dataclass(frozen=True)
class Ontology:
    nodes: tuple[NodeType, ...]
    relationships: tuple[RelType, ...]
    # The catalog's own records (harvest runs, conflicts): no Entity label, no CRUD routes.
    operational: tuple[NodeType, ...] = ()
    # Properties every node carries besides its own.
    common_props: tuple[Prop, ...] = field(default=())
    # Read-only provenance every node and edge carries.
    provenance: tuple[Prop, ...] = field(default=())
    # Relationships derived from the others and kept in step with them (the flow edges of lineage).
    projections: tuple[Projection, ...] = field(default=())

    def node(self, label: str) -> NodeType:
        for node in self.nodes:
            if node.label == label:
                return node
        raise KeyError(label)

    def rel(self, rel_type: str) -> RelType:
        for rel in self.relationships:
            if rel.type == rel_type:
                return rel
        raise KeyError(rel_type)

    def projection(self, rel_type: str) -> Projection:
        return next(p for p in self.projections if p.type == rel_type)

    def all_props(self, node: NodeType) -> tuple[Prop, ...]:
        return self.common_props + node.props

    def referrers(self, label: str) -> list[tuple[NodeType, Ref]]:
        """Every (node type, ref) whose ref can point at `label`."""
        return [(n, r) for n in self.nodes for r in n.refs if label in r.targets]
