"""Governance reports: the gaps an owner or auditor must see. Each returns plain rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from catalog.store.cypher import type_of, valid_at
from catalog.store.driver import Store
from ontology.catalog import ACCOUNTABLE_ROLES


def systems_without_owner(store: Store, as_of: date) -> list[dict[str, Any]]:
    return store.rows(
        f"MATCH (s:System) WITH s, [(o)-[r:OWNS]->(s) WHERE {valid_at('r')} | r.role] AS roles "
        "WITH s, [role IN $required WHERE NOT role IN roles] AS missing WHERE size(missing) > 0 "
        "RETURN s.id AS id, s.name AS name, s.vendor AS vendor, s.lifecycle AS lifecycle, "
        "s.criticality AS criticality, missing AS missing_roles ORDER BY s.name, s.id",
        required=list(ACCOUNTABLE_ROLES), as_of=as_of.isoformat())


def personal_data_without_legal_basis(store: Store) -> list[dict[str, Any]]:
    return store.rows(
        "MATCH (d:Dataset) WHERE d.personal_data = true AND (d.legal_basis IS NULL OR trim(d.legal_basis) = '') "
        "RETURN d.id AS id, d.name AS name, coalesce(d.special_categories, false) AS special_categories, "
        "[(h)-[:HOLDS]->(d) | h.name] AS held_by ORDER BY d.name, d.id")


def data_outside_eea(store: Store, as_of: date) -> list[dict[str, Any]]:
    """Datasets stored outside the EEA: themselves, through the system holding them, or as a copy
    an integration carries to a system stored there."""
    return store.rows(
        "MATCH (d:Dataset) CALL { "
        "  WITH d MATCH (d)-[:STORED_IN]->(l:StorageLocation) WHERE l.in_eea = false "
        "  RETURN 'stored' AS how, null AS system, null AS integration, l "
        "  UNION WITH d MATCH (s:System)-[:HOLDS]->(d), (s)-[:STORED_IN]->(l:StorageLocation) WHERE l.in_eea = false "
        "  RETURN 'held' AS how, s AS system, null AS integration, l "
        "  UNION WITH d MATCH (i:Integration)-[:CARRIES]->(d), (i)-[:RECEIVES]->(s:System)-[:STORED_IN]->(l:StorageLocation) "
        f"  WHERE l.in_eea = false AND {valid_at('i')} RETURN 'copy' AS how, s AS system, i AS integration, l }} "
        "RETURN d.id AS id, d.name AS name, coalesce(d.personal_data, false) AS personal_data, how, "
        "system.id AS system_id, system.name AS system, integration.id AS integration, l.name AS location, "
        "l.country AS country ORDER BY d.name, d.id, how, system, location",
        as_of=as_of.isoformat())


def integrations_without_owner(store: Store, as_of: date) -> list[dict[str, Any]]:
    return store.rows(
        f"MATCH (i:Integration) WHERE NOT EXISTS {{ MATCH (o)-[r:OWNS]->(i) WHERE {valid_at('r')} }} "
        "RETURN i.id AS id, i.name AS name, i.mechanism AS mechanism, i.status AS status, "
        "head([(s)-[:SENDS]->(i) | s.name]) AS source_system, head([(i)-[:RECEIVES]->(t) | t.name]) AS target_system "
        "ORDER BY i.name, i.id", as_of=as_of.isoformat())


def stale(store: Store, seen_before: str) -> list[dict[str, Any]]:
    """Harvested facts no source has confirmed since `seen_before` (manual entries never go stale)."""
    return store.rows(
        "CALL { MATCH (n:Entity) WHERE n.source <> 'manual' AND n.last_seen < $before "
        f"  RETURN 'node' AS kind, n.id AS id, {type_of('n')} AS type, n.name AS name, n.source AS source, n.last_seen AS last_seen "
        "  UNION MATCH (a)-[r]->(b) WHERE r.source <> 'manual' AND r.last_seen < $before "
        "  RETURN 'edge' AS kind, coalesce(r.id, a.id + '->' + b.id) AS id, type(r) AS type, a.name + ' → ' + b.name AS name, "
        "  r.source AS source, r.last_seen AS last_seen } "
        "RETURN kind, id, type, name, source, last_seen ORDER BY last_seen, kind, id LIMIT 100000",
        before=seen_before)
