"""Relationships that are resources of their own: ownerships, access grants, memberships,
role assignments. Each edge has a stable id made from its two ends and its key."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from functools import cache
from typing import Any

from neo4j import ManagedTransaction

from catalog.errors import AlreadyExists, InvalidInput, InvalidReference, NotFound, PreconditionFailed
from catalog.store.cypher import label_test, summary
from catalog.store import history
from catalog.store.driver import Store
from catalog.store.entities import MANUAL
from catalog.store.ingest import now_iso
from catalog.store.schema import ENTITY
from ontology import ONTOLOGY, RelType
from ontology.records import edge_id


@cache
def _projection(rel_type: str) -> str:
    rel = ONTOLOGY.rel(rel_type)
    return (f"r {{.*, {rel.source_field}: a.id, {rel.target_field}: b.id, "
            f"source_node: {summary('a')}, target_node: {summary('b')}}}")


def _match(rel: RelType) -> str:
    return f"MATCH (a)-[r:{rel.type}]->(b) WHERE {label_test('a', rel.sources)} AND {label_test('b', rel.targets)}"


def get_edge(store: Store, rel_type: str, edge: str) -> dict[str, Any]:
    return store.read(_get, rel_type, edge)


def _get(tx: ManagedTransaction, rel_type: str, edge: str) -> dict[str, Any]:
    record = tx.run(f"MATCH (a)-[r:{rel_type} {{id: $id}}]->(b) RETURN {_projection(rel_type)} AS edge", id=edge).single()
    if record is None:
        raise NotFound(f"No {ONTOLOGY.rel(rel_type).path} entry with id '{edge}'.")
    return record["edge"]


def list_edges(store: Store, rel_type: str, filters: dict[str, Any], limit: int, offset: int) -> tuple[list[dict], int]:
    rel = ONTOLOGY.rel(rel_type)
    conditions, params = [], {}
    for name, value in filters.items():
        params[name] = value
        if name == rel.source_field:
            conditions.append(f"a.id = ${name}")
        elif name == rel.target_field:
            conditions.append(f"b.id = ${name}")
        else:
            conditions.append(f"r.{rel.prop(name).name} = ${name}")
    where = "".join(f" AND {c}" for c in conditions)

    def work(tx: ManagedTransaction) -> tuple[list[dict], int]:
        total = tx.run(f"{_match(rel)}{where} RETURN count(r) AS total", params).single()["total"]
        rows = tx.run(f"{_match(rel)}{where} WITH a, r, b ORDER BY a.id, b.id, r.id SKIP $offset LIMIT $limit "
                      f"RETURN {_projection(rel_type)} AS edge", params, offset=offset, limit=limit)
        return [row["edge"] for row in rows], total

    return store.read(work)


def create_edge(store: Store, rel_type: str, data: dict[str, Any], actor: str) -> dict[str, Any]:
    rel = ONTOLOGY.rel(rel_type)
    source, target = data[rel.source_field], data[rel.target_field]
    props = {p.name: data.get(p.name) for p in rel.props if data.get(p.name) is not None}
    edge = edge_id(rel.type, source, target, tuple(str(data.get(k)) for k in rel.key))
    now = now_iso()
    _check_interval(rel, props)

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        errors = []
        for field, node_id, labels in ((rel.source_field, source, rel.sources), (rel.target_field, target, rel.targets)):
            found = tx.run(f"MATCH (n:{ENTITY} {{id: $id}}) WHERE {label_test('n', labels)} RETURN n.id", id=node_id).single()
            if found is None:
                errors.append({"loc": ["body", field], "msg": f"no {' or '.join(labels)} with id '{node_id}'"})
        if errors:
            raise InvalidReference("; ".join(e["msg"] for e in errors) + ".", errors=errors)
        taken = tx.run(f"MATCH ()-[r:{rel.type} {{id: $id}}]->() RETURN r.id", id=edge).single()
        if taken and not rel.temporal:
            raise AlreadyExists(f"That {rel.path} entry exists already, with id '{edge}'; change it instead.")
        interval_id = edge
        if rel.temporal:
            _refuse_overlap(tx, rel, source, target, props, None)
            # Another interval of the same fact: an id of its own.
            interval_id = f"{edge}-{uuid.uuid4().hex[:12]}" if taken else edge
        tx.run(
            f"MATCH (a:{ENTITY} {{id: $source}}), (b:{ENTITY} {{id: $target}}) "
            f"CREATE (a)-[r:{rel.type}]->(b) SET r = $props, r.id = $id, r.first_seen = $now, r.last_seen = $now, "
            f"r.source = '{MANUAL}', r.last_modified_by = $actor, r.version = 1",
            source=source, target=target, props=props, id=interval_id, now=now, actor=actor,
        )
        # A person adding a fact they once removed takes the removal back.
        tx.run("MATCH (f:RemovedFact {id: $fact}) DELETE f", fact=edge)
        created = _get(tx, rel_type, interval_id)
        history.record(tx, "create", edge, rel.type, actor, None, _record_of(created))
        return created

    return store.write(work)


def _check_interval(rel: RelType, props: dict[str, Any]) -> None:
    start, end = props.get("valid_from"), props.get("valid_to")
    if rel.temporal and start and end and str(start) > str(end):
        raise InvalidInput(f"valid_from ({start}) is after valid_to ({end}).",
                           errors=[{"loc": ["body", "valid_from"], "msg": f"after valid_to ({end})"},
                                   {"loc": ["body", "valid_to"], "msg": f"before valid_from ({start})"}])


def _refuse_overlap(tx: ManagedTransaction, rel: RelType, source: str, target: str, props: dict[str, Any],
                    edge: str | None) -> None:
    """One pair holds one interval after another (a level raised, a group left and joined again);
    two intervals of the same fact may not overlap. Open ends reach as far as they go."""
    key = "".join(f" AND r.{name} = $props.{name}" for name in rel.key)
    other = tx.run(
        f"MATCH (a:{ENTITY} {{id: $source}})-[r:{rel.type}]->(b:{ENTITY} {{id: $target}}) "
        f"WHERE ($edge IS NULL OR r.id <> $edge){key} "
        "AND (r.valid_from IS NULL OR $props.valid_to IS NULL OR r.valid_from <= $props.valid_to) "
        "AND (r.valid_to IS NULL OR $props.valid_from IS NULL OR r.valid_to >= $props.valid_from) "
        "RETURN r.id AS id, r.valid_from AS start, r.valid_to AS end LIMIT 1",
        source=source, target=target, props={k: str(v) if v is not None else None for k, v in props.items()},
        edge=edge).single()
    if other:
        span = f"{other['start'] or '…'} – {other['end'] or '…'}"
        raise AlreadyExists(f"That {rel.path} entry overlaps '{other['id']}' ({span}); change that one, or give "
                            "dates that do not overlap it.",
                            errors=[{"loc": ["body", "valid_from"], "msg": f"overlaps '{other['id']}' ({span})"}])


def _record_of(edge: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in edge.items() if k not in ("source_node", "target_node")}


def _locked(tx: ManagedTransaction, rel_type: str, edge: str, expected_version: int | None) -> dict[str, Any]:
    """The edge, write-locked before its version is compared with the one the writer read (see
    entities._current): of two writers with the same ETag, one wins and the other gets 412."""
    tx.run(f"MATCH ()-[r:{rel_type} {{id: $id}}]->() SET r._lock = true REMOVE r._lock", id=edge).consume()
    current = _get(tx, rel_type, edge)
    if expected_version is not None and current.get("version") != expected_version:
        raise PreconditionFailed(f"{ONTOLOGY.rel(rel_type).path} entry '{edge}' has changed since version "
                                 f"{expected_version}; read it again and reapply your change.")
    return current


def update_edge(store: Store, rel_type: str, edge: str, props: dict[str, Any], actor: str,
                expected_version: int | None = None) -> dict[str, Any]:
    rel = ONTOLOGY.rel(rel_type)

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        before = _locked(tx, rel_type, edge, expected_version)
        if rel.temporal and ({"valid_from", "valid_to"} & set(props)):
            interval = {name: props.get(name, before.get(name)) for name in ("valid_from", "valid_to", *rel.key)}
            _check_interval(rel, interval)
            _refuse_overlap(tx, rel, before[rel.source_field], before[rel.target_field], interval, edge)
        tx.run(f"MATCH ()-[r:{rel_type} {{id: $id}}]->() SET r += $props, r.version = r.version + 1, "
               "r.last_modified_by = $actor, r.last_seen = $now, r.manual_fields = reduce(acc = coalesce(r.manual_fields, []), "
               "k IN keys($props) | CASE WHEN k IN acc THEN acc ELSE acc + k END)",
               id=edge, props=props, actor=actor, now=now_iso())
        after = _get(tx, rel_type, edge)
        history.record(tx, "update", edge, rel_type, actor, _record_of(before), _record_of(after))
        return after

    return store.write(work)


def delete_edge(store: Store, rel_type: str, edge: str, actor: str, expected_version: int | None = None) -> None:
    """A person's own relationship goes. One a source brought is remembered as removed, so that
    no harvest brings it back; a temporal one that held before today is closed (it held until
    yesterday) and kept, for the past."""
    rel = ONTOLOGY.rel(rel_type)

    def work(tx: ManagedTransaction) -> None:
        before = _locked(tx, rel_type, edge, expected_version)
        harvested = before.get("source") != MANUAL or bool(before.get("seen"))
        if not harvested:
            history.record(tx, "delete", edge, rel_type, actor, _record_of(before), None)
            tx.run(f"MATCH ()-[r:{rel_type} {{id: $id}}]->() DELETE r", id=edge)
            return
        source, target = before[rel.source_field], before[rel.target_field]
        fact = edge_id(rel.type, source, target, tuple(str(before.get(k)) for k in rel.key))
        tx.run("MERGE (f:RemovedFact {id: $fact}) SET f.type = $type, f.source_id = $source, f.target_id = $target, "
               "f.removed_by = $actor, f.removed_at = $now",
               fact=fact, type=rel.type, source=source, target=target, actor=actor, now=now_iso())
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        if rel.temporal and (before.get("valid_from") or "") <= yesterday:
            # It held until yesterday: the past keeps it, today no longer has it.
            tx.run(f"MATCH ()-[r:{rel_type} {{id: $id}}]->() SET r.seen = [], r.closed = $today, "
                   "r.valid_to = CASE WHEN r.valid_to IS NULL OR r.valid_to > $yesterday THEN $yesterday "
                   "ELSE r.valid_to END, r.version = r.version + 1, r.last_modified_by = $actor",
                   id=edge, today=date.today().isoformat(), yesterday=yesterday, actor=actor)
            history.record(tx, "close", edge, rel_type, actor, _record_of(before), _record_of(_get(tx, rel_type, edge)))
        else:
            history.record(tx, "delete", edge, rel_type, actor, _record_of(before), None)
            tx.run(f"MATCH ()-[r:{rel_type} {{id: $id}}]->() DELETE r", id=edge)

    store.write(work)
