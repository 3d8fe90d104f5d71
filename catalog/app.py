"""The application as it is served: the API and the web pages in one process. The two sit side
by side over the same services; this module puts them together."""

from __future__ import annotations

from fastapi import FastAPI

from catalog import web
from catalog.api import app as api
from catalog.services.connection import Store


def create_app(store: Store | None = None, dev: bool = False) -> FastAPI:
    """The API with the web pages; in development mode the sign-in page offers to pick a role."""
    app = api.create_app(store, dev_mode=dev)
    web.install(app, dev)
    return app
