"""Catalog entities (nodes) one at a time: get, list, create, update, delete.

Each write is one transaction that checks everything first (existence, unique values,
references) and only then writes, so a refused request leaves nothing behind.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from neo4j import ManagedTransaction

from catalog.errors import (AlreadyExists, Forbidden, HasDependants, InvalidInput, InvalidReference, NotFound,
                            PreconditionFailed)
from catalog.store.cypher import label_test, ref_pattern, summary, type_of, valid_at
from catalog.store import flows, history, security
from catalog.store.driver import Store
from catalog.store.ingest import now_iso
from catalog.store.schema import ENTITY
from ontology import ONTOLOGY, NodeType
from ontology.catalog import OWNED_THROUGH
from ontology.records import edge_id, slug

MANUAL = "manual"


@cache
def projection(label: str) -> str:
    """A map projection of a node with its refs, the nodes pointing back, and its owners."""
    node = ONTOLOGY.node(label)
    parts = [".*", f"type: '{label}'"]
    for ref in node.refs:
        comprehension = f"[{ref_pattern(ref)} WHERE {label_test('m', ref.targets)} | m.id]"
        parts.append(f"{ref.field}: {comprehension if ref.many else f'head({comprehension})'}")
    for referrer, ref in ONTOLOGY.referrers(label):
        if ref.reverse:
            back = ref_pattern(ref, this="m", other="n")
            parts.append(f"{ref.reverse}: [{back} WHERE m:{referrer.label} | {summary('m')}]")
    if label in ONTOLOGY.rel("OWNS").targets:
        parts.append(f"owners: [(o)-[r:OWNS]->(n) WHERE {valid_at('r')} | "
                     f"{{id: o.id, name: o.name, type: {type_of('o')}, role: r.role}}]")
    return "n {" + ", ".join(parts) + "}"


def _day(as_of: date | None = None) -> str:
    """The day the owners shown held their role: today unless asked of another day."""
    return (as_of or date.today()).isoformat()


def get_entity(store: Store, label: str, entity_id: str, as_of: date | None = None) -> dict[str, Any]:
    rows = store.rows(f"MATCH (n:{label} {{id: $id}}) RETURN {projection(label)} AS entity", id=entity_id,
                      as_of=_day(as_of))
    if not rows:
        raise NotFound(f"No {label} with id '{entity_id}'.")
    return rows[0]["entity"]


def _get(tx: ManagedTransaction, label: str, entity_id: str) -> dict[str, Any]:
    record = tx.run(f"MATCH (n:{label} {{id: $id}}) RETURN {projection(label)} AS entity", id=entity_id,
                    as_of=_day()).single()
    if record is None:
        raise NotFound(f"No {label} with id '{entity_id}'.")
    return record["entity"]


@dataclass(frozen=True)
class ListQuery:
    filters: dict[str, Any]
    ref_filters: dict[str, str]
    text: str | None = None
    sort: str = "name"
    descending: bool = False
    limit: int = 50
    offset: int = 0


def list_entities(store: Store, label: str, query: ListQuery) -> tuple[list[dict[str, Any]], int]:
    node = ONTOLOGY.node(label)
    conditions, params = [], {}
    for name, value in query.filters.items():
        prop = next(p for p in ONTOLOGY.all_props(node) if p.name == name)
        params[f"f_{name}"] = value
        conditions.append(f"$f_{name} IN n.{name}" if prop.kind == "list" else f"n.{name} = $f_{name}")
    for field, target in query.ref_filters.items():
        ref = next(r for r in node.refs if r.field == field)
        params[f"r_{field}"] = target
        conditions.append(f"EXISTS {{ MATCH {ref_pattern(ref)} WHERE m.id = $r_{field} }}")
    if query.text:
        params["text"] = query.text.lower()
        conditions.append("toLower(n.name) CONTAINS $text")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    order = f"n.{query.sort} {'DESC' if query.descending else 'ASC'}, n.id"

    def work(tx: ManagedTransaction) -> tuple[list[dict[str, Any]], int]:
        total = tx.run(f"MATCH (n:{label}) {where} RETURN count(n) AS total", params).single()["total"]
        items = tx.run(
            f"MATCH (n:{label}) {where} WITH n ORDER BY {order} SKIP $offset LIMIT $limit "
            f"RETURN {projection(label)} AS entity",
            params, offset=query.offset, limit=query.limit, as_of=_day(),
        )
        return [r["entity"] for r in items], total

    return store.read(work)


def make_id(node: NodeType, name: str) -> str:
    if not node.readable_ids:  # people's ids carry no name
        return f"{node.id_prefix}-{uuid.uuid4().hex[:12]}"
    return f"{node.id_prefix}-{slug(name) or uuid.uuid4().hex[:12]}"


def _split(node: NodeType, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    prop_names = {p.name for p in ONTOLOGY.all_props(node)}
    ref_names = {r.field for r in node.refs}
    return ({k: v for k, v in data.items() if k in prop_names},
            {k: v for k, v in data.items() if k in ref_names})


def _derive(node: NodeType, record: dict[str, Any]) -> dict[str, Any]:
    return {p.name: p.derive(record) for p in node.props if p.derive is not None}


def _check_unique(tx: ManagedTransaction, node: NodeType, props: dict[str, Any], entity_id: str) -> None:
    for prop in ONTOLOGY.all_props(node):
        value = props.get(prop.name)
        if prop.unique and value is not None:
            other = tx.run(f"MATCH (n:{node.label} {{{prop.name}: $value}}) WHERE n.id <> $id RETURN n.id AS id",
                           value=value, id=entity_id).single()
            if other:
                raise AlreadyExists(f"{node.label} '{other['id']}' already has {prop.name} '{value}'.",
                                    errors=[{"loc": ["body", prop.name], "msg": f"already used by '{other['id']}'"}])


def _check_refs(tx: ManagedTransaction, node: NodeType, entity_id: str, refs: dict[str, Any]) -> None:
    wanted = []
    for ref in node.refs:
        values = refs.get(ref.field)
        for target in (values if ref.many else [values]) if values is not None else []:
            if target == entity_id:
                raise InvalidInput(f"'{ref.field}' cannot point at the {node.label} itself.",
                                   errors=[{"loc": ["body", ref.field], "msg": "a node cannot refer to itself"}])
            wanted.append({"field": ref.field, "id": target, "labels": list(ref.targets)})
    if not wanted:
        return
    bad = tx.run(
        f"UNWIND $refs AS ref OPTIONAL MATCH (m:{ENTITY} {{id: ref.id}}) WITH ref, m "
        "WHERE m IS NULL OR none(l IN labels(m) WHERE l IN ref.labels) RETURN ref.field AS field, ref.id AS id, ref.labels AS labels",
        refs=wanted,
    ).data()
    if bad:
        errors = [{"loc": ["body", b["field"]], "msg": f"no {' or '.join(b['labels'])} with id '{b['id']}'"} for b in bad]
        raise InvalidReference("; ".join(e["msg"] for e in errors) + ".", errors=errors)


@cache
def _set_ref_statement(label: str, field: str) -> str:
    ref = next(r for r in ONTOLOGY.node(label).refs if r.field == field)
    arrow = ref_pattern(ref, other="m").replace("[:", "[r:")
    return f"""
