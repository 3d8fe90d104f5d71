"""Pydantic models of the API, derived from the ontology.

For each node type: `create` (what a client sends to make one), `patch` (every field optional),
and `read` (what the API returns, with refs, the nodes that point back, owners and provenance).
For each relationship resource: `create`, `patch` and `read`. For each operational record (a
harvest run, a conflict, a change), the shape the API lists it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Generic, Literal, Optional, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, create_model

from ontology.catalog import ONTOLOGY
from ontology.model import NodeType, Prop, Ref, RelType

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$"
EntityId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EntitySummary(BaseModel):
    id: str
    type: str
    name: str | None = None


class OwnerSummary(EntitySummary):
    role: str


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def prop_annotation(prop: Prop) -> Any:
    if prop.kind == "list":
        # A list's choices and check apply to each of its items.
        item: Any = Literal[prop.choices] if prop.choices else ShortText
        if prop.check:
            item = Annotated[item, AfterValidator(prop.check)]
        return Annotated[list[item], Field(max_length=200)]
    if prop.choices:
        annotation: Any = Literal[prop.choices]
    elif prop.kind == "str":
        text = LongText if prop.name == "description" else ShortText
        annotation = Annotated[text, StringConstraints(pattern=prop.pattern)] if prop.pattern else text
    else:
        annotation = {"int": int, "bool": bool, "date": date}[prop.kind]
    if prop.check:
        annotation = Annotated[annotation, AfterValidator(prop.check)]
    return annotation


def _ref_annotation(ref: Ref) -> Any:
    return Annotated[list[EntityId], Field(max_length=1000)] if ref.many else EntityId


def _field(annotation: Any, required: bool, description: str) -> tuple[Any, Any]:
    if required:
        return annotation, Field(description=description)
    return Optional[annotation], Field(default=None, description=description)


def _writable(props: tuple[Prop, ...]) -> tuple[Prop, ...]:
    return tuple(p for p in props if p.derive is None)


def _create_model(node: NodeType) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "id": _field(EntityId, False, "Stable id; made from the type and name when left out."),
    }
    for prop in _writable(ONTOLOGY.all_props(node)):
        fields[prop.name] = _field(prop_annotation(prop), prop.required, prop.description)
    for ref in node.refs:
        if ref.many:
            fields[ref.field] = (_ref_annotation(ref), Field(default_factory=list, description=ref.description))
        else:
            fields[ref.field] = _field(_ref_annotation(ref), ref.required, ref.description)
    return create_model(f"{node.label}Create", __config__=_STRICT, **fields)


def _patch_model(name: str, props: tuple[Prop, ...], refs: tuple[Ref, ...] = ()) -> type[BaseModel]:
    fields: dict[str, Any] = {p.name: _field(prop_annotation(p), False, p.description) for p in _writable(props)}
    fields.update({r.field: _field(_ref_annotation(r), False, r.description) for r in refs})
    return create_model(name, __config__=_STRICT, **fields)


def _provenance_fields() -> dict[str, Any]:
    return {p.name: _field(prop_annotation(p), False, p.description) for p in ONTOLOGY.provenance}


def _read_model(node: NodeType) -> type[BaseModel]:
    fields: dict[str, Any] = {"id": (str, ...), "type": (Literal[node.label], node.label)}
    for prop in ONTOLOGY.all_props(node):
        # What a harvest brought may be incomplete, so nothing is required on the way out.
        fields[prop.name] = _field(_read_annotation(prop), False, prop.description)
    for ref in node.refs:
        fields[ref.field] = (list[str], []) if ref.many else (Optional[str], None)
    for _, ref in ONTOLOGY.referrers(node.label):
        if ref.reverse:
            fields[ref.reverse] = (list[EntitySummary], [])
    if node.label in ONTOLOGY.rel("OWNS").targets:
        fields["owners"] = (list[OwnerSummary], [])
    fields.update(_provenance_fields())
    return create_model(node.label, __config__=ConfigDict(extra="ignore"), **fields)


def _read_annotation(prop: Prop) -> Any:
    """Output is described, not policed: stored values pass as they are."""
    if prop.choices and prop.kind != "list":
        return Literal[prop.choices]
    return {"str": str, "list": list[str], "int": int, "bool": bool, "date": date}[prop.kind]


def _rel_create_model(rel: RelType) -> type[BaseModel]:
    fields: dict[str, Any] = {
        rel.source_field: (EntityId, Field(description=f"One of: {', '.join(rel.sources)}.")),
        rel.target_field: (EntityId, Field(description=f"One of: {', '.join(rel.targets)}.")),
    }
    for prop in rel.props:
        fields[prop.name] = _field(prop_annotation(prop), prop.required, prop.description)
    return create_model(f"{_camel(rel.path)}Create", __config__=_STRICT, **fields)


def _rel_read_model(rel: RelType) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "id": (str, ...),
        rel.source_field: (str, ...),
        rel.target_field: (str, ...),
        "source_node": (EntitySummary, ...),
        "target_node": (EntitySummary, ...),
    }
    for prop in rel.props:
        fields[prop.name] = _field(_read_annotation(prop), False, prop.description)
    fields.update(_provenance_fields())
    return create_model(_camel(rel.path).rstrip("s"), __config__=ConfigDict(extra="ignore"), **fields)


def _record_model(node: NodeType) -> type[BaseModel]:
    """An operational record as the API lists it: its id and its properties as stored."""
    fields: dict[str, Any] = {"id": (str, ...)}
    for prop in node.props:
        if prop.kind == "list":
            fields[prop.name] = (_read_annotation(prop), Field(default_factory=list, description=prop.description))
        else:
            fields[prop.name] = _field(_read_annotation(prop), prop.required, prop.description)
    return create_model(node.label, __config__=ConfigDict(extra="ignore"), **fields)


def _camel(path: str | None) -> str:
    return "".join(part.capitalize() for part in (path or "").split("-"))


@dataclass(frozen=True)
class ResourceModels:
    """What a client sends to make one, to change some of its fields, and what it reads back."""

    create: type[BaseModel]
    patch: type[BaseModel]
    read: type[BaseModel]


NODE_MODELS: dict[str, ResourceModels] = {
    node.label: ResourceModels(
        create=_create_model(node),
        patch=_patch_model(f"{node.label}Patch", ONTOLOGY.all_props(node), node.refs),
        read=_read_model(node),
    )
    for node in ONTOLOGY.nodes
}

REL_MODELS: dict[str, ResourceModels] = {
    rel.type: ResourceModels(
        create=_rel_create_model(rel),
        patch=_patch_model(f"{_camel(rel.path)}Patch", tuple(p for p in rel.props if p.name not in rel.key)),
        read=_rel_read_model(rel),
    )
    for rel in ONTOLOGY.relationships
    if rel.path
}

# The properties of every relationship type, as a write must give them (the ends aside): checked
# on every way in, the API, a harvest and an import alike.
EDGE_PROPS: dict[str, type[BaseModel]] = {
    rel.type: create_model(f"{rel.type.title().replace('_', '')}Props", __config__=_STRICT,
                           **{p.name: _field(prop_annotation(p), p.required, p.description) for p in rel.props})
    for rel in ONTOLOGY.relationships
}

RECORD_MODELS: dict[str, type[BaseModel]] = {node.label: _record_model(node) for node in ONTOLOGY.operational}
