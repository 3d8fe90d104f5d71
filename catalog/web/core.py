"""What every page shares: the signed-in user (session or bearer token), the permission check,
CSRF, the language, and rendering a template."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from catalog.errors import CatalogError, Forbidden, Unauthorized
from catalog.security import User, allowed, require, route_permission, user_for_token
from catalog.settings import get_settings
from catalog.services.connection import Store
from catalog.web import i18n, labels
from ontology import ONTOLOGY

TEMPLATES = Path(__file__).parent / "templates"
ENVIRONMENT = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                          trim_blocks=True, lstrip_blocks=True)
SESSION_TOKEN = "token"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
NODE_BY_PATH = {node.path: node for node in ONTOLOGY.nodes}


class SignInNeeded(Unauthorized):
    """A page asked for by someone not signed in: they are sent to the sign-in page."""


def page(permission: str) -> dict[str, Any]:
    """Marks a page route with the permission it needs, as API routes are marked."""
    return {"x-permission": permission}


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> None:
    """A cookie-signed-in browser must prove a form came from our page; bearer tokens need not."""
    if request.method in SAFE_METHODS or request.headers.get("authorization"):
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded",
                                                                              "multipart/form-data")):
        sent = (await request.form()).get(CSRF_FIELD)
    expected = request.session.get(SESSION_CSRF)
    if not (expected and isinstance(sent, str) and secrets.compare_digest(sent, expected)):
        raise Forbidden("The form had expired or came from elsewhere; reload the page and try again.")


def signed_in_user(request: Request) -> User | None:
    header = request.headers.get("authorization", "")
    scheme, _, bearer = header.partition(" ")
    token = bearer if scheme.lower() == "bearer" and bearer else request.session.get(SESSION_TOKEN)
    if not token:
        return None
    try:
        return user_for_token(request.app.state.store, get_settings(), token)
    except Unauthorized:
        request.session.pop(SESSION_TOKEN, None)
        if header:
            raise
        return None


async def web_user(request: Request) -> User:
    """Every page's dependency: who is asking, and whether their role allows the page."""
    user = signed_in_user(request)
    if user is None:
        raise SignInNeeded("Sign in to see the catalog.")
    await check_csrf(request)
    require(request.app.state.store, user, route_permission(request), request.path_params.get("entity_id"))
    request.state.user = user
    return user


@dataclass
class View:
    """What a template needs besides its own data."""

    request: Request
    user: User | None

    @property
    def store(self) -> Store:
        return self.request.app.state.store

    @property
    def locale(self) -> str:
        return i18n.locale_of(self.request)

    @property
    def gettext(self) -> Callable[[str], str]:
        return i18n.translations(self.locale).gettext

    def can(self, permission: str, target: str | None = None) -> bool:
        return self.user is not None and allowed(self.store, self.user, permission, target)

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        translate = self.gettext

        def _(text: str, **values: Any) -> str:
            return translate(text) % values if values else translate(text)
        html = ENVIRONMENT.get_template(template).render(
            _=_, view=self, request=self.request, user=self.user, locale=self.locale, nodes=ONTOLOGY.nodes,
            csrf=csrf_token(self.request), type_name=lambda label: labels.type_name(label, self.locale, _),
            field_name=lambda name: labels.field_name(name, _), entity_url=entity_url, url=url_with,
            dev=getattr(self.request.app.state, "dev", False), **context)
        return HTMLResponse(html, status_code=status_code)


def entity_url(item: dict[str, Any] | None, label: str | None = None) -> str | None:
    if not item:
        return None
    node = next((n for n in ONTOLOGY.nodes if n.label == (label or item.get("type"))), None)
    return f"/{node.path}/{item['id']}" if node else None


def url_with(request: Request, **changes: Any) -> str:
    """This page's address with some query parameters changed (None removes one)."""
    params = {k: v for k, v in request.query_params.items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v is not None and v != ""})
    return f"{request.url.path}?{urlencode(params)}" if params else request.url.path


def error_page(request: Request, error: CatalogError) -> HTMLResponse:
    return View(request, getattr(request.state, "user", None)).render(
        "error.html", status_code=error.status, error=error)
