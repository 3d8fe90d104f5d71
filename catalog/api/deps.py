"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request

from catalog.errors import PreconditionFailed
from catalog.security import User, authorize
from catalog.services.connection import Store
from catalog.settings import get_settings


# The small dependencies are `async def` although they do not await: FastAPI runs a plain `def`
# dependency on the thread pool, a hand-off that costs more than the work.
async def get_store(request: Request) -> Store:
    return request.app.state.store


async def signed_in(request: Request) -> User:
    """Authenticates and authorises every /api/v1 request (see catalog.security)."""
    return await authorize(request, request.app.state.store, get_settings())


async def current_user(request: Request) -> User:
    return request.state.user


async def current_actor(request: Request) -> str:
    return request.state.user.subject


async def expected_version(if_match: Annotated[str | None, Header(description="ETag from an earlier read.")] = None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise PreconditionFailed(f"If-Match '{if_match}' is not an ETag this API gave out.")
    return int(tag)


def etag(version: int | None) -> str:
    return f'"{version or 0}"'


def permission(name: str) -> dict[str, Any]:
    """Marks a route with the permission it needs; catalog.security enforces it."""
    return {"x-permission": name}


StoreDep = Annotated[Store, Depends(get_store)]
ActorDep = Annotated[str, Depends(current_actor)]
UserDep = Annotated[User, Depends(current_user)]
VersionDep = Annotated[int | None, Depends(expected_version)]
