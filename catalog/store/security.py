"""Tokens, stored role assignments, and the ownership check behind owner-scoped editing."""

from __future__ import annotations

from typing import Any

from catalog.store.driver import Store
from catalog.store.schema import ENTITY


def save_token(store: Store, token: dict[str, Any]) -> bool:
    """Store a new token; False when the name is taken."""
    rows = store.execute("MERGE (t:ApiToken {name: $token.name}) ON CREATE SET t += $token, t.fresh = true "
                         "WITH t, t.fresh AS fresh REMOVE t.fresh RETURN fresh", token=token)
    return bool(rows[0]["fresh"])


def token_by_hash(store: Store, token_hash: str) -> dict[str, Any] | None:
    rows = store.rows("MATCH (t:ApiToken {token_hash: $hash}) RETURN t {.*} AS token", hash=token_hash)
    return rows[0]["token"] if rows else None


def list_tokens(store: Store) -> list[dict[str, Any]]:
    return [r["token"] for r in store.rows("MATCH (t:ApiToken) RETURN t {.*, token_hash: null} AS token ORDER BY t.name")]


def revoke_token(store: Store, name: str) -> bool:
    return bool(store.execute("MATCH (t:ApiToken {name: $name}) SET t.revoked = true RETURN t.name", name=name))


def signed_in_subject(store: Store, subjects: list[str]) -> tuple[set[str], str | None]:
    """For a signed-in user's names (UPN, e-mail, subject): the catalog roles assigned to them, and
    the catalog's person behind them (by UPN, e-mail or employee number). One query per request."""
    rows = store.rows(
        "CALL { MATCH (a:CatalogRoleAssignment) WHERE a.subject IN $s RETURN collect(a.role) AS roles } "
        "CALL { OPTIONAL MATCH (p:Person) WHERE p.upn IN $s OR p.email IN $s OR p.employee_id IN $s "
        "       RETURN p.id AS person ORDER BY person LIMIT 1 } "
        "RETURN roles, person", s=[s.lower() for s in subjects])
    return set(rows[0]["roles"]), rows[0]["person"]


def list_assignments(store: Store) -> list[dict[str, Any]]:
    return [r["a"] for r in store.rows("MATCH (a:CatalogRoleAssignment) RETURN a {.*} AS a ORDER BY a.subject, a.role")]


def assign_role(store: Store, assignment: dict[str, Any]) -> dict[str, Any]:
    return store.execute("MERGE (a:CatalogRoleAssignment {id: $a.id}) SET a += $a RETURN a {.*} AS a",
                         a=assignment)[0]["a"]


def unassign_role(store: Store, assignment_id: str) -> bool:
    return bool(store.execute("MATCH (a:CatalogRoleAssignment {id: $id}) DELETE a RETURN $id AS id", id=assignment_id))


def owns(store: Store, person_id: str, entity_id: str) -> bool:
    """Whether the person, or the unit they work in, holds an ownership role on the entity, on the
    system holding it (a dataset), or on the system an integration leaves from."""
    rows = store.rows(
        f"MATCH (n:{ENTITY} {{id: $entity}}) MATCH (p:Person {{id: $person}}) "
        "OPTIONAL MATCH (p)-[:WORKS_IN]->(unit:OrgUnit) "
        "WITH n, p, collect(unit) AS units WITH n, [p] + units AS holders "
        "RETURN any(h IN holders WHERE EXISTS { (h)-[:OWNS]->(n) } "
        "  OR EXISTS { (h)-[:OWNS]->(:System)-[:HOLDS]->(n) } "
        "  OR EXISTS { (h)-[:OWNS]->(:System)-[:SENDS]->(n) }) AS owns",
        entity=entity_id, person=person_id)
    return bool(rows and rows[0]["owns"])


def an_owner(store: Store) -> tuple[str, str] | None:
    """A person who owns a system, and that system: who the demo's owner token acts for."""
    rows = store.rows("MATCH (p:Person)-[:OWNS {role: 'systemeier'}]->(s:System) "
                      "RETURN p.id AS person, s.id AS system ORDER BY s.id, p.id LIMIT 1")
    return (rows[0]["person"], rows[0]["system"]) if rows else None
