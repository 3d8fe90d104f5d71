"""Tokens, stored role assignments, and the ownership check behind owner-scoped editing."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from neo4j import ManagedTransaction

from catalog.store import history
from catalog.store.cypher import ref_pattern, valid_at
from catalog.store.driver import Store
from catalog.store.schema import ENTITY
from ontology import ONTOLOGY
from ontology.catalog import EDITING_OWNERSHIP_ROLES, OWNED_THROUGH


def _shown(token: dict[str, Any]) -> dict[str, Any]:
    """A token as the history keeps it: without its hash."""
    return {k: v for k, v in token.items() if k != "token_hash"}


def save_token(store: Store, token: dict[str, Any], actor: str) -> bool:
    """Store a new token; False when the name is taken."""
    def work(tx: ManagedTransaction) -> bool:
        fresh = tx.run("MERGE (t:ApiToken {name: $token.name}) ON CREATE SET t += $token, t.fresh = true "
                       "WITH t, t.fresh AS fresh REMOVE t.fresh RETURN fresh", token=token).single()["fresh"]
        if fresh:
            history.record(tx, "create", token["id"], "ApiToken", actor, None, _shown(token))
        return bool(fresh)

    return store.write(work)


def token_by_hash(store: Store, token_hash: str) -> dict[str, Any] | None:
    rows = store.rows("MATCH (t:ApiToken {token_hash: $hash}) RETURN t {.*} AS token", hash=token_hash)
    return rows[0]["token"] if rows else None


def list_tokens(store: Store) -> list[dict[str, Any]]:
    return [r["token"] for r in store.rows("MATCH (t:ApiToken) RETURN t {.*, token_hash: null} AS token ORDER BY t.name")]


def _revoke(tx: ManagedTransaction, condition: str, actor: str, **params: Any) -> int:
    """Revoke the live tokens the condition picks, each revocation in the history."""
    revoked = tx.run(f"MATCH (t:ApiToken) WHERE {condition} AND NOT coalesce(t.revoked, false) SET t.revoked = true "
                     "RETURN t {.*, token_hash: null} AS token", params).data()
    for row in revoked:
        token = _shown(row["token"])
        history.record(tx, "update", token.get("id") or token["name"], "ApiToken", actor,
                       {**token, "revoked": False}, token)
    return len(revoked)


def revoke_token(store: Store, name: str, actor: str) -> bool:
    """Revoke a token; False when there is none by that name (revoking twice is no change)."""
    def work(tx: ManagedTransaction) -> bool:
        _revoke(tx, "t.name = $name", actor, name=name)
        return tx.run("MATCH (t:ApiToken {name: $name}) RETURN t.name", name=name).single() is not None

    return store.write(work)


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


def assign_role(store: Store, assignment: dict[str, Any], actor: str) -> dict[str, Any]:
    def work(tx: ManagedTransaction) -> dict[str, Any]:
        row = tx.run("OPTIONAL MATCH (old:CatalogRoleAssignment {id: $a.id}) WITH old {.*} AS before "
                     "MERGE (a:CatalogRoleAssignment {id: $a.id}) SET a += $a RETURN before, a {.*} AS a",
                     a=assignment).single()
        if row["before"] != row["a"]:
            history.record(tx, "update" if row["before"] else "create", assignment["id"], "CatalogRoleAssignment",
                           actor, row["before"], row["a"])
        return row["a"]

    return store.write(work)


def unassign_role(store: Store, assignment_id: str, actor: str) -> bool:
    def work(tx: ManagedTransaction) -> bool:
        row = tx.run("MATCH (a:CatalogRoleAssignment {id: $id}) WITH a, a {.*} AS before DELETE a RETURN before",
                     id=assignment_id).single()
        if row:
            history.record(tx, "delete", assignment_id, "CatalogRoleAssignment", actor, row["before"], None)
        return row is not None

    return store.write(work)


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
    return store.write(lambda tx: _revoke(tx, "t.dev = true", "development-mode"))


def an_owner(store: Store) -> tuple[str, str] | None:
    """A person who owns a system, and that system: who the demo's owner token acts for."""
    rows = store.rows("MATCH (p:Person)-[:OWNS {role: 'systemeier'}]->(s:System) "
                      "RETURN p.id AS person, s.id AS system ORDER BY s.id, p.id LIMIT 1")
    return (rows[0]["person"], rows[0]["system"]) if rows else None
