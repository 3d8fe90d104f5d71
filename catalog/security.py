"""Sign-in and authorisation, in one place.

A request carries `Authorization: Bearer <token>`: either an API token (made by an admin, stored
hashed) or an OpenID Connect access token (issuer, audience and JWKS configured; Entra ID works).
Roles come from the API token, from the OIDC token's claim (mapped by configuration), or from
role assignments stored in the catalog. Every /api/v1 route declares the permission it needs
(`x-permission` in the OpenAPI document); `authorize` enforces it, owner scope included.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import jwt
from fastapi import Request

from catalog.errors import CatalogError, Forbidden, Unauthorized
from catalog.settings import Settings
from catalog.store import security as security_store
from catalog.store.driver import Store

log = logging.getLogger("catalog.security")

ROLES = ("reader", "owner", "architect", "auditor", "admin")
PERMISSIONS = {
    "read": "the catalog: systems, datasets, integrations, owners, lineage, governance reports",
    "read_access": "access grants, effective access, access reviews, the full export",
    "history": "the change history",
    "edit_owned": "change systems, datasets and integrations one owns (or any, with edit_catalog)",
    "edit_catalog": "change every catalog entity, and run harvests",
    "edit_access": "change access grants, memberships and role assignments",
    "admin": "tokens, catalog role assignments and restoring backups",
    "attest": "confirm the entries one owns, and decide the access reviews one is asked to",
    "review_access": "open, close and export access review campaigns",
}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "reader": frozenset({"read"}),
    "owner": frozenset({"read", "edit_owned", "attest"}),
    "architect": frozenset({"read", "edit_owned", "edit_catalog", "attest"}),
    "auditor": frozenset({"read", "read_access", "history", "read_personal", "review_access"}),
    "admin": frozenset(PERMISSIONS) | {"read_personal"},
}
TOKEN_PREFIX = "dkat_"


@dataclass(frozen=True)
class User:
    subject: str
    roles: frozenset[str]
    person_id: str | None = None
    names: tuple[str, ...] = field(default_factory=tuple)

    def can(self, permission: str) -> bool:
        return any(permission in ROLE_PERMISSIONS[role] for role in self.roles)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, name: str, role: str, days: int, person_id: str | None = None) -> str:
    """Make an API token and return it; only its hash is kept."""
    if role not in ROLES:
        raise CatalogError(f"role must be one of {', '.join(ROLES)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    record = {"id": f"token-{name}", "name": name, "role": role, "person_id": person_id,
              "token_hash": hash_token(token), "created": now.isoformat(timespec="seconds"),
              "expires": (now + timedelta(days=days)).isoformat(timespec="seconds"), "revoked": False}
    if not security_store.save_token(store, {k: v for k, v in record.items() if v is not None}):
        raise CatalogError(f"a token named '{name}' exists already; revoke it or choose another name")
    return token


def authenticate(request: Request, store: Store, settings: Settings) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send 'Authorization: Bearer <token>': an API token or an OpenID Connect access token.",
                           headers={"WWW-Authenticate": "Bearer"})
    try:
        if token.startswith(TOKEN_PREFIX):
            return _api_token_user(store, token)
        return _oidc_user(store, settings, token)
    except Unauthorized as error:
        client = request.client.host if request.client else "unknown"
        log.warning("failed sign-in from %s: %s", client, error.detail)
        raise


# Recently seen tokens, so that a burst of requests does not look each one up again; a revoked
# token stops working within this many seconds.
TOKEN_CACHE_SECONDS = 10.0
_token_cache: dict[str, tuple[float, dict[str, Any] | None]] = {}


def _token_record(store: Store, token_hash: str) -> dict[str, Any] | None:
    now = time.monotonic()
    cached = _token_cache.get(token_hash)
    if cached and now - cached[0] < TOKEN_CACHE_SECONDS:
        return cached[1]
    record = security_store.token_by_hash(store, token_hash)
    if len(_token_cache) > 10_000:
        _token_cache.clear()
    _token_cache[token_hash] = (now, record)
    return record


def forget_tokens() -> None:
    """Drop cached token look-ups (after a revocation made here)."""
    _token_cache.clear()


def _api_token_user(store: Store, token: str) -> User:
    record = _token_record(store, hash_token(token))
    if record is None or record.get("revoked"):
        raise Unauthorized("The token is unknown or revoked.", headers={"WWW-Authenticate": "Bearer"})
    if record["expires"] < datetime.now(timezone.utc).isoformat(timespec="seconds"):
        raise Unauthorized("The token has expired.", headers={"WWW-Authenticate": "Bearer"})
    return User(subject=f"token:{record['name']}", roles=frozenset({record["role"]}), person_id=record.get("person_id"))


@lru_cache(maxsize=4)
def _jwks(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=10)


def _oidc_user(store: Store, settings: Settings, token: str) -> User:
    if not (settings.oidc_issuer and settings.oidc_audience and settings.oidc_jwks_url):
        raise Unauthorized("Not an API token, and OpenID Connect sign-in is not configured.",
                           headers={"WWW-Authenticate": "Bearer"})
    try:
        key = _jwks(settings.oidc_jwks_url).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=["RS256", "ES256", "PS256"],
                                            audience=settings.oidc_audience, issuer=settings.oidc_issuer,
                                            options={"require": ["exp", "iss", "aud", "sub"]})
    except jwt.PyJWTError as error:
        raise Unauthorized(f"The sign-in token is not valid: {error}", headers={"WWW-Authenticate": "Bearer"}) from error
    names = tuple(str(claims[c]) for c in ("preferred_username", "upn", "email", "sub") if claims.get(c))
    claimed = claims.get(settings.oidc_role_claim) or []
    roles = {settings.oidc_role_map.get(str(value), str(value)) for value in (claimed if isinstance(claimed, list) else [claimed])}
    assigned, person_id = security_store.signed_in_subject(store, list(names))
    return User(subject=names[0], roles=frozenset({r for r in roles if r in ROLES} | assigned), person_id=person_id,
                names=names)


def route_permission(request: Request) -> str:
    route = request.scope.get("route")
    permission = (getattr(route, "openapi_extra", None) or {}).get("x-permission")
    if permission not in PERMISSIONS:
        # Every route must say what it needs; refusing beats guessing.
        raise Forbidden("This route declares no permission.")
    return permission


async def authorize(request: Request, store: Store, settings: Settings) -> User:
    user = authenticate(request, store, settings)
    permission = route_permission(request)
    if permission == "edit_owned" and not user.can("edit_catalog"):
        if not user.can("edit_owned"):
            raise Forbidden(f"Your role(s) {', '.join(sorted(user.roles)) or 'none'} may not change this.")
        target = await _owned_target(request, store)
        if not (user.person_id and target and security_store.owns(store, user.person_id, target)):
            raise Forbidden("You may change only what you or your unit own.")
    elif not user.can(permission):
        raise Forbidden(f"This needs permission '{permission}' ({PERMISSIONS[permission]}); "
                        f"your role(s): {', '.join(sorted(user.roles)) or 'none'}.")
    request.state.user = user
    return user


async def _owned_target(request: Request, store: Store) -> str | None:
    """The entity an owner's request would change: the path's id, or the resource of an ownership."""
    params = request.path_params
    if "entity_id" in params:
        return params["entity_id"]
    if "edge_id" in params:
        from catalog.store.relations import get_edge

        try:
            return get_edge(store, "OWNS", params["edge_id"]).get("resource_id")
        except CatalogError:
            return None
    try:
        body = await request.json()
    except ValueError:
        return None
    return body.get("resource_id") if isinstance(body, dict) else None
