"""The FastAPI application: routers under /api/v1 behind sign-in, health probes, problem+json
errors, and the hardening every response gets."""

from __future__ import annotations

import threading
import uuid
from contextlib import asynccontextmanager, contextmanager
from typing import AsyncIterator, Iterator

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog.api import problems
from catalog.api.deps import signed_in
from catalog.api.routes import admin, export, harvest, queries, search, workflows
from catalog.api.routes.entities import entity_router
from catalog.api.routes.relations import relation_router
from catalog.context import serving
from catalog.security import PERMISSIONS, sign_in
from catalog.services import scheduler
from catalog.services.connection import Store, opened, prepared
from catalog.settings import get_settings
from ontology import ONTOLOGY

API_PREFIX = "/api/v1"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# API answers may load nothing; pages load only what the app serves itself (the API docs' page
# starts Swagger UI with an inline script).
API_CSP = "default-src 'none'; frame-ancestors 'none'"
WEB_CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
           "frame-ancestors 'none'")
DOCS_CSP = WEB_CSP + "; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"


@contextmanager
def scheduled(store: Store) -> Iterator[None]:
    """The scheduler beside the server, when enabled: each instance may run one, since leases make
    each scheduled run happen once."""
    stop = threading.Event()
    if get_settings().scheduler_enabled:
        threading.Thread(target=scheduler.run_forever, args=(store, get_settings(), stop), name="scheduler",
                         daemon=True).start()
    try:
        yield
    finally:
        stop.set()


def create_app(store: Store | None = None, dev_mode: bool = False) -> FastAPI:
    """Build the app; tests pass their own store, otherwise it connects at start-up. Development
    tokens work only in an app built with `dev_mode`."""
    settings = get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if store is not None:
            app.state.store = prepared(store)
            with scheduled(app.state.store):
                yield
            return
        with opened(get_settings()) as app.state.store, scheduled(app.state.store):
            yield

    app = FastAPI(
        title="Data-ownership and integration catalog",
        version="0.1.0",
        description="Systems, datasets, integrations, owners and access for Norwegian municipalities and counties. "
                    "Every /api/v1 route needs `Authorization: Bearer <token>`; each names the permission it "
                    "needs as `x-permission`.",
        lifespan=lifespan,
        # The interactive docs are served by catalog.app with the vendored Swagger UI, not a CDN's.
        docs_url=None,
    )
    app.state.dev_mode = dev_mode
    problems.install(app)

    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(signed_in)])
    for node in ONTOLOGY.nodes:
        api.include_router(entity_router(node))
    for rel in ONTOLOGY.relationships:
        if rel.path:
            api.include_router(relation_router(rel))
    for module in (search, queries, harvest, export, admin, workflows):
        api.include_router(module.router)
    app.include_router(api)
    _check_every_route_has_a_permission(app)

    @app.get("/healthz", tags=["health"], operation_id="healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], operation_id="readyz")
    def readyz(request: Request) -> JSONResponse:
        if request.app.state.store.ping():
            return JSONResponse({"status": "ready"})
        return problems.problem(503, "Not ready", "Neo4j cannot be reached.")

    app.add_middleware(Harden, max_request_bytes=settings.max_request_bytes)
    if settings.cors_origins:  # closed unless origins are configured
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["Authorization", "Content-Type", "If-Match"], expose_headers=["ETag"])
    return app


class Harden:
    """Every request: a request id (recorded with each change and in every error), security
    headers, the size limit counted on the bytes as they arrive, and sign-in for /api/v1 before
    any byte of the body is read.

    Plain ASGI rather than `@app.middleware("http")`, which costs a task and a body stream per
    request."""

    def __init__(self, app: ASGIApp, max_request_bytes: int):
        self.app = app
        self.max_request_bytes = max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers, path = Headers(scope=scope), scope["path"]
        request_id = (headers.get("x-request-id") or uuid.uuid4().hex)[:100]

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers.update(SECURITY_HEADERS)
                response_headers["X-Request-ID"] = request_id
                response_headers["Content-Security-Policy"] = (
                    API_CSP if path.startswith((API_PREFIX, "/openapi.json", "/healthz", "/readyz"))
                    else DOCS_CSP if path == "/docs" else WEB_CSP)
            await send(message)

        with serving(request_id):
            limit = self.max_request_bytes * (20 if path == f"{API_PREFIX}/import/rdf" else 1)
            length = headers.get("content-length")
            if length and (not length.isdigit() or int(length) > limit):
                return await _too_large(limit)(scope, receive, send_hardened)
            if (path == API_PREFIX or path.startswith(f"{API_PREFIX}/")) and scope["method"] != "OPTIONS":
                refusal = await _sign_in(scope)
                if refusal is not None:
                    return await refusal(scope, receive, send_hardened)
            received = 0

            async def receive_counted() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        # FastAPI passes an HTTPException raised while it reads the body on to
                        # the error handlers; the rest of the body is never read.
                        raise HTTPException(413, f"Requests may be at most {limit} bytes.")
                return message

            await self.app(scope, receive_counted, send_hardened)


def _too_large(limit: int) -> JSONResponse:
    return problems.problem(413, "Request too large", f"Requests may be at most {limit} bytes.")


async def _sign_in(scope: Scope) -> JSONResponse | None:
    """Authenticate from the headers alone; the routes' dependency then checks the permission."""
    app = scope["app"]
    try:
        scope.setdefault("state", {})["user"] = await sign_in(Request(scope), app.state.store, get_settings())
    except Exception as error:  # rendered as the error handlers would, never as a stack trace
        return problems.response_for(error)
    return None


def _check_every_route_has_a_permission(app: FastAPI) -> None:
    missing = [f"{sorted(route.methods)} {route.path}" for route in app.routes
               if isinstance(route, APIRoute) and route.path.startswith(API_PREFIX)
               and (route.openapi_extra or {}).get("x-permission") not in PERMISSIONS]
    if missing:
        raise RuntimeError(f"routes without a permission: {', '.join(missing)}")
