"""The edges effective access is made of, fetched a frontier at a time.

Holding edges lead from a principal towards what it can use: MEMBER_OF (into groups, nested),
HAS_ROLE and HAS_ACCESS into roles. Grant edges are HAS_ACCESS into systems, datasets and FINT
components; a holder (system or FINT component) passes its grants on to the datasets it holds.
Lineage adds where a dataset is carried: the systems integrations deliver it to, and the FINT
components they pass.
Only edges valid on $as_of count.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from catalog.store.cypher import summary, valid_at
from catalog.store.driver import Store
from catalog.store.schema import ENTITY
from ontology.catalog import ACCESS_LEVELS

_ACCESS_RELS = "MEMBER_OF|HAS_ROLE|HAS_ACCESS"
# A grant to a group states how it reaches the group's members (ontology GRANT_EXPANSIONS;
# transitive unless it says otherwise), so that every answer's path carries the rule; a grant
# held by anyone else reaches only its holder and has no such rule.
_EDGE = ("r {relationship: type(r), .id, .level, .valid_from, .valid_to, .granted_by, .purpose, "
         "expansion: CASE WHEN type(r) = 'HAS_ACCESS' AND startNode(r):Group THEN coalesce(r.expansion, 'transitive') END}")
_NODE = "{id: x.id, name: x.name, type: head([l IN labels(x) WHERE l <> 'Entity']), enabled: x.enabled}"
# The level an edge into a reached node gives: the node's own (its rank) or, into a resource or
# what holds it (rank -1), the grant's: its place in $levels, the least when unknown (as
# ontology.catalog.access_rank ranks it).
_RANK = ("CASE WHEN reached.rank >= 0 THEN reached.rank "
         "ELSE coalesce(head([i IN range(0, size($levels) - 1) WHERE $levels[i] = r.level]), 0) END")


def incoming(store: Store, ids: list[str], as_of: date) -> list[dict[str, Any]]:
    """Edges into the given nodes from groups and roles: what reaches them in one hop. People and
    service accounts are the leaves; `principals` counts and pages them in the database."""
    return store.rows(
        f"UNWIND $ids AS id MATCH (t:{ENTITY} {{id: id}})<-[r:{_ACCESS_RELS}]-(x) "
        f"WHERE (x:Group OR x:Role) AND {valid_at('r')} "
        f"RETURN id AS target, {_NODE} AS source, {_EDGE} AS edge",
        ids=ids, as_of=as_of.isoformat())


def principals(store: Store, reached: list[dict[str, Any]], as_of: date, include_disabled: bool, min_rank: int,
               offset: int, limit: int | None) -> dict[str, Any]:
    """People and service accounts with an edge into a reached node ({id, rank}), each at the highest
    level those edges give, ordered by name: the total and one page."""
    return store.rows(
        f"UNWIND $reached AS reached MATCH (:{ENTITY} {{id: reached.id}})<-[r:{_ACCESS_RELS}]-(x) "
        f"WHERE (x:Person OR x:ServiceAccount) AND {valid_at('r')} AND ($include_disabled OR x.enabled IS NULL OR x.enabled) "
        f"WITH x, max({_RANK}) AS rank WHERE rank >= $min_rank "
        f"WITH x, rank ORDER BY toLower(coalesce(x.name, '')), x.id "
        f"WITH collect({{node: {_NODE}, rank: rank}}) AS everyone "
        f"RETURN size(everyone) AS total, CASE WHEN $limit IS NULL THEN everyone[$offset..] "
        f"ELSE everyone[$offset..$offset + $limit] END AS page",
        reached=reached, as_of=as_of.isoformat(), include_disabled=include_disabled, min_rank=min_rank,
        offset=offset, limit=limit, levels=list(ACCESS_LEVELS))[0]


def principal_edges(store: Store, principal_ids: list[str], reached_ids: list[str], as_of: date) -> list[dict[str, Any]]:
    """The given principals' edges into reached nodes: the first hop of their explaining paths."""
    return store.rows(
        f"UNWIND $principals AS id MATCH (:{ENTITY} {{id: id}})-[r:{_ACCESS_RELS}]->(t) "
        f"WHERE t.id IN $reached AND {valid_at('r')} "
        f"RETURN id AS principal, t.id AS target, {_EDGE} AS edge",
        principals=principal_ids, reached=reached_ids, as_of=as_of.isoformat())


def outgoing(store: Store, ids: list[str], as_of: date) -> list[dict[str, Any]]:
    """Edges out of the given nodes: memberships, roles, grants, and datasets a granted holder holds."""
    return store.rows(
        f"UNWIND $ids AS id MATCH (s:{ENTITY} {{id: id}}) CALL {{ "
        f"  WITH s MATCH (s)-[r:{_ACCESS_RELS}]->(x) WHERE {valid_at('r')} "
        f"  RETURN x, {_EDGE} AS edge "
        f"  UNION WITH s MATCH (s)-[r:HOLDS]->(x:Dataset) WHERE s:System OR s:FintComponent "
        f"  RETURN x, {{relationship: 'HOLDS'}} AS edge }} "
        f"RETURN id AS source, {_NODE} AS target, edge",
        ids=ids, as_of=as_of.isoformat())


def holders(store: Store, dataset_ids: list[str]) -> list[dict[str, Any]]:
    """The systems and FINT components holding each dataset: their grants cover it."""
    return store.rows(
        f"UNWIND $ids AS id MATCH (h)-[:HOLDS]->(d:Dataset {{id: id}}) WHERE h:System OR h:FintComponent "
        f"RETURN id AS dataset, {summary('h')} AS holder", ids=dataset_ids)


def copies(store: Store, dataset_id: str, present_at: list[str], as_of: date) -> list[dict[str, Any]]:
    """Integrations valid on $as_of that carry the dataset out of systems where it is present, with
    where it goes: the system receiving it (`relationship` COPY_OF) and the FINT component it
    passes (VIA), whose clients read it there."""
    return store.rows(
        "MATCH (s:System)-[:SENDS]->(i:Integration)-[:CARRIES]->(:Dataset {id: $dataset}) "
        f"WHERE s.id IN $present AND {valid_at('i')} "
        "CALL { WITH i MATCH (i)-[:RECEIVES]->(t:System) RETURN t, 'COPY_OF' AS relationship "
        "UNION WITH i MATCH (i)-[:VIA]->(t:FintComponent) RETURN t, 'VIA' AS relationship } "
        f"RETURN s.id AS from_system, i {{.id, .name}} AS integration, {summary('t')} AS node, relationship",
        dataset=dataset_id, present=present_at, as_of=as_of.isoformat())


def derivatives(store: Store, dataset_id: str) -> list[dict[str, Any]]:
    """Datasets derived or copied from the dataset."""
    return store.rows(
        f"MATCH (d:Dataset)-[r:DERIVED_FROM]->(:Dataset {{id: $dataset}}) "
        f"RETURN {summary('d')} AS dataset, r.via AS via, coalesce(r.kind, 'declared') AS kind",
        dataset=dataset_id)
