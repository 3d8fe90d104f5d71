"""The FastAPI application: routers under /api/v1, health probes, problem+json errors."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from catalog.api import problems
from catalog.api.routes import export, harvest, queries, search
from catalog.api.routes.entities import entity_router
from catalog.api.routes.relations import relation_router
from catalog.settings import get_settings
from catalog.store.driver import Store
from catalog.store.schema import ensure_schema
from ontology import ONTOLOGY

API_PREFIX = "/api/v1"


def create_app(store: Store | None = None) -> FastAPI:
    """Build the app; tests pass their own store, otherwise it connects at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = store or Store.connect(get_settings())
        ensure_schema(app.state.store)
        yield
        if store is None:
            app.state.store.close()

    app = FastAPI(
        title="Data-ownership and integration catalog",
        version="0.1.0",
        description="Systems, datasets, integrations, owners and access for Norwegian municipalities and counties.",
        lifespan=lifespan,
    )
    problems.install(app)

    api = APIRouter(prefix=API_PREFIX)
    for node in ONTOLOGY.nodes:
        api.include_router(entity_router(node))
    for rel in ONTOLOGY.relationships:
        if rel.path:
            api.include_router(relation_router(rel))
    api.include_router(search.router)
    api.include_router(queries.router)
    api.include_router(harvest.router)
    api.include_router(export.router)
    app.include_router(api)

    @app.get("/healthz", tags=["health"], operation_id="healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], operation_id="readyz")
    def readyz(request: Request) -> JSONResponse:
        if request.app.state.store.ping():
            return JSONResponse({"status": "ready"})
        return problems.problem(503, "Not ready", "Neo4j cannot be reached.")

    return app
