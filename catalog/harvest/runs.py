"""Harvest runs and conflicts as the API lists them."""

from __future__ import annotations

from typing import Any

from catalog.errors import NotFound
from catalog.store import harvest as harvest_store
from catalog.store.driver import Store


def list_runs(store: Store, source: str | None, status: str | None, limit: int, offset: int) -> dict[str, Any]:
    items, total = harvest_store.list_runs(store, source, status, limit, offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def get_run(store: Store, run_id: str) -> dict[str, Any]:
    run = harvest_store.get_run(store, run_id)
    if run is None:
        raise NotFound(f"No harvest run '{run_id}'.")
    return run


def list_conflicts(store: Store, source: str | None, entity_id: str | None, limit: int, offset: int) -> dict[str, Any]:
    items, total = harvest_store.list_conflicts(store, source, entity_id, limit, offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}
