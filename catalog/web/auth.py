"""Browser sign-in: OpenID Connect authorization code flow with PKCE against the configured
issuer (Entra ID in production), a pasted API token, or — in development mode on loopback — a
role picked from a list. Whichever way, the session holds a bearer token that is checked on
every request exactly as the API checks it."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from catalog.errors import Forbidden, InvalidInput, Unauthorized
from catalog.security import ROLES, create_token, user_for_token
from catalog.services import entries
from catalog.settings import Settings, get_settings
from catalog.web.core import SESSION_TOKEN, View, check_csrf, signed_in_user

router = APIRouter(include_in_schema=False)


@cache
def _oauth(issuer: str, client_id: str, client_secret: str | None, scopes: str) -> OAuth:
    oauth = OAuth()
    oauth.register("catalog", client_id=client_id, client_secret=client_secret,
                   server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
                   client_kwargs={"scope": scopes, "code_challenge_method": "S256"})
    return oauth


def oidc_client(settings: Settings):
    if not (settings.oidc_issuer and settings.oidc_client_id):
        return None
    return _oauth(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret,
                  settings.oidc_scopes).catalog


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


@router.get("/signin")
def signin_page(request: Request, next: str = "/") -> Response:
    view = View(request, signed_in_user(request))
    dev = getattr(request.app.state, "dev", False)
    owners = entries.people_who_own(view.store) if dev else []
    return view.render("signin.html", next=safe_next(next), roles=ROLES, owners=owners,
                       oidc=oidc_client(get_settings()) is not None)


def _start_session(request: Request, token: str, next_path: str) -> RedirectResponse:
    request.session.clear()
    request.session[SESSION_TOKEN] = token
    return RedirectResponse(safe_next(next_path), status_code=303)


@router.post("/signin/dev")
async def dev_signin(request: Request) -> Response:
    if not getattr(request.app.state, "dev", False):
        raise Forbidden("Picking a role is for development mode only.")
    await check_csrf(request)
    form = await request.form()
    role, person = str(form.get("role", "")), form.get("person") or None
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}",
                           errors=[{"loc": ["body", "role"], "msg": "unknown role"}])
    stamp = datetime.now().strftime("%Y%m%d%H%M%S%f")
    token = create_token(request.app.state.store, f"dev-web-{role}-{stamp}", role, 1, str(person) if person else None,
                         actor="development-mode")
    return _start_session(request, token, str(form.get("next", "/")))


@router.post("/signin/token")
async def token_signin(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    token = str(form.get("token", "")).strip()
    try:
        user_for_token(request.app.state.store, get_settings(), token)
    except Unauthorized as error:
        return View(request, None).render("signin.html", status_code=401, next=safe_next(str(form.get("next", "/"))),
                                          roles=ROLES, owners=[], oidc=oidc_client(get_settings()) is not None,
                                          token_error=error.detail)
    return _start_session(request, token, str(form.get("next", "/")))


@router.get("/signin/oidc")
async def oidc_start(request: Request, next: str = "/") -> Response:
    client = oidc_client(get_settings())
    if client is None:
        raise Forbidden("OpenID Connect sign-in is not configured (CATALOG_OIDC_ISSUER, CATALOG_OIDC_CLIENT_ID).")
    request.session["next"] = safe_next(next)
    return await client.authorize_redirect(request, str(request.url_for("oidc_callback")))


@router.get("/signin/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    client = oidc_client(get_settings())
    if client is None:
        raise Forbidden("OpenID Connect sign-in is not configured.")
    try:
        answer: dict[str, Any] = await client.authorize_access_token(request)
    except OAuthError as error:
        raise Unauthorized(f"Sign-in was not completed: {error.description or error.error}") from error
    access_token = answer.get("access_token", "")
    # The access token is what the API accepts; checking it here refuses a user it would refuse.
    user_for_token(request.app.state.store, get_settings(), access_token)
    return _start_session(request, access_token, request.session.get("next", "/"))


@router.post("/signout")
async def signout(request: Request) -> Response:
    await check_csrf(request)
    request.session.clear()
    return RedirectResponse("/signin", status_code=303)
