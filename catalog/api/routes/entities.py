"""One router per node type, generated from the ontology: list, get, create, replace, patch, delete."""
# No "from __future__ import annotations" here: FastAPI must see the generated models themselves.


from datetime import date
from typing import Annotated, Any, Literal, Optional

import orjson
from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, create_model

from catalog.api.deps import ActorDep, StoreDep, UserDep, VersionDep, etag, permission
from catalog.security import edit_permission
from catalog.services import entities, redaction
from ontology import ONTOLOGY, NodeType
from ontology.api_models import NODE_MODELS, EntitySummary, Page, prop_annotation

MAX_PAGE = 500


class Deleted(BaseModel):
    deleted: list[EntitySummary]


def _filter_model(node: NodeType) -> type[BaseModel]:
    """Query parameters of a list: paging, sorting, text, and one filter per property and ref."""
    sortable = tuple(p.name for p in ONTOLOGY.all_props(node) if p.kind != "list") + ("id", "last_seen")
    fields: dict[str, Any] = {
        "limit": (int, Field(50, ge=1, le=MAX_PAGE)),
        "offset": (int, Field(0, ge=0, le=1_000_000)),
        "sort": (Literal[sortable], "name"),
        "order": (Literal["asc", "desc"], "asc"),
        "q": (Optional[str], Field(None, max_length=200, description="Part of the name.")),
    }
    for prop in ONTOLOGY.all_props(node):
        if prop.name in ("name", "description"):
            continue
        annotation = str if prop.kind == "list" else prop_annotation(prop)
        fields[prop.name] = (Optional[annotation], Field(None, description=f"Only those with this {prop.name}."))
    for ref in node.refs:
        fields[ref.field] = (Optional[str], Field(None, description=f"Only those whose {ref.field} includes this id."))
    return create_model(f"{node.label}ListQuery", __config__=ConfigDict(extra="forbid"), **fields)


def entity_router(node: NodeType) -> APIRouter:
    models = NODE_MODELS[node.label]
    Create, Patch, Read = models.create, models.patch, models.read
    Filters = _filter_model(node)
    label, noun = node.label, node.path.replace("-", "_")
    router = APIRouter(prefix=f"/{node.path}", tags=[node.path])
    ref_fields = {r.field for r in node.refs}
    read_fields = tuple(Read.model_fields)
    # Owners edit what they own; everything else is the architects'.
    edit = permission(edit_permission(label))

    def shown(user, entity: dict) -> dict:
        return redaction.entity(user, label, entity)

    def confined(user) -> str | None:
        """Whom an owner's change is confined to: what this person owns (None: not confined)."""
        return None if user.can("edit_catalog") else user.person_id

    @router.get("", response_model=Page[Read], operation_id=f"list_{noun}", summary=f"List {node.path}",
                openapi_extra=permission("read"))
    def list_(store: StoreDep, user: UserDep, query: Annotated[Filters, Query()]) -> dict:
        given = query.model_dump(exclude_none=True, exclude={"limit", "offset", "sort", "order", "q"})
        redaction.check_list_query(user, label, set(given) | {query.sort})
        items, total = entities.list_entities(store, label, entities.ListQuery(
            filters={k: v for k, v in query.model_dump(mode="json", exclude_none=True).items() if k in given and k not in ref_fields},
            ref_filters={k: v for k, v in given.items() if k in ref_fields},
            text=query.q, sort=query.sort, descending=query.order == "desc", limit=query.limit, offset=query.offset,
        ))
        return {"items": [shown(user, item) for item in items], "total": total, "limit": query.limit,
                "offset": query.offset}

    @router.get("/{entity_id}", response_model=Read, operation_id=f"get_{noun}", summary=f"Get one of the {node.path}",
                openapi_extra=permission("read"))
    def get(entity_id: str, store: StoreDep, user: UserDep,
            as_of: Annotated[Optional[date], Query(description="Owners as they stood on this day; today when left out.")] = None) -> Response:
        found = entities.get_entity(store, label, entity_id, as_of)
        # The API's most frequent answer. The store gives exactly the read model's values (plain
        # JSON types, summaries shaped as the model's), so it is serialised without validating it
        # again, a tenth of a read's cost; tests/api/test_entities.py holds every demo entity's
        # answer to the model.
        shown_entity = shown(user, found)
        return Response(orjson.dumps({name: shown_entity.get(name) for name in read_fields}),
                        media_type="application/json", headers={"ETag": etag(found.get("version"))})

    @router.post("", response_model=Read, status_code=status.HTTP_201_CREATED, operation_id=f"create_{noun}",
                 summary=f"Create one of the {node.path}", openapi_extra=permission("edit_catalog"))
    def create(body: Create, store: StoreDep, user: UserDep, actor: ActorDep, response: Response) -> dict:
        created = entities.create_entity(store, label, body.model_dump(mode="json"), actor)
        response.headers["Location"] = f"/api/v1/{node.path}/{created['id']}"
        response.headers["ETag"] = etag(created.get("version"))
        return shown(user, created)

    @router.put("/{entity_id}", response_model=Read, operation_id=f"replace_{noun}",
                summary=f"Replace one of the {node.path}; fields left out are emptied", openapi_extra=edit)
    def replace(entity_id: str, body: Create, store: StoreDep, user: UserDep, actor: ActorDep, version: VersionDep,
                response: Response) -> dict:
        data = body.model_dump(mode="json", exclude={"id"})
        updated = entities.update_entity(store, label, entity_id, data, replace=True, actor=actor,
                                         expected_version=version, confined_to=confined(user))
        response.headers["ETag"] = etag(updated.get("version"))
        return shown(user, updated)

    @router.patch("/{entity_id}", response_model=Read, operation_id=f"patch_{noun}",
                  summary=f"Change some fields of one of the {node.path}", openapi_extra=edit)
    def patch(entity_id: str, body: Patch, store: StoreDep, user: UserDep, actor: ActorDep, version: VersionDep,
              response: Response) -> dict:
        data = body.model_dump(mode="json", include=body.model_fields_set)
        updated = entities.update_entity(store, label, entity_id, data, replace=False, actor=actor,
                                         expected_version=version, confined_to=confined(user))
        response.headers["ETag"] = etag(updated.get("version"))
        return shown(user, updated)

    @router.delete("/{entity_id}", response_model=Deleted, operation_id=f"delete_{noun}",
                   summary=f"Delete one of the {node.path}; with cascade, also what depends on it", openapi_extra=edit)
    def delete(entity_id: str, store: StoreDep, user: UserDep, actor: ActorDep, version: VersionDep,
               cascade: Annotated[bool, Query(description="Also delete the nodes that depend on this one; "
                                                          "an owner only those they may delete too.")] = False) -> dict:
        dependants = entities.delete_entity(store, label, entity_id, cascade=cascade, actor=actor,
                                            expected_version=version, confined_to=confined(user))
        return {"deleted": [{"id": entity_id, "type": label}, *dependants]}

    return router
