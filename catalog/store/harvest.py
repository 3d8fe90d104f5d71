"""What the harvesting service needs from the store: identity look-ups, the dry-run diff,
stale facts and their paged cleanup, harvest runs and conflicts."""

from __future__ import annotations

from typing import Any

from catalog.store import flows, history
from catalog.store.cypher import type_of
from catalog.store.driver import Store
from catalog.store.ingest import label_props, now_iso
from catalog.store.schema import ENTITY
from ontology import ONTOLOGY
from ontology.records import NodeRecord, RelRecord

CLEANUP_PAGE = 2000
# A fact still held by a person is never removed by a connector.
_KEEP = ("x.source = 'manual' OR size(coalesce(x.manual_fields, [])) > 0")


def matches(store: Store, label: str, prop: str, values: list[Any]) -> dict[Any, str]:
    """Existing nodes of `label` whose `prop` equals (or, for lists, contains) one of the values."""
    node = ONTOLOGY.node(label)
    kind = next(p.kind for p in ONTOLOGY.all_props(node) if p.name == prop)
    test = f"value IN n.{prop}" if kind == "list" else f"n.{prop} = value"
    rows = store.rows(f"UNWIND $values AS value MATCH (n:{label}) WHERE {test} "
                      "RETURN value, min(n.id) AS id", values=values)
    return {row["value"]: row["id"] for row in rows}


def diff_nodes(store: Store, label: str, records: list[NodeRecord]) -> dict[str, int]:
    rows = [{"id": r.id, "props": label_props(label, r.props)} for r in records]
    result = store.rows(
        f"UNWIND $rows AS row OPTIONAL MATCH (x:{label} {{id: row.id}}) "
        "WITH row, x, [k IN keys(row.props) WHERE x IS NOT NULL AND NOT k IN coalesce(x.manual_fields, []) "
        "AND ((x[k] IS NULL) <> (row.props[k] IS NULL) OR x[k] <> row.props[k])] AS changed "
        "RETURN sum(CASE WHEN x IS NULL THEN 1 ELSE 0 END) AS created, "
        "sum(CASE WHEN x IS NOT NULL AND size(changed) > 0 THEN 1 ELSE 0 END) AS updated, "
        "sum(CASE WHEN x IS NOT NULL AND size(changed) = 0 THEN 1 ELSE 0 END) AS unchanged", rows=rows)[0]
    return result


def diff_rels(store: Store, rel_type: str, records: list[RelRecord]) -> dict[str, int]:
    rows = [{"id": r.id, "props": r.props} for r in records]
    return store.rows(
        f"UNWIND $rows AS row OPTIONAL MATCH ()-[x:{rel_type} {{id: row.id}}]->() "
        "WITH row, x, [k IN keys(row.props) WHERE x IS NOT NULL AND x.source <> 'manual' "
        "AND NOT k IN coalesce(x.manual_fields, []) AND ((x[k] IS NULL) <> (row.props[k] IS NULL) OR x[k] <> row.props[k])] AS changed "
        "RETURN sum(CASE WHEN x IS NULL THEN 1 ELSE 0 END) AS created, "
        "sum(CASE WHEN x IS NOT NULL AND size(changed) > 0 THEN 1 ELSE 0 END) AS updated, "
        "sum(CASE WHEN x IS NOT NULL AND size(changed) = 0 THEN 1 ELSE 0 END) AS unchanged", rows=rows)[0]


