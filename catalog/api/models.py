"""Response models of the query endpoints (lineage, impact, access, reports). The entity models
come from the ontology (`ontology.api_models`); these describe answers, not stored things."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, model_serializer

from ontology.api_models import EntitySummary
from ontology.catalog import ACCESS_LEVELS, GRANT_EXPANSIONS, LINEAGE_KINDS

Level = Literal[ACCESS_LEVELS]
Expansion = Literal[GRANT_EXPANSIONS]


class LineageEdge(BaseModel):
    source: str
    target: str
    type: Literal["integration", "holds", "copy", "derivation"]
    kind: Literal[LINEAGE_KINDS]
    via: Optional[str] = None
    via_name: Optional[str] = None
    # How the integration moves the data (integration and copy edges).
    mechanism: Optional[str] = None


class LineageNode(EntitySummary):
    distance: int


class LineageGraph(BaseModel):
    root: EntitySummary
    direction: Literal["upstream", "downstream", "both"]
    depth: int
    as_of: date
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool


class Notify(BaseModel):
    role: str
    id: str
    type: str
    name: Optional[str] = None
    email: Optional[str] = None


class ImpactItem(EntitySummary):
    distance: int
    notify: list[Notify]


class Impact(BaseModel):
    root: EntitySummary
    as_of: date
    items: list[ImpactItem]
    truncated: bool


class PathNode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    type: str
    name: Optional[str] = None


class PathEdge(BaseModel):
    """A hop in an explaining path: a membership, a role, a grant, a holder, a copy, a FINT component
    an integration passes (VIA), a derivation."""

    model_config = ConfigDict(extra="forbid")
    relationship: str
    id: Optional[str] = None
    level: Optional[str] = None
    valid_from: Optional[str] = None
    valid_to: Optional[str] = None
    granted_by: Optional[str] = None
    purpose: Optional[str] = None
    # A grant's rule for reaching a group's members: direct (members only) or transitive (nested too).
    expansion: Optional[Expansion] = None
    via: Optional[str] = None
    via_name: Optional[str] = None
    dataset: Optional[str] = None
    kind: Optional[str] = None

    @model_serializer(mode="wrap")
    def _only_what_is_set(self, handler):
        # A hop shows only what applies to it; a membership has no level, a copy no grantor.
        return {k: v for k, v in handler(self).items() if v is not None}


Path = list[Union[PathEdge, PathNode]]


class Reached(EntitySummary):
    enabled: bool = True
    level: Level
    paths: list[Path]


class WhoHasAccess(BaseModel):
    resource: EntitySummary
    as_of: date
    include_lineage: bool
    total: int
    limit: int
    principals: list[Reached]
    next_cursor: Optional[str] = None
    truncated: bool


class WhatCanReach(BaseModel):
    principal: EntitySummary
    as_of: date
    total: int
    resources: list[Reached]
    truncated: bool


class AccessPaths(BaseModel):
    principal: EntitySummary
    resource: EntitySummary
    as_of: date
    level: Optional[Level] = None
    paths: list[Path]


class ReportInfo(BaseModel):
    name: str
    title: str
    description: str
    columns: list[str]


class ReportResult(ReportInfo):
    as_of: date
    generated: str
    parameters: dict[str, Any]
    rows: list[dict[str, Any]]
