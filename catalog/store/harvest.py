"""What the harvesting service needs from the store: identity look-ups, the dry-run diff,
stale facts and their paged cleanup, harvest runs and conflicts."""

from __future__ import annotations

from datetime import date
from typing import Any

from catalog.store import flows, history
from catalog.store.cypher import type_of
from catalog.store.driver import Store
from catalog.store.ingest import label_props, now_iso
from catalog.store.schema import ENTITY
from ontology import ONTOLOGY
from ontology.catalog import ONE_HOLDER_ROLES
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


def row_facts(store: Store, node_ids: list[str]) -> list[str]:
    """The ids of the facts that hang off these nodes: the nodes, every edge touching them, and
    what they reach in two steps outward (a system's datasets and their formats, its integrations
    and their targets). A run keeps these when the row that gave the node had a problem."""
    if not node_ids:
        return []
    rows = store.rows(
        f"MATCH (k:{ENTITY}) WHERE k.id IN $ids "
        "OPTIONAL MATCH (k)-[near]-() "
        "OPTIONAL MATCH (k)-[step]->(x)-[far]->(y) "
        "WITH collect(DISTINCT k.id) + collect(DISTINCT near.id) + collect(DISTINCT step.id) "
        "  + collect(DISTINCT x.id) + collect(DISTINCT far.id) + collect(DISTINCT y.id) AS ids "
        "UNWIND ids AS id RETURN DISTINCT id", ids=node_ids)
    return [row["id"] for row in rows if row["id"]]