def claimed(store: Store, source: str, run_id: str | None = None, keep_ids: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Per type, how many facts this source has, and how many it no longer has: not seen in
    `run_id` (after a run) or not among `keep_ids` (for a dry run)."""
    gone = "NOT $mark IN x.seen" if run_id else "NOT x.id IN $keep"
    params = {"prefix": f"{source}|", "mark": f"{source}|{run_id}", "keep": keep_ids or []}
    nodes = store.rows(
        f"MATCH (x:{ENTITY}) WHERE any(s IN coalesce(x.seen, []) WHERE s STARTS WITH $prefix) "
        f"RETURN {type_of('x')} AS type, count(x) AS total, sum(CASE WHEN {gone} THEN 1 ELSE 0 END) AS gone", **params)
    edges = store.rows(
        "MATCH ()-[x]->() WHERE any(s IN coalesce(x.seen, []) WHERE s STARTS WITH $prefix) "
        f"RETURN type(x) AS type, count(x) AS total, sum(CASE WHEN {gone} THEN 1 ELSE 0 END) AS gone", **params)
    return {row["type"]: {"total": row["total"], "gone": row["gone"]} for row in nodes + edges}


def remove_stale(store: Store, source: str, run_id: str) -> int:
    """Withdraw this source's claim on every fact the run did not see, a page at a time; delete
    the facts no other source and no person still holds. Returns how many were deleted. Each page
    redraws the flow edges of what it deleted in its own transaction."""
    params = {"prefix": f"{source}|", "mark": f"{source}|{run_id}", "page": CLEANUP_PAGE,
              "base": sorted(flows.FLOWS.base_types)}
    deleted = 0
    for pattern, delete in (("(a)-[x]->(b)", "DELETE x"), (f"(x:{ENTITY})", "DETACH DELETE x")):
        guard = "" if delete == "DELETE x" else " AND NOT EXISTS { MATCH (x)-[r]-() WHERE r.source = 'manual' }"
        # A base relationship's flow edges are redrawn from one of its ends, a node's from itself.
        touched = "CASE WHEN type(x) IN $base THEN a.id END" if delete == "DELETE x" else "x.id"
        statement = (
            f"MATCH {pattern} WHERE any(s IN coalesce(x.seen, []) WHERE s STARTS WITH $prefix) AND NOT $mark IN x.seen "
            "WITH * LIMIT $page SET x.seen = [s IN x.seen WHERE NOT s STARTS WITH $prefix] "
            f"WITH *, size(x.seen) = 0 AND NOT ({_KEEP}){guard} AS orphan "
            f"WITH *, CASE WHEN orphan THEN {touched} END AS touched "
            f"CALL {{ WITH x, orphan WITH x WHERE orphan {delete} RETURN count(*) AS removed }} "
            "RETURN count(x) AS withdrawn, sum(removed) AS removed, collect(touched) AS touched")

        def page(tx) -> dict[str, Any]:
            row = tx.run(statement, params).single()
            flows.refresh(tx, row["touched"])
            return row.data()

        while True:
            row = store.write(page)
            deleted += row["removed"] or 0
            if row["withdrawn"] < CLEANUP_PAGE:
                break
    return deleted


def save_run(store: Store, run: dict[str, Any]) -> None:
    store.execute("MERGE (r:HarvestRun {id: $run.id}) SET r += $run", run=run)


def list_runs(store: Store, source: str | None, status: str | None, limit: int, offset: int) -> tuple[list[dict], int]:
    where = "WHERE ($source IS NULL OR r.source = $source) AND ($status IS NULL OR r.status = $status)"
    total = store.rows(f"MATCH (r:HarvestRun) {where} RETURN count(r) AS n", source=source, status=status)[0]["n"]
    runs = store.rows(f"MATCH (r:HarvestRun) {where} RETURN r {{.*}} AS run ORDER BY r.started DESC, r.id "
                      "SKIP $offset LIMIT $limit", source=source, status=status, offset=offset, limit=limit)
    return [row["run"] for row in runs], total


def get_run(store: Store, run_id: str) -> dict[str, Any] | None:
    rows = store.rows("MATCH (r:HarvestRun {id: $id}) RETURN r {.*} AS run", id=run_id)
    return rows[0]["run"] if rows else None


def record_conflicts(store: Store, source: str, run_id: str, conflicts: list[dict[str, Any]]) -> None:
    store.execute(
        "UNWIND $conflicts AS c MERGE (x:Conflict {id: $source + '|' + c.entity_id + '|' + c.field}) "
        "ON CREATE SET x.first_seen = $now "
        "SET x += c, x.source = $source, x.run_id = $run_id, x.last_seen = $now",
        conflicts=conflicts, source=source, run_id=run_id, now=now_iso())


def list_conflicts(store: Store, source: str | None, entity_id: str | None, limit: int, offset: int) -> tuple[list[dict], int]:
    # A conflict a person dismissed stays hidden until the source brings yet another value.
    where = ("WHERE ($source IS NULL OR c.source = $source) AND ($entity IS NULL OR c.entity_id = $entity) "
             "AND (c.dismissed_value IS NULL OR c.dismissed_value <> c.source_value)")
    params = {"source": source, "entity": entity_id}
    total = store.rows(f"MATCH (c:Conflict) {where} RETURN count(c) AS n", **params)[0]["n"]
    # Each with the type of the node it concerns (None for an edge), for redaction.
    rows = store.rows(f"MATCH (c:Conflict) {where} WITH c ORDER BY c.last_seen DESC, c.id SKIP $offset LIMIT $limit "
                      f"OPTIONAL MATCH (n:{ENTITY} {{id: c.entity_id}}) "
                      f"RETURN c {{.*, entity_type: {type_of('n')}}} AS conflict ORDER BY c.last_seen DESC, c.id",
                      **params, offset=offset, limit=limit)
    return [row["conflict"] for row in rows], total


def get_conflict(store: Store, conflict_id: str) -> dict[str, Any] | None:
    rows = store.rows("MATCH (c:Conflict {id: $id}) RETURN c {.*} AS conflict", id=conflict_id)
    return rows[0]["conflict"] if rows else None


def keep_manual_value(store: Store, conflict_id: str) -> bool:
    """The person's value stands and the disagreement is no longer listed."""
    return bool(store.execute("MATCH (c:Conflict {id: $id}) SET c.dismissed_value = c.source_value RETURN c.id",
                              id=conflict_id))


def take_source_value(store: Store, conflict: dict[str, Any], value: Any, actor: str) -> None:
    """Set the source's value and hand the field back to the source; the change is recorded."""
    def work(tx) -> None:
        found = tx.run(f"MATCH (x:{ENTITY} {{id: $id}}) RETURN x {{.*}} AS x, {type_of('x')} AS type",
                       id=conflict["entity_id"]).single()
        if found is None:
            return
        field = conflict["field"]
        tx.run(f"MATCH (x:{ENTITY} {{id: $id}}) SET x += $props, x.version = coalesce(x.version, 0) + 1, "
               "x.last_modified_by = $actor, "
               "x.manual_fields = [f IN coalesce(x.manual_fields, []) WHERE f <> $field]",
               id=conflict["entity_id"], props={field: value}, actor=actor, field=field)
        if found["type"] in flows.LABELS:
            flows.refresh(tx, [conflict["entity_id"]])
        history.record(tx, "update", conflict["entity_id"], found["type"], actor,
                       {field: found["x"].get(field)}, {field: value})
        tx.run("MATCH (c:Conflict {id: $id}) DELETE c", id=conflict["id"])

    store.write(work)
