"""One router per relationship resource (ownerships, access grants, memberships, role assignments)."""
# No "from __future__ import annotations" here: FastAPI must see the generated models themselves.


from typing import Annotated, Any, Optional

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, create_model

from catalog.api.deps import ActorDep, StoreDep, VersionDep, etag, permission
from catalog.services import relations
from ontology import RelType
from ontology.api_models import REL_MODELS, Page, prop_annotation
from ontology.catalog import ACCESS_RELATIONSHIPS


def _filter_model(rel: RelType) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "limit": (int, Field(50, ge=1, le=500)),
        "offset": (int, Field(0, ge=0, le=1_000_000)),
        rel.source_field: (Optional[str], None),
        rel.target_field: (Optional[str], None),
    }
    for prop in rel.props:
        if prop.choices:
            fields[prop.name] = (Optional[prop_annotation(prop)], None)
    name = "".join(p.capitalize() for p in (rel.path or "").split("-"))
    return create_model(f"{name}ListQuery", __config__=ConfigDict(extra="forbid"), **fields)


def relation_router(rel: RelType) -> APIRouter:
    models = REL_MODELS[rel.type]
    Create, Patch, Read = models.create, models.patch, models.read
    Filters = _filter_model(rel)
    noun = (rel.path or "").replace("-", "_")
    router = APIRouter(prefix=f"/{rel.path}", tags=[rel.path or ""])
    # Ownership is part of the catalog everyone reads; grants, memberships and roles are access data.
    read, write = (permission("read_access"), permission("edit_access")) if rel.type in ACCESS_RELATIONSHIPS else \
        (permission("read"), permission("edit_owned"))

    @router.get("", response_model=Page[Read], operation_id=f"list_{noun}", summary=rel.description, openapi_extra=read)
    def list_(store: StoreDep, query: Annotated[Filters, Query()]) -> dict:
        filters = query.model_dump(exclude_none=True, exclude={"limit", "offset"})
        items, total = relations.list_edges(store, rel.type, filters, query.limit, query.offset)
        return {"items": items, "total": total, "limit": query.limit, "offset": query.offset}

    @router.get("/{edge_id}", response_model=Read, operation_id=f"get_{noun}", openapi_extra=read)
    def get(edge_id: str, store: StoreDep, response: Response) -> dict:
        found = relations.get_edge(store, rel.type, edge_id)
        response.headers["ETag"] = etag(found.get("version"))
        return found

    @router.post("", response_model=Read, status_code=status.HTTP_201_CREATED, operation_id=f"create_{noun}",
                 openapi_extra=write)
    def create(body: Create, store: StoreDep, actor: ActorDep, response: Response) -> dict:
        created = relations.create_edge(store, rel.type, body.model_dump(mode="json"), actor)
        response.headers["Location"] = f"/api/v1/{rel.path}/{created['id']}"
        response.headers["ETag"] = etag(created.get("version"))
        return created

    @router.patch("/{edge_id}", response_model=Read, operation_id=f"patch_{noun}", openapi_extra=write)
    def patch(edge_id: str, body: Patch, store: StoreDep, actor: ActorDep, version: VersionDep,
              response: Response) -> dict:
        updated = relations.update_edge(store, rel.type, edge_id, body.model_dump(mode="json", include=body.model_fields_set),
                                        actor, expected_version=version)
        response.headers["ETag"] = etag(updated.get("version"))
        return updated

    @router.delete("/{edge_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id=f"delete_{noun}",
                   openapi_extra=write)
    def delete(edge_id: str, store: StoreDep, actor: ActorDep, version: VersionDep) -> Response:
        relations.delete_edge(store, rel.type, edge_id, actor, expected_version=version)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
