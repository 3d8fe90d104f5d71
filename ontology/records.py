"""Ontology records: what connectors and the demo produce, and what the store loads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ontology.catalog import ONTOLOGY


@dataclass(frozen=True)
class NodeRecord:
    label: str
    id: str
    props: dict[str, Any]


@dataclass(frozen=True)
class RelRecord:
    type: str
    source_id: str
    target_id: str
    props: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        key = tuple(str(self.props.get(name)) for name in ONTOLOGY.rel(self.type).key)
        return edge_id(self.type, self.source_id, self.target_id, key)


def edge_id(rel_type: str, source_id: str, target_id: str, key: tuple[str, ...] = ()) -> str:
    """A stable id for an edge: the same two nodes, type and key give the same id every time."""
    digest = hashlib.sha1("\x1f".join((rel_type, source_id, target_id, *key)).encode()).hexdigest()
    return f"{rel_type.lower().replace('_', '-')}-{digest[:16]}"
