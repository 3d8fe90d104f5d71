"""Tokens, stored role assignments, and the ownership check behind owner-scoped editing."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from neo4j import ManagedTransaction

from catalog.store.cypher import ref_pattern, valid_at
from catalog.store.driver import Store
from catalog.store.schema import ENTITY
from ontology import ONTOLOGY
from ontology.catalog import EDITING_OWNERSHIP_ROLES, OWNED_THROUGH


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


def signed_in_subject(store: Store, subjects: list[str], upn: str | None) -> tuple[set[str], str | None]:
    """For a signed-in user's immutable subject and admin-set UPN: the catalog roles assigned to
    either, and the catalog's person with that UPN. One query per request."""
    rows = store.rows(
        "CALL { MATCH (a:CatalogRoleAssignment) WHERE a.subject IN $s RETURN collect(a.role) AS roles } "
        "CALL { OPTIONAL MATCH (p:Person) WHERE p.upn = $upn RETURN p.id AS person ORDER BY person LIMIT 1 } "
        "RETURN roles, person", s=[s.lower() for s in subjects], upn=upn)
    return set(rows[0]["roles"]), rows[0]["person"]


def list_assignments(store: Store) -> list[dict[str, Any]]:
    return [r["a"] for r in store.rows("MATCH (a:CatalogRoleAssignment) RETURN a {.*} AS a ORDER BY a.subject, a.role")]


def assign_role(store: Store, assignment: dict[str, Any]) -> dict[str, Any]:
    return store.execute("MERGE (a:CatalogRoleAssignment {id: $a.id}) SET a += $a RETURN a {.*} AS a",
                         a=assignment)[0]["a"]


def unassign_role(store: Store, assignment_id: str) -> bool:
    return bool(store.execute("MATCH (a:CatalogRoleAssignment {id: $id}) DELETE a RETURN $id AS id", id=assignment_id))


@cache
def _unowned_statement() -> str:
    """Which of $ids the person, or a unit they work in, does not hold an editing ownership of
    today: on the entity itself, or on the system it is owned through (OWNED_THROUGH)."""
    held = f"r.role IN $roles AND {valid_at('r')}"
    through = []
    for label, field in OWNED_THROUGH.items():
        ref = next(r for r in ONTOLOGY.node(label).refs if r.field == field)
        through.append(f"(n:{label} AND EXISTS {{ MATCH (h)-[r:OWNS]->(s) MATCH {ref_pattern(ref, 'n', 's')} "
                       f"WHERE {held} }})")
    return (
        f"UNWIND $ids AS target OPTIONAL MATCH (n:{ENTITY} {{id: target}}) "
        "OPTIONAL MATCH (p:Person {id: $person}) "
        "WITH target, n, [h IN [p] + [(p)-[:WORKS_IN]->(unit:OrgUnit) | unit] WHERE h IS NOT NULL] AS holders "
        f"WHERE n IS NULL OR NOT any(h IN holders WHERE EXISTS {{ MATCH (h)-[r:OWNS]->(n) WHERE {held} }} "
        f"OR {' OR '.join(through)}) "
        "RETURN DISTINCT target")


def _unowned_params(person_id: str, ids: list[str]) -> dict[str, Any]:
    return {"person": person_id, "ids": ids, "roles": list(EDITING_OWNERSHIP_ROLES), "as_of": date.today().isoformat()}


def owns(store: Store, person_id: str, entity_id: str) -> bool:
    """Whether the person may edit the entity as its owner (see _unowned_statement)."""
    return not store.rows(_unowned_statement(), **_unowned_params(person_id, [entity_id]))


def unowned(tx: ManagedTransaction, person_id: str, ids: list[str]) -> list[str]:
    """Inside a write: which of the ids the person may not edit as owner."""
    return [row["target"] for row in tx.run(_unowned_statement(), _unowned_params(person_id, ids))]


def revoke_dev_tokens(store: Store) -> int:
    """Revoke every token development mode made; returns how many were still live."""
    rows = store.execute("MATCH (t:ApiToken {dev: true}) WHERE NOT t.revoked SET t.revoked = true RETURN count(t) AS n")
    return rows[0]["n"]


def an_owner(store: Store) -> tuple[str, str] | None:
    """A person who owns a system, and that system: who the demo's owner token acts for."""
    rows = store.rows("MATCH (p:Person)-[:OWNS {role: 'systemeier'}]->(s:System) "
                      "RETURN p.id AS person, s.id AS system ORDER BY s.id, p.id LIMIT 1")
    return (rows[0]["person"], rows[0]["system"]) if rows else None