def claimed(store: Store, source: str, run_id: str | None = None, keep_ids: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Per type, how many facts this source has, and how many it no longer has: not seen in
    `run_id` (after a run, apart from `keep_ids`) or not among `keep_ids` (for a dry run)."""
    gone = "NOT $mark IN x.seen AND NOT x.id IN $keep" if run_id else "NOT x.id IN $keep"
    params = {"prefix": f"{source}|", "mark": f"{source}|{run_id}", "keep": keep_ids or []}
    nodes = store.rows(
        f"MATCH (x:{ENTITY}) WHERE any(s IN coalesce(x.seen, []) WHERE s STARTS WITH $prefix) "
        f"RETURN {type_of('x')} AS type, count(x) AS total, sum(CASE WHEN {gone} THEN 1 ELSE 0 END) AS gone", **params)
    edges = store.rows(
        "MATCH ()-[x]->() WHERE any(s IN coalesce(x.seen, []) WHERE s STARTS WITH $prefix) "
        f"RETURN type(x) AS type, count(x) AS total, sum(CASE WHEN {gone} THEN 1 ELSE 0 END) AS gone", **params)
    return {row["type"]: {"total": row["total"], "gone": row["gone"]} for row in nodes + edges}


# Facts bounded in time: closed and kept when their source no longer has them, so that what held
# on a past day can still be answered.
_TEMPORAL_RELS = [rel.type for rel in ONTOLOGY.relationships if rel.temporal]
_DATED_NODES = [node.label for node in ONTOLOGY.nodes if any(p.name == "valid_to" for p in node.props)]


def _close_page(tx, pattern: str, decide: str, bounded: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """One page of a source's facts a run did not see: the claim withdrawn, each fact nobody
    else holds closed or deleted as `decide` says; returns those facts with what they were."""
    return tx.run(
        f"MATCH {pattern} WHERE any(s IN coalesce(x.seen, []) WHERE s STARTS WITH $prefix) AND NOT $mark IN x.seen "
        "AND NOT x.id IN $keep WITH x LIMIT $page SET x.seen = [s IN x.seen WHERE NOT s STARTS WITH $prefix] "
        f"WITH x, properties(x) AS before, {type_of('x') if pattern.startswith('(x') else 'type(x)'} AS type, "
        f"size(x.seen) = 0 AND NOT ({_KEEP}) AS orphan "
        f"WITH x, before, type, CASE WHEN NOT orphan THEN 'withdraw' ELSE {decide} END AS outcome "
        "FOREACH (_ IN CASE WHEN outcome = 'close' THEN [1] ELSE [] END | "
        f"  SET x.closed = $day, x.valid_to = CASE WHEN NOT ({bounded}) THEN x.valid_to "
        "  WHEN x.valid_to IS NULL OR x.valid_to > $day THEN $day ELSE x.valid_to END) "
        # Flow edges are redrawn from a node itself, or from the start of a relationship.
        f"WITH x, before, type, outcome, x.id AS id, properties(x) AS after, "
        f"{'x.id' if pattern.startswith('(x') else 'startNode(x).id'} AS touched "
        "CALL { WITH x, outcome WITH x WHERE outcome = 'delete' DETACH DELETE x } "
        "RETURN id, type, outcome, before, after, touched", params).data()


def close_stale(store: Store, source: str, run_id: str, day: str, keep_ids: list[str] | None = None) -> dict[str, int]:
    """Withdraw this source's claim on every fact the run did not see (apart from `keep_ids`), a
    page at a time. A fact no
    other source and no person still holds is closed on `day` and kept (temporal relationships,
    nodes that still have relationships, and what an integration that closes carries) or, when
    nothing of the past hangs on it, deleted. Each closed or deleted fact is a change record.
    Returns how many were closed and deleted."""
    params = {"prefix": f"{source}|", "mark": f"{source}|{run_id}", "page": CLEANUP_PAGE, "day": day,
              "temporal": _TEMPORAL_RELS, "dated": _DATED_NODES, "keep": keep_ids or []}
    edge_outcome = ("CASE WHEN type(x) IN $temporal OR any(i IN [startNode(x), endNode(x)] WHERE i:Integration "
                    "AND NOT $mark IN coalesce(i.seen, [])) THEN CASE WHEN type(x) IN $temporal THEN 'close' "
                    "ELSE 'keep' END ELSE 'delete' END")
    node_outcome = "CASE WHEN EXISTS { (x)--() } OR any(l IN labels(x) WHERE l IN $dated) THEN 'close' ELSE 'delete' END"
    counts = {"close": 0, "delete": 0}
    actor = f"harvest:{source}"
    steps = (("()-[x]->()", edge_outcome, "true"),
             (f"(x:{ENTITY})", node_outcome, "any(l IN labels(x) WHERE l IN $dated)"))
    for pattern, decide, bounded in steps:
        def work(tx) -> list[dict[str, Any]]:
            facts = _close_page(tx, pattern, decide, bounded, params)
            flows.refresh(tx, [f["touched"] for f in facts if f["outcome"] in ("close", "delete")
                               and (f["type"] in flows.FLOWS.base_types or f["type"] in flows.LABELS)])
            history.append(tx, [history.change(fact["outcome"], fact["id"], fact["type"], actor, fact["before"],
                                               fact["after"] if fact["outcome"] == "close" else None, run_id=run_id)
                                for fact in facts if fact["outcome"] in counts])
            return facts

        while True:
            facts = store.write(work)
            for fact in facts:
                counts[fact["outcome"]] = counts.get(fact["outcome"], 0) + 1
            if len(facts) < CLEANUP_PAGE:
                break
    return {"closed": counts["close"], "deleted": counts["delete"]}


def overruled(store: Store, rels: list[RelRecord]) -> tuple[set[str], list[dict[str, Any]]]:
    """Relationships a person's decision stands against: one the person removed (a RemovedFact),
    and an owner in a one-holder role other than the one a person set. Returns the ids not to
    load and the conflicts to list instead."""
    removed = store.rows("UNWIND $ids AS id MATCH (f:RemovedFact {id: id}) RETURN f {.*} AS fact",
                         ids=[r.id for r in rels])
    skip = {row["fact"]["id"] for row in removed}
    conflicts = [{"entity_id": f["id"], "field": f["type"], "manual_value": f"removed by {f['removed_by']}",
                  "source_value": f"{f['source_id']} → {f['target_id']}"} for f in (row["fact"] for row in removed)]
    owners = [{"id": r.id, "owner": r.source_id, "resource": r.target_id, "role": r.props.get("role")}
              for r in rels if r.type == "OWNS" and r.props.get("role") in ONE_HOLDER_ROLES and r.id not in skip]
    set_by_person = store.rows(
        "UNWIND $owners AS row MATCH (o:Entity)-[r:OWNS {role: row.role}]->(:Entity {id: row.resource}) "
        "WHERE r.source = 'manual' AND o.id <> row.owner AND r.closed IS NULL "
        "AND (r.valid_to IS NULL OR r.valid_to >= $today) "
        "AND NOT EXISTS { MATCH (:Entity {id: row.owner})-[same:OWNS {role: row.role}]->(:Entity {id: row.resource}) "
        "                 WHERE same.closed IS NULL } "
        "RETURN row, collect(o.id) AS holders", owners=owners, today=date.today().isoformat())
    for found in set_by_person:
        row = found["row"]
        skip.add(row["id"])
        conflicts.append({"entity_id": row["resource"], "field": f"owner:{row['role']}",
                          "manual_value": ", ".join(sorted(found["holders"])), "source_value": row["owner"]})
    return skip, conflicts


def purge_closed(store: Store, before: str, actor: str) -> int:
    """Remove, on purpose, the facts whose interval ended before the day (and nodes a harvest closed
    before it that nothing hangs on any more); each removal is a change record."""
    def work(tx) -> int:
        edges = tx.run("MATCH ()-[x]->() WHERE type(x) IN $temporal AND x.valid_to < $before "
                       "WITH x, x.id AS id, type(x) AS type, properties(x) AS before DELETE x "
                       "RETURN id, type, before", temporal=_TEMPORAL_RELS, before=before).data()
        nodes = tx.run(f"MATCH (x:{ENTITY}) WHERE x.closed < $before AND NOT EXISTS {{ (x)--() }} "
                       f"WITH x, x.id AS id, {type_of('x')} AS type, properties(x) AS before DELETE x "
                       "RETURN id, type, before", before=before).data()
        history.append(tx, [history.change("purge", fact["id"], fact["type"], actor, fact["before"], None)
                            for fact in edges + nodes])
        return len(edges) + len(nodes)

    return store.write(work)


def save_run(store: Store, run: dict[str, Any]) -> None:
    store.execute("MERGE (r:HarvestRun {id: $run.id}) SET r += $run", run=run)


def abandon_unfinished(store: Store, source: str, finished: str, reason: str, max_errors: int) -> list[dict[str, Any]]:
    """Mark the source's runs still "running" failed, `reason` first among their errors, each a
    change in the history as a run that ends is; returns them as they now stand. Only for the
    holder of the source's harvest lease, when no run of the source can be going on."""
    def work(tx) -> list[dict[str, Any]]:
        runs = [row["run"] for row in tx.run(
            "MATCH (r:HarvestRun {source: $source, status: 'running'}) "
            "SET r.status = 'failed', r.finished = $finished, r.errors = ([$reason] + coalesce(r.errors, []))[..$max] "
            "RETURN r {.*} AS run ORDER BY r.started, r.id",
            source=source, finished=finished, reason=reason, max=max_errors).data()]
        history.append(tx, [history.run_change(run) for run in runs if not run.get("dry_run")])
        return runs

    return store.write(work)


def latest_observed(store: Store, source: str) -> str | None:
    """The day the source's latest applied run observed (a held run loaded what it saw too)."""
    rows = store.rows("MATCH (r:HarvestRun {source: $source}) WHERE r.status IN ['succeeded', 'needs-confirmation'] "
                      "AND NOT coalesce(r.dry_run, false) RETURN max(r.observed_at) AS day", source=source)
    return rows[0]["day"]


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
        history.record(tx, "update", conflict["entity_id"], found["type"], actor,
                       {field: found["x"].get(field)}, {field: value})
        tx.run("MATCH (c:Conflict {id: $id}) DELETE c", id=conflict["id"])

    store.write(work)


def known_names(store: Store, label: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Id -> name, aliases and the source that created the node, for the nodes that exist."""
    rows = store.rows(f"MATCH (n:{label}) WHERE n.id IN $ids "
                      "RETURN n.id AS id, n.name AS name, n.aliases AS aliases, n.source AS source", ids=ids)
    return {row["id"]: {k: row[k] for k in ("name", "aliases", "source")} for row in rows}


def existing(store: Store, ids: list[str]) -> list[str]:
    """Those of the ids that are nodes of the catalog."""
    return [row["id"] for row in store.rows(f"MATCH (n:{ENTITY}) WHERE n.id IN $ids RETURN n.id AS id", ids=ids)]
