"""Full-text search across the catalog."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Query
from pydantic import BaseModel

from catalog.api.deps import StoreDep, permission
from catalog.services import search as search_store
from ontology import ONTOLOGY
from ontology.api_models import EntitySummary

router = APIRouter(tags=["search"])
Label = Literal[tuple(node.label for node in ONTOLOGY.nodes)]


class Hit(BaseModel):
    hit: EntitySummary
    score: float


class SearchResult(BaseModel):
    query: str
    items: list[Hit]


@router.get("/search", response_model=SearchResult, operation_id="search", openapi_extra=permission("read"))
def search(store: StoreDep,
           q: Annotated[str, Query(min_length=1, max_length=200, description="Words to look for.")],
           type: Annotated[Optional[Label], Query(description="Only this node type.")] = None,
           limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict:
    return {"query": q, "items": search_store.search(store, q, type, limit)}
