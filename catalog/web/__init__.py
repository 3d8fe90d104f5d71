"""The web interface: server-rendered pages over the same services as the API, in the same
process. `install` adds the pages, the session, the vendored assets and the offline API docs."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Receive, Scope, Send

from catalog.errors import CatalogError, InvalidInput
from catalog.settings import get_settings
from catalog.web import auth, editing, i18n, pages, pictures, workflows
from catalog.web.core import SignInNeeded, error_page

STATIC = Path(__file__).parent / "static"
VENDOR = "/static/vendor"
API_PREFIX = "/api/"


class PageSessions(SessionMiddleware):
    """Sessions belong to the pages (sign-in, CSRF); the API signs in by bearer token alone, so its
    requests pass by without a cookie parsed, checked or signed again."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIX):
            return await self.app(scope, receive, send)
        await super().__call__(scope, receive, send)


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith((API_PREFIX, "/openapi.json"))


def install(app: FastAPI, dev: bool = False) -> None:
    settings = get_settings()
    app.state.dev = dev
    app.add_middleware(PageSessions, secret_key=settings.session_secret or secrets.token_urlsafe(32),
                       session_cookie="catalog_session", same_site="lax", max_age=8 * 3600,
                       https_only=settings.public_base_url.startswith("https://"))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(auth.router)
    app.include_router(pictures.router)
    app.include_router(editing.router)
    app.include_router(workflows.router)
    app.include_router(pages.router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} — API",
                                   swagger_js_url=f"{VENDOR}/swagger-ui-dist/swagger-ui-bundle.js",
                                   swagger_css_url=f"{VENDOR}/swagger-ui-dist/swagger-ui.css",
                                   swagger_favicon_url=f"{VENDOR}/swagger-ui-dist/favicon-32x32.png")

    @app.get("/language/{locale}", include_in_schema=False)
    def switch_language(locale: str, next: str = "/") -> Response:
        response = RedirectResponse(auth.safe_next(next), status_code=303)
        if locale in i18n.LOCALES:
            response.set_cookie(i18n.LANGUAGE_COOKIE, locale, max_age=365 * 86400, samesite="lax", httponly=True)
        return response

    api_error = app.exception_handlers[CatalogError]
    api_invalid = app.exception_handlers[RequestValidationError]

    async def catalog_error(request: Request, error: CatalogError) -> Response:
        if not _is_page(request):
            return await api_error(request, error)
        if isinstance(error, SignInNeeded):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/signin?next={target}", status_code=303)
        return error_page(request, error)

    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        if not _is_page(request):
            return await api_invalid(request, error)
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]
        fields = ", ".join(str(e["loc"][-1]) for e in errors)
        return error_page(request, InvalidInput(f"Check these fields: {fields}.", errors=errors))

    app.add_exception_handler(CatalogError, catalog_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
