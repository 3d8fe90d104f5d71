"""Ontology records: what connectors and the demo produce, and what the store loads."""

from __future__ import annotations

import hashlib
import re
import unicodedata
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


def slug(text: str) -> str:
    """'Visma InSchool' -> 'visma-inschool'; Norwegian letters kept readable."""
    folded = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    ascii_text = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:80]


def dataset_id(system_id: str, name: str) -> str:
    """Datasets found in a system are named after it, so that when a harvest learns that its
    system is one the catalog knows under another id, the dataset ids follow."""
    return f"{system_id}.{slug(name) or hashlib.sha1(name.encode()).hexdigest()[:12]}"
