"""Governance reports: the gaps an owner or auditor must see. Each returns plain rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from catalog.store.cypher import type_of, valid_at
from catalog.store.driver import Store
from ontology.catalog import ACCOUNTABLE_ROLES


def systems_without_owner(store: Store, as_of: date) -> list[dict[str, Any]]:
    return store.rows(
        f"MATCH (s:System) WHERE {valid_at('s')} WITH s, [(o)-[r:OWNS]->(s) WHERE {valid_at('r')} | r.role] AS roles "
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
        f"MATCH (i:Integration) WHERE {valid_at('i')} AND NOT EXISTS {{ MATCH (o)-[r:OWNS]->(i) WHERE {valid_at('r')} }} "
        "RETURN i.id AS id, i.name AS name, i.mechanism AS mechanism, i.status AS status, "
        "head([(s)-[:SENDS]->(i) | s.name]) AS source_system, head([(i)-[:RECEIVES]->(t) | t.name]) AS target_system "
        "ORDER BY i.name, i.id", as_of=as_of.isoformat())


def stale(store: Store, seen_before: str) -> list[dict[str, Any]]:
    """Harvested facts no source has confirmed since `seen_before` (manual entries never go stale,
    nor do facts a harvest closed: they are kept as history, not claimed any more)."""
    return store.rows(
        "CALL { MATCH (n:Entity) WHERE n.source <> 'manual' AND n.last_seen < $before AND n.closed IS NULL "
        f"  RETURN 'node' AS kind, n.id AS id, {type_of('n')} AS type, n.name AS name, n.source AS source, n.last_seen AS last_seen "
        "  UNION MATCH (a)-[r]->(b) WHERE r.source <> 'manual' AND r.last_seen < $before AND r.closed IS NULL "
        "  RETURN 'edge' AS kind, coalesce(r.id, a.id + '->' + b.id) AS id, type(r) AS type, a.name + ' → ' + b.name AS name, "
        "  r.source AS source, r.last_seen AS last_seen } "
        "RETURN kind, id, type, name, source, last_seen ORDER BY last_seen, kind, id LIMIT 100000",
        before=seen_before)


# The governance register: processing activities, agreements, risk assessments, lifecycle.

def _in_force(variable: str) -> str:
    """True when the agreement holds on $as_of (open ends count as always)."""
    return (f"({variable}.start_date IS NULL OR {variable}.start_date <= $as_of) AND "
            f"({variable}.end_date IS NULL OR {variable}.end_date >= $as_of)")


# A system not retired processes personal data when it holds personal data or a processing
# activity not ended uses it.
_PROCESSES_PERSONAL_DATA = ("coalesce(s.lifecycle, '') <> 'retired' AND "
                            "(EXISTS { MATCH (s)-[:HOLDS]->(:Dataset {personal_data: true}) } "
                            "OR EXISTS { MATCH (p:ProcessingActivity)-[:PROCESSED_IN]->(s) "
                            "WHERE coalesce(p.status, '') <> 'ended' })")


def processing_activities(store: Store) -> list[dict[str, Any]]:
    """Every processing activity with its controller, unit, systems and datasets by name."""
    return store.rows(
        "MATCH (p:ProcessingActivity) "
        "RETURN p {.*} AS activity, head([(p)-[:HAS_CONTROLLER]->(c) | c {.name, .orgnr}]) AS controller, "
        "[(p)-[:HAS_JOINT_CONTROLLER]->(j) | j.name] AS joint_controllers, "
        "head([(p)-[:MANAGED_BY]->(u) | u.name]) AS responsible_unit, "
        "[(p)-[:PROCESSED_IN]->(s) | s.name] AS systems, [(p)-[:PROCESSES]->(d) | d.name] AS datasets "
        "ORDER BY p.name, p.id")


def processing_without_legal_basis(store: Store, special_categories: list[str]) -> list[dict[str, Any]]:
    """Processing activities in use without an art. 6 basis, or with special categories and no
    art. 9 condition."""
    return store.rows(
        "MATCH (p:ProcessingActivity) WHERE coalesce(p.status, '') <> 'ended' "
        "WITH p, [c IN coalesce(p.personal_data_categories, []) WHERE c IN $special] AS special "
        "WITH p, special, [field IN [CASE WHEN p.art6_basis IS NULL THEN 'art6_basis' END, "
        "  CASE WHEN size(special) > 0 AND p.art9_condition IS NULL THEN 'art9_condition' END] "
        "  WHERE field IS NOT NULL] AS missing WHERE size(missing) > 0 "
        "RETURN p.id AS id, p.name AS name, p.status AS status, head([(p)-[:MANAGED_BY]->(u) | u.name]) AS responsible_unit, "
        "p.art6_basis AS art6_basis, special AS special_categories, missing ORDER BY p.name, p.id",
        special=special_categories)


def personal_data_outside_eea(store: Store, as_of: date, eea: list[str]) -> list[dict[str, Any]]:
    """Systems processing personal data with a way out of the EEA, each with the path that shows it:
    where it or its personal data are stored, its vendor's country, a subprocessor of an
    agreement in force covering it, or an integration carrying personal data to a system stored
    outside the EEA."""
    return store.rows(
        f"MATCH (s:System) WHERE {_PROCESSES_PERSONAL_DATA} CALL {{ "
        "  WITH s MATCH (s)-[:STORED_IN]->(l:StorageLocation) WHERE l.in_eea = false "
        "  RETURN 'storage' AS how, l.country AS country, [s.name, 'STORED_IN', l.name + ' (' + l.country + ')'] AS path "
        "  UNION WITH s MATCH (s)-[:HOLDS]->(d:Dataset {personal_data: true})-[:STORED_IN]->(l:StorageLocation) "
        "  WHERE l.in_eea = false "
        "  RETURN 'storage' AS how, l.country AS country, [s.name, 'HOLDS', d.name, 'STORED_IN', l.name + ' (' + l.country + ')'] AS path "
        "  UNION WITH s WITH s WHERE s.vendor_country IS NOT NULL AND NOT s.vendor_country IN $eea "
        "  RETURN 'vendor' AS how, s.vendor_country AS country, [s.name, 'vendor', coalesce(s.vendor, '?') + ' (' + s.vendor_country + ')'] AS path "
        "  UNION WITH s MATCH (a:Agreement)-[:COVERS]->(s), (a)-[:AGREED_WITH]->(o:Organization) "
        f"  WHERE {_in_force('a')} AND o.country IS NOT NULL AND NOT o.country IN $eea "
        "  RETURN 'vendor' AS how, o.country AS country, [s.name, 'COVERED_BY', a.name, 'AGREED_WITH', o.name + ' (' + o.country + ')'] AS path "
        "  UNION WITH s MATCH (a:Agreement)-[:COVERS]->(s), (a)-[:HAS_SUBPROCESSOR]->(o:Organization) "
        f"  WHERE {_in_force('a')} AND o.country IS NOT NULL AND NOT o.country IN $eea "
        "  RETURN 'subprocessor' AS how, o.country AS country, "
        "  [s.name, 'COVERED_BY', a.name, 'HAS_SUBPROCESSOR', o.name + ' (' + o.country + ')'] AS path "
        "  UNION WITH s MATCH (s)-[:SENDS]->(i:Integration)-[:RECEIVES]->(t:System)-[:STORED_IN]->(l:StorageLocation) "
        f"  WHERE l.in_eea = false AND {valid_at('i')} AND EXISTS {{ MATCH (i)-[:CARRIES]->(:Dataset {{personal_data: true}}) }} "
        "  RETURN 'integration' AS how, l.country AS country, "
        "  [s.name, 'SENDS', i.id, 'RECEIVES', t.name, 'STORED_IN', l.name + ' (' + l.country + ')'] AS path } "
        "RETURN s.id AS system_id, s.name AS system, how, country, path ORDER BY s.name, s.id, how, path",
        as_of=as_of.isoformat(), eea=eea)


def processing_without_dpa(store: Store, as_of: date, kind: str) -> list[dict[str, Any]]:
    """Systems processing personal data that no data processing agreement in force covers."""
    return store.rows(
        f"MATCH (s:System) WHERE {_PROCESSES_PERSONAL_DATA} "
        f"AND NOT EXISTS {{ MATCH (a:Agreement {{kind: $kind}})-[:COVERS]->(s) WHERE {_in_force('a')} }} "
        "RETURN s.id AS id, s.name AS name, s.vendor AS vendor, s.hosting AS hosting, "
        "[(a:Agreement {kind: $kind})-[:COVERS]->(s) | a {.id, .name, .start_date, .end_date}] AS agreements "
        "ORDER BY s.name, s.id",
        as_of=as_of.isoformat(), kind=kind)


def agreements_ending(store: Store, as_of: date, until: date) -> list[dict[str, Any]]:
    """Agreements whose end or notice date falls between the two days."""
    return store.rows(
        "MATCH (a:Agreement) WHERE (a.end_date >= $as_of AND a.end_date <= $until) "
        "OR (a.notice_date >= $as_of AND a.notice_date <= $until) "
        "RETURN a.id AS id, a.name AS name, a.kind AS kind, a.reference AS reference, "
        "head([(a)-[:AGREED_WITH]->(o) | o.name]) AS counterpart, a.notice_date AS notice_date, "
        "a.end_date AS end_date, [(a)-[:COVERS]->(s) | s.name] AS systems ORDER BY a.name, a.id",
        as_of=as_of.isoformat(), until=until.isoformat())


def risk_assessment_status(store: Store) -> list[dict[str, Any]]:
    """Systems in use and processing activities not ended, each with its latest assessment done."""
    return store.rows(
        "CALL { MATCH (n:System) WHERE coalesce(n.lifecycle, '') <> 'retired' RETURN n "
        "  UNION MATCH (n:ProcessingActivity) WHERE coalesce(n.status, '') <> 'ended' RETURN n } "
        "WITH n, [(r:RiskAssessment)-[:ASSESSES]->(n) WHERE r.assessed_on IS NOT NULL | r] AS done "
        "WITH n, reduce(last = null, r IN done | CASE WHEN last IS NULL OR r.assessed_on > last.assessed_on "
        "  THEN r ELSE last END) AS last "
        f"RETURN n.id AS id, {type_of('n')} AS type, n.name AS name, last.id AS assessment, last.kind AS kind, "
        "last.assessed_on AS assessed_on, last.next_due AS next_due ORDER BY type, n.name, n.id")


def phasing_out(store: Store, as_of: date, until: date) -> list[dict[str, Any]]:
    """Systems not yet retired whose end-of-life day comes by `until`, with what they touch directly."""
    return store.rows(
        "MATCH (s:System) WHERE s.end_of_life <= $until AND coalesce(s.lifecycle, '') <> 'retired' "
        "RETURN s.id AS id, s.name AS name, s.end_of_life AS end_of_life, s.lifecycle AS lifecycle, "
        "head([(s)-[:REPLACED_BY]->(r) | r.name]) AS replaced_by, "
        f"[(s)-[:SENDS]->(i:Integration) WHERE {valid_at('i')} | i.name] + "
        f"[(i:Integration)-[:RECEIVES]->(s) WHERE {valid_at('i')} | i.name] AS integrations, "
        "[(s)-[:HOLDS]->(d) | d.name] AS datasets, "
        "[(p:ProcessingActivity)-[:PROCESSED_IN]->(s) | p.name] AS processing_activities "
        "ORDER BY s.end_of_life, s.name, s.id",
        as_of=as_of.isoformat(), until=until.isoformat())


def unit_scope(store: Store, unit_id: str) -> dict[str, Any] | None:
    """A unit, the units under it, and the people working in any of them; None when no such unit."""
    rows = store.rows(
        "MATCH (u:OrgUnit {id: $id}) OPTIONAL MATCH (sub:OrgUnit)-[:PART_OF*0..]->(u) "
        "WITH u, collect(DISTINCT sub.id) AS units "
        "RETURN u.name AS name, units, [(p:Person)-[:WORKS_IN]->(w:OrgUnit) WHERE w.id IN units | p.id] AS people",
        id=unit_id)
    return rows[0] if rows else None
