"""The store the services work on: opened with its schema in place, and closed after use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from catalog.settings import Settings
from catalog.store.driver import Store
from catalog.store.schema import ensure_schema

__all__ = ["Store", "opened", "prepared"]


def prepared(store: Store) -> Store:
    ensure_schema(store)
    return store


@contextmanager
def opened(settings: Settings) -> Iterator[Store]:
    store = Store.connect(settings)
    try:
        yield prepared(store)
    finally:
        store.close()
