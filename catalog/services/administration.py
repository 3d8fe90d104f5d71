"""API tokens, stored role assignments and the change history, for the administration routes."""

from catalog.store.history import Verdict, changes, verify
from catalog.store.security import assign_role, list_assignments, list_tokens, revoke_token, unassign_role
from catalog.store.driver import Store


def verify_history(store: Store) -> Verdict:
    """Whether the change history is as it was written: the first break in its hash chain, if any."""
    return verify(store)


__all__ = ["assign_role", "changes", "list_assignments", "list_tokens", "revoke_token", "unassign_role",
           "verify_history"]
