"""Ontology records: what connectors and the demo produce, and what the store loads."""

from __future__ import annotations

import hashlib
import json
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
    """'Visma InSchool' -> 'visma-inschool'; Norwegian letters kept readable. Lossy: for the
    readable part of an id only, never an id on its own (`id_for` makes ids)."""
    folded = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    ascii_text = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:80]


READABLE_LENGTH = 40
_HASHED = re.compile(r"-[0-9a-f]{12}$")


def _digest(key: tuple[str, ...]) -> str:
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()[:12]


def id_for(label: str, natural_key: str | tuple[str, ...], readable: str | None = None) -> str:
    """The one id rule: the id of the `label` node whose natural key (in its source) is `natural_key`.

    Injective on the exact key: a key that is already its own readable form ('elev',
    'utdanning-elev') is the id after the type's prefix; any other key gets a short hash of the
    exact key after its readable form, so `ola.nordmann@x` and `ola-nordmann@x`, `cn=lærere` and
    `cn=laerere`, or two long names that agree in their first 40 letters never share an id.
    `readable` replaces the readable part (a group's name rather than its object id). Types
    without readable ids (people) get the prefix and the hash only."""
    key = (natural_key,) if isinstance(natural_key, str) else tuple(natural_key)
    node = ONTOLOGY.node(label)
    if not node.readable_ids:
        return f"{node.id_prefix}-{_digest(key)}"
    if readable is None and len(key) == 1 and slug(key[0]) == key[0] and len(key[0]) <= READABLE_LENGTH \
            and not _HASHED.search(key[0]):
        return f"{node.id_prefix}-{key[0]}"
    text = slug(readable if readable is not None else " ".join(key))[:READABLE_LENGTH].strip("-")
    return f"{node.id_prefix}-{text}-{_digest(key)}" if text else f"{node.id_prefix}-{_digest(key)}"


def dataset_id(system_id: str, name: str) -> str:
    """Datasets found in a system are named after it, so that when a harvest learns that its
    system is one the catalog knows under another id, the dataset ids follow. The part after the
    dot follows `id_for`'s rule: injective on the dataset's exact name."""
    return f"{system_id}.{id_for('Dataset', name).removeprefix('dataset-')}"
