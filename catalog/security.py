"""Sign-in and authorisation, in one place.

A request carries `Authorization: Bearer <token>`: either an API token (made by an admin, stored
hashed) or an OpenID Connect access token (issuer, audience and JWKS configured; Entra ID works).
Roles come from the API token, from the OIDC token's claim (mapped by configuration), or from
role assignments stored in the catalog, matched on the user's immutable subject or admin-set UPN,
never on an e-mail address. Every /api/v1 route declares the permission it needs (`x-permission`
in the OpenAPI document); `authorize` enforces it, owner scope included.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import anyio
import httpx
import jwt
from cachetools import TTLCache
from fastapi import Request

from catalog.errors import CatalogError, Forbidden, Unauthorized
from catalog.settings import Settings
from catalog.store import security as security_store
from catalog.store.driver import Store
from ontology.catalog import EDITING_OWNERSHIP_ROLES

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


def create_token(store: Store, name: str, role: str, days: int, person_id: str | None = None,
                 dev: bool = False, actor: str = "command-line") -> str:
    """Make an API token and return it; only its hash is kept. A development token (`dev`) works
    only while the server runs in development mode."""
    if role not in ROLES:
        raise CatalogError(f"role must be one of {', '.join(ROLES)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    record = {"id": f"token-{name}", "name": name, "role": role, "person_id": person_id,
              "token_hash": hash_token(token), "created": now.isoformat(timespec="seconds"),
              "expires": (now + timedelta(days=days)).isoformat(timespec="seconds"), "revoked": False,
              "dev": dev or None}
    if not security_store.save_token(store, {k: v for k, v in record.items() if v is not None}, actor):
        raise CatalogError(f"a token named '{name}' exists already; revoke it or choose another name")
    return token


# Credentials longer than this are refused unread: an Entra ID access token is 1–3 KB, and a
# header of megabytes would otherwise be decoded on the event loop.
MAX_CREDENTIAL_CHARS = 8192


def _refused(detail: str) -> Unauthorized:
    return Unauthorized(detail, headers={"WWW-Authenticate": "Bearer"})


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if len(header) > MAX_CREDENTIAL_CHARS:
        raise _refused(f"The credential is longer than {MAX_CREDENTIAL_CHARS} characters; no token is that long.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _refused("Send 'Authorization: Bearer <token>': an API token or an OpenID Connect access token.")
    return token


def _dev_mode(request: Request) -> bool:
    app = request.scope.get("app")
    return bool(getattr(getattr(app, "state", None), "dev_mode", False))


def authenticate(request: Request, store: Store, settings: Settings) -> User:
    """Who sent the request. Blocking: a first OpenID Connect sign-in may fetch the provider's
    keys. The API signs in with `sign_in`, which runs that part off the event loop."""
    token = _bearer(request)
    try:
        return user_for_token(store, settings, token, _dev_mode(request))
    except Unauthorized as error:
        _log_refusal(request, error)
        raise


def user_for_token(store: Store, settings: Settings, token: str, dev_mode: bool = False) -> User:
    """The user behind a bearer token, whether it came in a header or a web session."""
    if token.startswith(TOKEN_PREFIX):
        return _api_token_user(store, token, dev_mode)
    return _oidc_user(store, settings, token)


async def sign_in(request: Request, store: Store, settings: Settings) -> User:
    """`authenticate`, with the OpenID Connect part (key fetch, signature check) on a worker thread."""
    token = _bearer(request)
    try:
        if token.startswith(TOKEN_PREFIX):
            # A token seen within the cache's lifetime costs no look-up; a look-up, which waits
            # on Neo4j (and on its retries when Neo4j is down), runs off the event loop.
            if _cached(hash_token(token)):
                return _api_token_user(store, token, _dev_mode(request))
            return await anyio.to_thread.run_sync(_api_token_user, store, token, _dev_mode(request))
        return await anyio.to_thread.run_sync(_oidc_user, store, settings, token)
    except Unauthorized as error:
        _log_refusal(request, error)
        raise


def _log_refusal(request: Request, error: Unauthorized) -> None:
    client = request.client.host if request.client else "unknown"
    log.warning("failed sign-in from %s: %s", client, error.detail)


# Recently seen tokens, so that a burst of requests does not look each one up again; a revoked
# token stops working within this many seconds.
TOKEN_CACHE_SECONDS = 10.0
_token_cache: TTLCache[str, dict[str, Any] | None] = TTLCache(maxsize=10_000, ttl=TOKEN_CACHE_SECONDS)
# The cache is read on the event loop and filled from worker threads.
_token_cache_lock = threading.Lock()


def _cached(token_hash: str) -> bool:
    with _token_cache_lock:
        return token_hash in _token_cache


def _token_record(store: Store, token_hash: str) -> dict[str, Any] | None:
    with _token_cache_lock:
        if token_hash in _token_cache:
            return _token_cache[token_hash]
    record = security_store.token_by_hash(store, token_hash)
    with _token_cache_lock:
        _token_cache[token_hash] = record
    return record


def forget_tokens() -> None:
    """Drop cached token look-ups (after a revocation made here)."""
    with _token_cache_lock:
        _token_cache.clear()


def _api_token_user(store: Store, token: str, dev_mode: bool = False) -> User:
    record = _token_record(store, hash_token(token))
    if record is None or record.get("revoked"):
        raise _refused("The token is unknown or revoked.")
    if record["expires"] < datetime.now(timezone.utc).isoformat(timespec="seconds"):
        raise _refused("The token has expired.")
    if record.get("dev") and not dev_mode:
        raise _refused("A development token works only while the server runs in development mode.")
    return User(subject=f"token:{record['name']}", roles=frozenset({record["role"]}), person_id=record.get("person_id"))


# The identity provider's signing keys. Fresh keys are kept for the configured lifetime (at most
# 15 minutes), so a key the provider removed stops being trusted; when the provider cannot be
# reached, the last keys it gave keep serving. Fetches wait a few seconds at most and are not
# repeated more often than KEY_RETRY_SECONDS, so tokens with made-up key ids cannot hammer it.
KEY_FETCH_TIMEOUT_SECONDS = 3.0
KEY_RETRY_SECONDS = 10.0
_last_good_keys: dict[str, dict[str, jwt.PyJWK]] = {}
_last_key_fetch: dict[str, float] = {}
_key_fetch_lock = threading.Lock()


@lru_cache(maxsize=4)
def _fresh_keys(lifetime: int) -> TTLCache[str, dict[str, jwt.PyJWK]]:
    return TTLCache(maxsize=8, ttl=lifetime)


def _fetch_keys(url: str) -> dict[str, jwt.PyJWK] | None:
    _last_key_fetch[url] = time.monotonic()
    try:
        response = httpx.get(url, timeout=KEY_FETCH_TIMEOUT_SECONDS)
        response.raise_for_status()
        key_set = jwt.PyJWKSet.from_dict(response.json())
    except (httpx.HTTPError, ValueError, jwt.PyJWTError) as error:
        log.warning("cannot fetch the identity provider's keys from %s: %s", url, error)
        return None
    keys = {key.key_id: key for key in key_set.keys if key.key_id}
    _last_good_keys[url] = keys
    return keys


def _signing_key(settings: Settings, kid: str) -> jwt.PyJWK:
    url = settings.oidc_jwks_url or ""
    fresh = _fresh_keys(settings.oidc_keys_seconds)
    with _key_fetch_lock:
        keys = fresh.get(url)
        if keys is None or kid not in keys:
            retry_after = min(KEY_RETRY_SECONDS, settings.oidc_keys_seconds)
            if time.monotonic() - _last_key_fetch.get(url, -retry_after) >= retry_after:
                fetched = _fetch_keys(url)
                if fetched is not None:
                    fresh[url] = keys = fetched
            keys = keys if keys is not None else _last_good_keys.get(url, {})
    if kid not in keys:
        raise _refused("The sign-in token is signed with a key the identity provider does not publish.")
    return keys[kid]


def _oidc_user(store: Store, settings: Settings, token: str) -> User:
    if not (settings.oidc_issuer and settings.oidc_audience and settings.oidc_jwks_url):
        raise _refused("Not an API token, and OpenID Connect sign-in is not configured.")
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str):
            raise _refused("The sign-in token names no signing key (kid).")
        claims: dict[str, Any] = jwt.decode(token, _signing_key(settings, kid).key,
                                            algorithms=["RS256", "ES256", "PS256"],
                                            audience=settings.oidc_audience, issuer=settings.oidc_issuer,
                                            options={"require": ["exp", "iss", "aud", "sub"]})
    except jwt.PyJWTError as error:
        raise _refused(f"The sign-in token is not valid: {error}") from error
    return user_from_claims(store, settings, claims)


def oidc_subject(claims: dict[str, Any]) -> str:
    """The identity provider's immutable name for the user: Entra ID's object id (else `sub`),
    within its tenant (`tid`) when the token names one."""
    subject = str(claims.get("oid") or claims["sub"]).lower()
    return f"{str(claims['tid']).lower()}/{subject}" if claims.get("tid") else subject


def user_from_claims(store: Store, settings: Settings, claims: dict[str, Any]) -> User:
    """The catalog user behind verified OpenID Connect claims. Roles and the catalog person are
    matched on the immutable subject and on `upn`, which only an administrator sets — never on
    `email` or `preferred_username`, which users and guest tenants can choose. Role claim values
    the role map does not list give no role."""
    subject = oidc_subject(claims)
    upn = str(claims["upn"]).lower() if claims.get("upn") else None
    claimed = claims.get(settings.oidc_role_claim) or []
    mapped = {settings.oidc_role_map.get(str(value)) for value in (claimed if isinstance(claimed, list) else [claimed])}
    assigned, person_id = security_store.signed_in_subject(store, [subject] + ([upn] if upn else []), upn)
    return User(subject=upn or f"oidc:{subject}", roles=frozenset({r for r in mapped if r in ROLES} | assigned),
                person_id=person_id, names=tuple(n for n in (upn, subject) if n))


def route_permission(request: Request) -> str:
    route = request.scope.get("route")
    permission = (getattr(route, "openapi_extra", None) or {}).get("x-permission")
    if permission not in PERMISSIONS:
        # Every route must say what it needs; refusing beats guessing.
        raise Forbidden("This route declares no permission.")
    return permission


async def authorize(request: Request, store: Store, settings: Settings) -> User:
    user = getattr(request.state, "user", None) or await sign_in(request, store, settings)
    permission = route_permission(request)
    scoped = permission == "edit_owned" and user.can("edit_owned") and not user.can("edit_catalog")
    require(store, user, permission, await _owned_target(request, store) if scoped else None)
    request.state.user = user
    return user


def require(store: Store, user: User, permission: str, target: str | None = None) -> None:
    """Refuse unless the user holds the permission; `edit_owned` also needs the user (or their
    unit) to own `target`, unless they may edit the whole catalog. API and web pages both ask here."""
    if permission == "edit_owned" and not user.can("edit_catalog"):
        if not user.can("edit_owned"):
            raise Forbidden(f"Your role(s) {', '.join(sorted(user.roles)) or 'none'} may not change this.")
        if not (user.person_id and target and security_store.owns(store, user.person_id, target)):
            raise Forbidden("You may change only what you or your unit own today, as "
                            f"{' or '.join(EDITING_OWNERSHIP_ROLES)}.")
    elif not user.can(permission):
        raise Forbidden(f"This needs permission '{permission}' ({PERMISSIONS[permission]}); "
                        f"your role(s): {', '.join(sorted(user.roles)) or 'none'}.")


def allowed(store: Store, user: User, permission: str, target: str | None = None) -> bool:
    try:
        require(store, user, permission, target)
    except Forbidden:
        return False
    return True


# Node types an owner may edit (what they own); the others are edited by architects.
OWNER_EDITABLE = frozenset({"System", "Dataset", "Integration"})


def edit_permission(label: str) -> str:
    return "edit_owned" if label in OWNER_EDITABLE else "edit_catalog"


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
