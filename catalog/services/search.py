"""Full-text search across the catalog, for routes and pages."""

from catalog.store.search import search

__all__ = ["search"]
