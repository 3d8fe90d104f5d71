"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from catalog.errors import PreconditionFailed
from catalog.store.driver import Store


def get_store(request: Request) -> Store:
    return request.app.state.store


def current_actor() -> str:
    # Replaced by the signed-in user's identity once authentication is in place.
    return "api"


def expected_version(if_match: Annotated[str | None, Header(description="ETag from an earlier read.")] = None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise PreconditionFailed(f"If-Match '{if_match}' is not an ETag this API gave out.")
    return int(tag)


def etag(version: int | None) -> str:
    return f'"{version or 0}"'


StoreDep = Annotated[Store, Depends(get_store)]
ActorDep = Annotated[str, Depends(current_actor)]
VersionDep = Annotated[int | None, Depends(expected_version)]
