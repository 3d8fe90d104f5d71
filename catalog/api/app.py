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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog.api import problems
from catalog.api.deps import signed_in
from catalog.api.routes import admin, export, harvest, queries, search, workflows
from catalog.api.routes.entities import entity_router
from catalog.api.routes.relations import relation_router
from catalog.context import serving
from catalog.security import PERMISSIONS
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
# The interactive docs load their scripts from a CDN; every other response may load nothing.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


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


def create_app(store: Store | None = None) -> FastAPI:
    """Build the app; tests pass their own store, otherwise it connects at start-up."""
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
    )
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
    """Every response: the size limit, a request id (recorded with each change), security headers.

    Plain ASGI rather than `@app.middleware("http")`, which costs a task and a body stream per
    request."""

    def __init__(self, app: ASGIApp, max_request_bytes: int):
        self.app = app
        self.max_request_bytes = max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers, path = Headers(scope=scope), scope["path"]
        length = headers.get("content-length")
        limit = self.max_request_bytes * (20 if path == f"{API_PREFIX}/import/rdf" else 1)
        if length and (not length.isdigit() or int(length) > limit):
            response = problems.problem(413, "Request too large", f"Requests may be at most {limit} bytes.")
            return await response(scope, receive, send)
        request_id = (headers.get("x-request-id") or uuid.uuid4().hex)[:100]

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers.update(SECURITY_HEADERS)
                response_headers["X-Request-ID"] = request_id
                if not path.startswith(("/docs", "/redoc")):
                    response_headers["Content-Security-Policy"] = API_CSP
            await send(message)

        with serving(request_id):
            await self.app(scope, receive, send_hardened)


def _check_every_route_has_a_permission(app: FastAPI) -> None:
    missing = [f"{sorted(route.methods)} {route.path}" for route in app.routes
               if isinstance(route, APIRoute) and route.path.startswith(API_PREFIX)
               and (route.openapi_extra or {}).get("x-permission") not in PERMISSIONS]
    if missing:
        raise RuntimeError(f"routes without a permission: {', '.join(missing)}")
