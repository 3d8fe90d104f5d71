"""API tokens, stored role assignments and the change history, for the administration routes."""

from catalog.store.history import changes
from catalog.store.security import assign_role, list_assignments, list_tokens, revoke_token, unassign_role

__all__ = ["assign_role", "changes", "list_assignments", "list_tokens", "revoke_token", "unassign_role"]
