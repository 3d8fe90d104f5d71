"""Relationships that are resources of their own: ownerships, access grants, memberships,
role assignments. Each edge has a stable id made from its two ends and its key."""

from __future__ import annotations

from functools import cache
from typing import Any

from neo4j import ManagedTransaction

from catalog.errors import AlreadyExists, InvalidReference, NotFound
from catalog.store.cypher import label_test, summary
from catalog.store import flows, history
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

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        errors = []
        for field, node_id, labels in ((rel.source_field, source, rel.sources), (rel.target_field, target, rel.targets)):
            found = tx.run(f"MATCH (n:{ENTITY} {{id: $id}}) WHERE {label_test('n', labels)} RETURN n.id", id=node_id).single()
            if found is None:
                errors.append({"loc": ["body", field], "msg": f"no {' or '.join(labels)} with id '{node_id}'"})
        if errors:
            raise InvalidReference("; ".join(e["msg"] for e in errors) + ".", errors=errors)
        if tx.run(f"MATCH ()-[r:{rel.type} {{id: $id}}]->() RETURN r.id", id=edge).single():
            raise AlreadyExists(f"That {rel.path} entry exists already, with id '{edge}'; change it instead.")
        tx.run(
            f"MATCH (a:{ENTITY} {{id: $source}}), (b:{ENTITY} {{id: $target}}) "
            f"CREATE (a)-[r:{rel.type}]->(b) SET r = $props, r.id = $id, r.first_seen = $now, r.last_seen = $now, "
            f"r.source = '{MANUAL}', r.last_modified_by = $actor, r.version = 1",
            source=source, target=target, props=props, id=edge, now=now, actor=actor,
        )
        _refresh_flows(tx, rel_type, [source])
        created = _get(tx, rel_type, edge)
        history.record(tx, "create", edge, rel.type, actor, None, _record_of(created))
        return created

    return store.write(work)


def _record_of(edge: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in edge.items() if k not in ("source_node", "target_node")}


def update_edge(store: Store, rel_type: str, edge: str, props: dict[str, Any], actor: str) -> dict[str, Any]:
    rel = ONTOLOGY.rel(rel_type)

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        before = _get(tx, rel_type, edge)
        tx.run(f"MATCH ()-[r:{rel_type} {{id: $id}}]->() SET r += $props, r.version = r.version + 1, "
               "r.last_modified_by = $actor, r.last_seen = $now, r.manual_fields = reduce(acc = coalesce(r.manual_fields, []), "
               "k IN keys($props) | CASE WHEN k IN acc THEN acc ELSE acc + k END)",
               id=edge, props=props, actor=actor, now=now_iso())
        after = _get(tx, rel_type, edge)
        _refresh_flows(tx, rel_type, [after[rel.source_field]])
        history.record(tx, "update", edge, rel_type, actor, _record_of(before), _record_of(after))
        return after

    return store.write(work)


def delete_edge(store: Store, rel_type: str, edge: str, actor: str) -> None:
    def work(tx: ManagedTransaction) -> None:
        before = _get(tx, rel_type, edge)
        history.record(tx, "delete", edge, rel_type, actor, _record_of(before), None)
        tx.run(f"MATCH ()-[r:{rel_type} {{id: $id}}]->() DELETE r", id=edge)
        _refresh_flows(tx, rel_type, [before[ONTOLOGY.rel(rel_type).source_field]])

    store.write(work)


def _refresh_flows(tx: ManagedTransaction, rel_type: str, ends: list[str]) -> None:
    """Flow edges follow the facts they come from (none do from these types today)."""
    if rel_type in flows.FLOWS.base_types:
        flows.refresh(tx, ends)