MATCH (n:{label} {{id: $id}})
OPTIONAL MATCH {arrow} WHERE {label_test('m', ref.targets)} AND NOT m.id IN $targets
// A relationship a source brought, removed by a person, stays removed: no harvest brings it back.
FOREACH (_ IN CASE WHEN r.source <> '{MANUAL}' OR size(coalesce(r.seen, [])) > 0 THEN [1] ELSE [] END |
  MERGE (f:RemovedFact {{id: r.id}})
  SET f.type = type(r), f.source_id = startNode(r).id, f.target_id = endNode(r).id, f.removed_by = $actor,
      f.removed_at = $now)
DELETE r
WITH DISTINCT n
UNWIND $rows AS row
MATCH (m:{ENTITY} {{id: row.target}})
MERGE {arrow}
ON CREATE SET r.id = row.id, r.first_seen = $now, r.source = '{MANUAL}', r.version = 1, r.last_modified_by = $actor
SET r.last_seen = $now
"""


def _set_refs(tx: ManagedTransaction, node: NodeType, entity_id: str, refs: dict[str, Any], actor: str, now: str) -> None:
    for ref in node.refs:
        if ref.field not in refs:
            continue
        value = refs[ref.field]
        targets = list(value) if ref.many else ([value] if value is not None else [])
        source_target = (lambda t: (entity_id, t)) if ref.outgoing else (lambda t: (t, entity_id))
        rows = [{"target": t, "id": edge_id(ref.rel, *source_target(t))} for t in targets]
        tx.run(_set_ref_statement(node.label, ref.field), id=entity_id, targets=targets, rows=rows, actor=actor, now=now)


def create_entity(store: Store, label: str, data: dict[str, Any], actor: str) -> dict[str, Any]:
    node = ONTOLOGY.node(label)
    props, refs = _split(node, data)
    entity_id = data.get("id") or make_id(node, props["name"])
    manual_fields = [k for k, v in props.items() if v is not None]
    props.update(_derive(node, props))
    now = now_iso()

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        existing = tx.run(f"MATCH (n:{ENTITY} {{id: $id}}) RETURN {type_of('n')} AS type", id=entity_id).single()
        if existing:
            raise AlreadyExists(f"A {existing['type']} with id '{entity_id}' exists already; give another id.",
                                errors=[{"loc": ["body", "id"], "msg": "already in use"}])
        _check_unique(tx, node, props, entity_id)
        _check_refs(tx, node, entity_id, refs)
        tx.run(
            f"CREATE (n:{ENTITY}:{label}) SET n = $props, n.id = $id, n.first_seen = $now, n.last_seen = $now, "
            f"n.source = '{MANUAL}', n.last_modified_by = $actor, n.version = 1, n.manual_fields = $manual",
            props={k: v for k, v in props.items() if v is not None}, id=entity_id, now=now, actor=actor,
            manual=manual_fields,
        )
        _set_refs(tx, node, entity_id, refs, actor, now)
        if label in flows.LABELS:
            flows.refresh(tx, [entity_id])
        created = _get(tx, label, entity_id)
        history.record(tx, "create", entity_id, label, actor, None, _record_of(created, node))
        return created

    return store.write(work)


def _record_of(entity: dict[str, Any], node: NodeType) -> dict[str, Any]:
    """What a change record keeps of an entity: its properties and its own refs."""
    keep = {p.name for p in ONTOLOGY.all_props(node)} | {r.field for r in node.refs} | {"id", "source"}
    return {k: v for k, v in entity.items() if k in keep}


def update_entity(store: Store, label: str, entity_id: str, data: dict[str, Any], *, replace: bool,
                  actor: str, expected_version: int | None = None, confined_to: str | None = None) -> dict[str, Any]:
    """Replace (every writable field; absent means empty) or patch (only the fields given).
    `confined_to` (an owner's person id): a changed ref the entity is owned through must point at
    something that person owns too, so no owner moves a dataset or integration into another's system."""
    node = ONTOLOGY.node(label)
    if replace:
        writable = [p.name for p in ONTOLOGY.all_props(node) if p.derive is None]
        data = {**{name: None for name in writable}, **data}
    props, refs = _split(node, data)
    for prop in ONTOLOGY.all_props(node):
        if prop.required and prop.name in props and props[prop.name] is None:
            raise InvalidInput(f"'{prop.name}' is required and cannot be emptied.",
                               errors=[{"loc": ["body", prop.name], "msg": "required"}])
    for ref in node.refs:
        if ref.required and ref.field in refs and refs[ref.field] is None:
            raise InvalidInput(f"'{ref.field}' is required and cannot be emptied.",
                               errors=[{"loc": ["body", ref.field], "msg": "required"}])
    now = now_iso()

    # What a person set, as opposed to what the ontology derives from it.
    manual_fields = list(props)

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        current = _current(tx, label, entity_id, expected_version)
        before = _record_of(_get(tx, label, entity_id), node)
        if confined_to is not None:
            _check_move(tx, label, before, refs, confined_to)
        props.update(_derive(node, {**current, **props}))
        _check_unique(tx, node, props, entity_id)
        _check_refs(tx, node, entity_id, refs)
        tx.run(
            f"MATCH (n:{label} {{id: $id}}) SET n += $props, n.version = n.version + 1, n.last_modified_by = $actor, "
            "n.last_seen = $now, n.manual_fields = reduce(acc = coalesce(n.manual_fields, []), k IN $manual | "
            "CASE WHEN k IN acc THEN acc ELSE acc + k END)",
            id=entity_id, props=props, actor=actor, now=now, manual=manual_fields,
        )
        _set_refs(tx, node, entity_id, refs, actor, now)
        if label in flows.LABELS:
            flows.refresh(tx, [entity_id])
        updated = _get(tx, label, entity_id)
        history.record(tx, "update", entity_id, label, actor, before, _record_of(updated, node))
        return updated

    return store.write(work)


def _check_move(tx: ManagedTransaction, label: str, before: dict[str, Any], refs: dict[str, Any], person_id: str) -> None:
    field = OWNED_THROUGH.get(label)
    target = refs.get(field) if field else None
    if target is not None and target != before.get(field) and security.unowned(tx, person_id, [target]):
        raise Forbidden(f"You may move a {label} only into something you own too; you do not own '{target}'.",
                        errors=[{"loc": ["body", field], "msg": f"not yours: '{target}'"}])


def _current(tx: ManagedTransaction, label: str, entity_id: str, expected_version: int | None) -> dict[str, Any]:
    # The SET takes the node's write lock before the version is read, so of two writers holding
    # the same ETag the second reads the first one's version and is refused: no lost update.
    record = tx.run(f"MATCH (n:{label} {{id: $id}}) SET n._lock = true REMOVE n._lock RETURN n {{.*}} AS n",
                    id=entity_id).single()
    if record is None:
        raise NotFound(f"No {label} with id '{entity_id}'.")
    if expected_version is not None and record["n"].get("version") != expected_version:
        raise PreconditionFailed(f"{label} '{entity_id}' has changed since version {expected_version}; "
                                 "read it again and reapply your change.")
    return record["n"]


@cache
def _dependant_statements() -> tuple[str, ...]:
    """One query per dependent ref: which nodes cannot exist without the nodes in $ids."""
    statements = []
    for node in ONTOLOGY.nodes:
        for ref in node.refs:
            if ref.dependent:
                statements.append(
                    f"MATCH {ref_pattern(ref, this='d', other='m')} WHERE d:{node.label} AND m.id IN $ids "
                    f"RETURN DISTINCT {summary('d')} AS dependant")
    return tuple(statements)


_ATTACHED_EDGES = (
    # Flow edges are derived, not facts: they leave no history.
    f"MATCH (n:{ENTITY})-[r]-(m) WHERE n.id IN $ids AND NOT type(r) IN {[p.type for p in ONTOLOGY.projections]!r} "
    "WITH DISTINCT r, startNode(r) AS a, endNode(r) AS b "
    "RETURN coalesce(r.id, type(r) + ':' + a.id + '->' + b.id) AS id, type(r) AS type, "
    "r {.*, from: a.id, to: b.id} AS before ORDER BY id")


def delete_entity(store: Store, label: str, entity_id: str, *, cascade: bool, actor: str,
                  expected_version: int | None = None, confined_to: str | None = None) -> list[dict[str, Any]]:
    """Delete a node; its dependants (transitively) block the delete unless cascade is set.
    `confined_to` (an owner's person id): the cascade goes only over what that person owns too.
    Returns what was deleted besides the node itself."""

    def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
        _current(tx, label, entity_id, expected_version)
        dependants: dict[str, dict[str, Any]] = {}
        frontier = [entity_id]
        while frontier:
            found = [row["dependant"] for statement in _dependant_statements()
                     for row in tx.run(statement, ids=frontier)]
            fresh = [d for d in found if d["id"] not in dependants and d["id"] != entity_id]
            dependants.update({d["id"]: d for d in fresh})
            frontier = [d["id"] for d in fresh]
        if dependants and not cascade:
            listed = sorted(dependants.values(), key=lambda d: (d["type"], d["id"]))
            raise HasDependants(
                f"{len(listed)} node(s) depend on {label} '{entity_id}'; delete them first or repeat with ?cascade=true.",
                dependants=listed)
        blockers = security.unowned(tx, confined_to, sorted(dependants)) if confined_to and dependants else []
        if blockers:
            raise Forbidden(f"The cascade would delete what you do not own: {', '.join(blockers)}; "
                            "ask its owners, or an architect.",
                            blocking=[dependants[b] for b in blockers])
        ids = [entity_id, *dependants]
        gone = [history.change("delete", node["id"], node["type"], actor,
                               _record_of(_get(tx, node["type"], node["id"]), ONTOLOGY.node(node["type"])), None)
                for node in [{"id": entity_id, "type": label}, *dependants.values()]]
        # The edges the delete takes along are changes of their own, so their history ends too.
        gone += [history.change("delete", edge["id"], edge["type"], actor, edge["before"], None)
                 for edge in tx.run(_ATTACHED_EDGES, ids=ids)]
        tx.run(f"MATCH (n:{ENTITY}) WHERE n.id IN $ids DETACH DELETE n", ids=ids)
        flows.refresh(tx, ids)
        history.append(tx, gone)
        return list(dependants.values())

    return store.write(work)


def counts_per_type(store: Store) -> dict[str, int]:
    """How many nodes of each catalog type there are."""
    rows = store.rows(f"MATCH (n:{ENTITY}) RETURN {type_of('n')} AS type, count(n) AS total")
    return {row["type"]: row["total"] for row in rows}


def owned_by(store: Store, person_id: str) -> list[dict[str, Any]]:
    """What a person owns, directly or through the unit they work in, with their roles on it."""
    rows = store.rows(
        "MATCH (p:Person {id: $person}) OPTIONAL MATCH (p)-[:WORKS_IN]->(u:OrgUnit) "
        f"WITH p, collect(u) AS units UNWIND [p] + units AS h MATCH (h)-[r:OWNS]->(n) WHERE {valid_at('r')} "
        f"WITH n, collect(DISTINCT r.role) AS roles RETURN {summary('n')} AS entity, roles ORDER BY entity.type, entity.name",
        person=person_id, as_of=_day())
    return [{**row["entity"], "roles": sorted(row["roles"])} for row in rows]


def people_who_own(store: Store, limit: int) -> list[dict[str, Any]]:
    """People holding an ownership role themselves, with how many entries they own."""
    rows = store.rows(f"MATCH (p:Person)-[r:OWNS]->(n) WHERE {valid_at('r')} "
                      "RETURN p {.id, .name, .job_title} AS person, count(DISTINCT n) AS owned "
                      "ORDER BY owned DESC, person.name LIMIT $limit", limit=limit, as_of=_day())
    return [{**row["person"], "owned": row["owned"]} for row in rows]
