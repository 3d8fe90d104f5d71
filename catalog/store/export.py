"""What the DCAT-AP-NO export and its readiness report read."""

from __future__ import annotations

from typing import Any

from catalog.store.cypher import type_of
from catalog.store.driver import Store

CONTACT_ROLES = ["dataeier", "kontaktperson"]


def publisher(store: Store) -> dict[str, Any] | None:
    """The organisation the catalog describes: the one with the org units, else the first."""
    rows = store.rows("MATCH (o:Organization) RETURN o {.id, .name, .orgnr, .homepage} AS org, "
                      "COUNT { (o)<-[:PART_OF]-() } AS units ORDER BY units DESC, o.id LIMIT 1")
    return rows[0]["org"] if rows else None


def datasets(store: Store) -> list[dict[str, Any]]:
    return store.rows(
        "MATCH (d:Dataset) RETURN d {.*} AS dataset, "
        f"[(h)-[:HOLDS]->(d) | h {{.id, .name, .url, type: {type_of('h')}}}] AS holders, "
        "[(d)-[:HAS_FORMAT]->(f:Format) | f {.id, .name, .media_type, .file_type}] AS formats, "
        f"[(o)-[r:OWNS]->(d) WHERE r.role IN $roles | o {{.id, .name, type: {type_of('o')}, role: r.role, "
        "unit: head([(o)-[:WORKS_IN]->(u:OrgUnit) | u {.id, .name}])}] AS contacts "
        "ORDER BY d.name, d.id", roles=CONTACT_ROLES)


def fint_components(store: Store) -> list[dict[str, Any]]:
    return store.rows("MATCH (c:FintComponent) RETURN c {.*} AS component, "
                      "[(c)-[:HOLDS]->(d:Dataset) | d.id] AS datasets ORDER BY c.id")
