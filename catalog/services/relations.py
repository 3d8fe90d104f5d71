"""Relationship resources (ownerships, access grants, memberships, role assignments) as routes
and pages read and write them; the store checks and records each write, as for entities."""

from catalog.store.relations import create_edge, delete_edge, get_edge, list_edges, update_edge

__all__ = ["create_edge", "delete_edge", "get_edge", "list_edges", "update_edge"]
