"""API tokens, catalog role assignments, and the change history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from catalog.api.deps import ActorDep, StoreDep, permission
from catalog.errors import NotFound
from catalog.security import ROLES, create_token, forget_tokens
from catalog.services import administration
from ontology.api_models import RECORD_MODELS, Page

router = APIRouter(tags=["administration and history"])
Role = Literal[ROLES]


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    role: Role
    expires_days: int = Field(90, ge=1, le=730)
    person_id: Optional[str] = Field(None, max_length=200, description="The person an owner token acts for.")


class NewToken(BaseModel):
    name: str
    role: str
    token: str = Field(description="Shown this once; only its hash is kept.")


class TokenInfo(BaseModel):
    name: str
    role: str
    person_id: Optional[str] = None
    created: str
    expires: str
    revoked: bool = False


class AssignmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(min_length=1, max_length=200,
                         description="The signed-in user's immutable subject (<tid>/<oid>, or sub) or admin-set UPN; "
                                     "an e-mail address matches nothing.")
    role: Role


class Assignment(AssignmentRequest):
    id: str


Change = RECORD_MODELS["ChangeRecord"]


@router.post("/admin/tokens", response_model=NewToken, status_code=status.HTTP_201_CREATED,
             operation_id="create_token", openapi_extra=permission("admin"))
def new_token(body: TokenRequest, store: StoreDep, actor: ActorDep) -> dict:
    token = create_token(store, body.name, body.role, body.expires_days, body.person_id, actor=actor)
    return {"name": body.name, "role": body.role, "token": token}


@router.get("/admin/tokens", response_model=list[TokenInfo], operation_id="list_tokens", openapi_extra=permission("admin"))
def tokens(store: StoreDep) -> list[dict]:
    return administration.list_tokens(store)


@router.delete("/admin/tokens/{name}", status_code=status.HTTP_204_NO_CONTENT, operation_id="revoke_token",
               openapi_extra=permission("admin"))
def revoke(name: str, store: StoreDep, actor: ActorDep) -> Response:
    if not administration.revoke_token(store, name, actor):
        raise NotFound(f"No token named '{name}'.")
    forget_tokens()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/admin/role-assignments", response_model=list[Assignment], operation_id="list_catalog_role_assignments",
            openapi_extra=permission("admin"))
def assignments(store: StoreDep) -> list[dict]:
    return administration.list_assignments(store)


@router.post("/admin/role-assignments", response_model=Assignment, status_code=status.HTTP_201_CREATED,
             operation_id="assign_catalog_role", openapi_extra=permission("admin"))
def assign(body: AssignmentRequest, store: StoreDep, actor: ActorDep) -> dict:
    subject = body.subject.strip().lower()
    return administration.assign_role(store, {"id": f"assignment-{uuid.uuid5(uuid.NAMESPACE_URL, subject + body.role)}",
                                              "subject": subject, "role": body.role}, actor)


@router.delete("/admin/role-assignments/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT,
               operation_id="unassign_catalog_role", openapi_extra=permission("admin"))
def unassign(assignment_id: str, store: StoreDep, actor: ActorDep) -> Response:
    if not administration.unassign_role(store, assignment_id, actor):
        raise NotFound(f"No role assignment '{assignment_id}'.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _iso(moment: Optional[datetime]) -> Optional[str]:
    return moment.isoformat(timespec="seconds") if moment else None


@router.get("/history", response_model=Page[Change], operation_id="history", openapi_extra=permission("history"))
def changes(store: StoreDep, actor: Optional[str] = None, since: Optional[datetime] = None,
            until: Optional[datetime] = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
            offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict:
    """Every change, newest first, filtered by who made it and when."""
    items, total = administration.changes(store, None, actor, _iso(since), _iso(until), limit, offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/history/{entity_id}", response_model=Page[Change], operation_id="entity_history",
            openapi_extra=permission("history"))
def entity_changes(entity_id: str, store: StoreDep, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                   offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict:
    """Every change to one node or edge, newest first."""
    items, total = administration.changes(store, entity_id, None, None, None, limit, offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}
