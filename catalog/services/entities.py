"""The catalog's entities as routes and pages read and write them.

The store checks every write against the ontology and records it in the history in the same
transaction, so nothing is added on the way; this module is the boundary routes and pages call,
so that they never reach into the store.
"""

from catalog.store.entities import ListQuery, create_entity, delete_entity, get_entity, list_entities, update_entity

__all__ = ["ListQuery", "create_entity", "delete_entity", "get_entity", "list_entities", "update_entity"]
