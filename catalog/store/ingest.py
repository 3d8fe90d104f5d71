"""Batched ingest: UNWIND … CREATE and UNWIND … MERGE statements derived from the ontology.

The demo loader and every connector write through here; nobody writes ingest Cypher by hand.
Each batch first asks which of its facts exist: the new ones are written by a create-only
statement (nothing to compare, no conflict possible), the others merged and compared. A fact a
load leaves unchanged keeps its version, so loading twice is a no-op apart from last_seen.
Relationships carry no run_id: their `seen` marks ("source|run") hold it already. Each batch
redraws, in its transaction, the flow edges it changes (`catalog.store.flows`), and appends to the
history, in one go, a change record for each fact it created, changed or reopened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from itertools import islice
from typing import Any, Iterable, Iterator

from catalog.store import flows, history
from catalog.store.cypher import label_test
from catalog.store.driver import Store
from catalog.store.schema import ENTITY
from ontology import ONTOLOGY
from ontology.records import NodeRecord, RelRecord

BATCH_SIZE = 5000

# Shared tail of both statements. Properties a person set (manual_fields; every property of an
# edge a person made) are never overwritten: a differing source value is returned as a conflict.
# `seen` holds one "source|run" mark per source that has the fact, for that source's stale cleanup.
_MERGE_STAMP = """
WITH x, row, reopened, x.version = 0 AS created,
     CASE WHEN x.manual_fields IS NULL AND x.source = 'manual' AND x.version > 0 THEN keys(row.props)
          ELSE coalesce(x.manual_fields, []) END AS manual
// A fact just created takes the row as it is; only existing facts are compared key by key.
FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END | SET x += row.props)
WITH x, row, reopened, created,
     CASE WHEN created THEN [] ELSE [k IN keys(row.props) WHERE NOT k IN manual
          AND ((x[k] IS NULL) <> (row.props[k] IS NULL) OR x[k] <> row.props[k])] END AS changed,
     CASE WHEN created OR size(manual) = 0 THEN [] ELSE [k IN keys(row.props) WHERE k IN manual
          AND row.props[k] IS NOT NULL AND (x[k] IS NULL OR x[k] <> row.props[k])
          | {entity_id: x.id, field: k, manual_value: x[k], source_value: row.props[k]}] END AS conflicts
// What the history keeps of a change: each changed key with its value before and after.
WITH x, row, reopened, created, changed, conflicts, [k IN changed | [k, x[k], row.props[k]]] AS changes
FOREACH (k IN changed | SET x[k] = row.props[k])
SET x.last_seen = $now,{run_id}
    x.seen = [s IN coalesce(x.seen, []) WHERE NOT s STARTS WITH $source + '|'] + ($source + '|' + $run_id),
    x.version = x.version + CASE WHEN created OR size(changed) > 0 THEN 1 ELSE 0 END,
    x.last_modified_by = CASE WHEN created OR size(changed) > 0 THEN $actor ELSE x.last_modified_by END
RETURN count(x) AS written, sum(CASE WHEN created THEN 1 ELSE 0 END) AS created,
       sum(CASE WHEN size(changed) > 0 AND NOT created THEN 1 ELSE 0 END) AS updated,
       reduce(all = [], c IN collect(conflicts) | all + c) AS conflicts,
       collect(CASE WHEN created OR reopened IS NOT NULL OR size(changed) > 0 THEN
               {id: row.id, x: x.id, created: created, reopened: reopened, changes: changes,
                valid_from: x.valid_from, valid_to: x.valid_to} END) AS facts
"""


def _stamp(node: bool) -> str:
    return _MERGE_STAMP.replace("{run_id}", " x.run_id = $run_id," if node else "")


def _create_stamp(node: bool, dated: bool) -> str:
    """Provenance of facts known to be new, set once."""
    # The interval starts on the run's day unless the row says otherwise, as MERGE's ON CREATE does
    # (a row's explicit null, set after it, clears it there too).
    return (f"SET {'x.valid_from = coalesce(row.props.valid_from, $day), ' if dated else ''}x += row.props, "
            "x.id = row.id, x.first_seen = $now, x.last_seen = $now, x.version = 1, "
            f"x.source = $source, x.seen = [$source + '|' + $run_id], x.last_modified_by = $actor"
            f"{', x.run_id = $run_id' if node else ''} "
            # Aggregates only: a batch whose edges all miss an end still answers one row.
            "WITH count(x) AS written, collect(x.id) AS ids "
            "RETURN written, written AS created, 0 AS updated, [] AS conflicts, ids AS created_ids")


def _touched(expression: str | None, new_rel: bool = False) -> str:
    """The ids whose flow edges the batch changed, to be drawn again, and the relationships it
    created, whose flow edges are only added (a created node has none yet)."""
    if expression is None:
        return ", [] AS touched, [] AS new"
    new = "collect(CASE WHEN created THEN x.id END)" if new_rel else "[]"
    return f", collect(CASE WHEN size(changed) > 0 THEN {expression} END) AS touched, {new} AS new"


def label_props(label: str, props: dict) -> dict:
    """The record's properties plus those the ontology derives from them."""
    node = ONTOLOGY.node(label)
    return {**props, **{p.name: p.derive(props) for p in node.props if p.derive is not None}}


def _dated(label: str) -> bool:
    """Nodes of the label start on a day: the run's, unless the row says otherwise."""
    return any(p.name == "valid_from" for p in ONTOLOGY.node(label).props)


@cache
def node_statement(label: str) -> str:
    dated = _dated(label)  # only ontology labels reach the query text
    # Flow edges copy the properties of the node they pass through (an integration's kind).
    touched = "x.id" if label in flows.FLOWS.via_labels else None
    return f"""
UNWIND $rows AS row
MERGE (x:{label} {{id: row.id}})
ON CREATE SET x:{ENTITY}, x.first_seen = $now, x.version = 0, x.source = $source{
    ", x.valid_from = coalesce(row.props.valid_from, $day)" if dated else ""}
// A node a run closed and a later run sees again is open again.
WITH x, row, CASE WHEN x.closed IS NOT NULL THEN {{closed: x.closed, valid_to: x.valid_to}} END AS reopened
SET x.valid_to = CASE WHEN reopened IS NOT NULL AND x.valid_to = x.closed THEN null ELSE x.valid_to END,
    x.closed = null, x.version = x.version + CASE WHEN reopened IS NOT NULL THEN 1 ELSE 0 END
WITH x, row, reopened
{_stamp(node=True)}{_touched(touched)}"""


@cache
def node_create_statement(label: str) -> str:
    return (f"UNWIND $rows AS row CREATE (x:{label}:{ENTITY}) {_create_stamp(node=True, dated=_dated(label))}, "
            "[] AS touched, [] AS new")


def _existing_nodes(tx, batch: list[dict]) -> set[str]:
    # Pinned to the id index for the reason `_ends` gives.
    return set(tx.run(f"UNWIND $ids AS id MATCH (x:{ENTITY} {{id: id}}) USING INDEX x:{ENTITY}(id) RETURN collect(id) AS found",
                      ids=[row["id"] for row in batch]).single()["found"])


def _ends(rel_type: str) -> str:
    """Both end nodes of each row. The hints keep both look-ups index seeks: planned on a nearly
    empty graph, Neo4j chose to scan the whole id index for every row (quadratic; found on a
    fresh database)."""
    rel = ONTOLOGY.rel(rel_type)
    return f"""
UNWIND $rows AS row
MATCH (a:{ENTITY} {{id: row.source}}) USING INDEX a:{ENTITY}(id) WHERE {label_test('a', rel.sources)}
MATCH (b:{ENTITY} {{id: row.target}}) USING INDEX b:{ENTITY}(id) WHERE {label_test('b', rel.targets)}"""


def _flow_end(rel_type: str) -> str | None:
    if rel_type not in flows.FLOWS.base_types:
        return None
    return "row.source" if flows.touched_end(rel_type) == "a" else "row.target"


@cache
def rel_statement(rel_type: str) -> str:
    rel = ONTOLOGY.rel(rel_type)
    key = ", ".join(f"{name}: row.props.{name}" for name in rel.key)
    pattern = f"(a)-[x:{rel.type}{f' {{{key}}}' if key else ''}]->(b)"
    ends, stamp = _ends(rel_type), _stamp(node=False) + _touched(_flow_end(rel_type), new_rel=True)
    if not rel.temporal:
        return f"""{ends}
MERGE {pattern}
ON CREATE SET x.id = row.id, x.first_seen = $now, x.version = 0, x.source = $source
WITH x, row, null AS reopened
{stamp}"""
    # A pair holds one interval after another. The source's fact is the pair's current interval:
    # one no run has closed (a person's interval only while it has not ended). Otherwise the
    # fact (re)starts as a new interval, under the fact's id while that is free.
    return f"""{ends}
OPTIONAL MATCH {pattern.replace('[x:', '[current:')}
WHERE current.closed IS NULL AND (current.source <> 'manual' OR current.valid_to IS NULL OR $day IS NULL
      OR current.valid_to >= $day)
WITH a, b, row, current ORDER BY current.valid_from DESC
WITH a, b, row, head(collect(current)) AS current
CALL {{
  WITH current WITH current WHERE current IS NOT NULL RETURN current AS x
  UNION
  WITH a, b, row, current WITH a, b, row WHERE current IS NULL
  CREATE {pattern}
  SET x.id = CASE WHEN EXISTS {{ MATCH (a)-[taken:{rel.type} {{id: row.id}}]->(b) }}
                  THEN row.id + '-' + left(replace(randomUUID(), '-', ''), 12) ELSE row.id END,
      x.first_seen = $now, x.version = 0, x.source = $source, x.valid_from = coalesce(row.props.valid_from, $day)
  RETURN x
}}
// A new interval of a pair that had one a run closed: the fact is back, after the last such interval.
WITH x, row, CASE WHEN x.version = 0 THEN COLLECT {{
  MATCH {pattern.replace('[x:', '[earlier:')} WHERE earlier.closed IS NOT NULL
  RETURN earlier {{.id, .valid_from, .valid_to, .closed}} ORDER BY earlier.valid_from DESC LIMIT 1 }}[0] END AS reopened
{stamp}"""


@cache
def rel_create_statement(rel_type: str) -> str:
    rel = ONTOLOGY.rel(rel_type)
    new = "ids" if rel_type in flows.FLOWS.base_types else "[]"
    return (f"{_ends(rel_type)} CREATE (a)-[x:{rel_type}]->(b) {_create_stamp(node=False, dated=rel.temporal)}, "
            f"[] AS touched, {new} AS new")


@cache
def _existing_rels_statement(rel_type: str) -> str:
    """Which rows name a relationship that exists, in any interval: the same ends, type and key.
    Both ends are found as the writing statements find them (`_ends`), so the relationship is
    looked for between two known nodes from the end with fewer relationships. Written as one
    pattern, a plan made on a fresh database expanded every member of a group for each row (45 s
    for a batch of 5,000)."""
    rel = ONTOLOGY.rel(rel_type)
    key = "".join(f" AND x.{name} = row.props.{name}" for name in rel.key)
    return f"{_ends(rel_type)} MATCH (a)-[x:{rel_type}]->(b) WHERE true{key} RETURN collect(DISTINCT row.id) AS found"


@dataclass
class LoadCounts:
    written: int = 0
    created: int = 0
    updated: int = 0
    conflicts: list[dict] = field(default_factory=list)
    # Edges whose end nodes were missing: reported, never half-written.
    skipped: int = 0


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def batches(rows: Iterable[dict], size: int = BATCH_SIZE) -> Iterator[list[dict]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _text(value: Any) -> str | None:
    """A conflict's value as text, whatever its kind: lists (keywords, themes, aliases) as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _created(row: dict, source: str, ends: tuple[str, str] | None, stored: dict) -> dict:
    """What the history keeps of a fact a load created: its row as written (a null is not
    stored), its ends, and what the statement set besides (`stored`: an interval's id and start)."""
    record = {"id": row["id"], "source": source, **row["props"], **stored}
    if ends:
        record |= {ends[0]: row["source"], ends[1]: row["target"]}
    return {k: v for k, v in record.items() if v is not None}


def _merged(fact: dict, row: dict, source: str, ends: tuple[str, str] | None) -> tuple[str, str, dict | None, dict]:
    """The action, entity id, before and after of a fact the merging statement created, reopened
    or changed. A relationship's new interval is recorded under the fact's id, as the API records
    one; the rest under the id of what was written."""
    if fact["created"]:
        after = _created(row, source, ends, {"id": fact["x"], "valid_from": fact["valid_from"]})
        return ("reopen" if fact["reopened"] else "create"), row["id"], fact["reopened"], after
    before = {key: old for key, old, _ in fact["changes"]}
    after = {key: new for key, _, new in fact["changes"]}
    if fact["reopened"]:
        return "reopen", fact["x"], {**fact["reopened"], **before}, {"closed": None, "valid_to": fact["valid_to"], **after}
    return "update", fact["x"], before, after


def _load(store: Store, fact_type: str, statements: tuple[str, str], existing, rows: Iterable[dict], params: dict,
          run_id: str | None, ends: tuple[str, str] | None = None, dated: bool = False) -> LoadCounts:
    """Each batch in one transaction: which rows exist, the new ones created, the rest merged,
    the flow edges they change, and a change record for each fact created, changed or reopened.
    `ends`: a relationship's end fields, as the API names them."""
    create, merge = statements
    rel_type = fact_type if ends else None
    counts = LoadCounts()
    # A fact created without a start of its own starts on the run's day, as the statement sets it.
    start = {"valid_from": params["day"]} if dated else {}

    def write(tx, batch: list[dict]) -> list[dict]:
        found, new, known, results = existing(tx, batch), [], [], []
        for row in batch:
            # A fact named twice in the batch is created once, then merged.
            (known if row["id"] in found else new).append(row)
            found.add(row["id"])
        at, changes = datetime.now(timezone.utc).isoformat(), []

        def change(action: str, entity_id: str, before: dict | None, after: dict) -> dict:
            return history.change(action, entity_id, fact_type, params["actor"], before, after, run_id, at)

        def finish(pending, part: list[dict]) -> dict:
            result = pending.single().data()
            flows.refresh(tx, result["touched"])
            flows.add_for_new(tx, rel_type, result["new"])
            results.append({**result, "rows": len(part)})
            return result

        if new:
            pending = tx.run(create, rows=new, **params)
            # Made while the database writes the facts, then kept for those it wrote (an edge
            # whose end is missing is not).
            made = [change("create", row["id"], None,
                           _created(row, params["source"], ends, {} if "valid_from" in row["props"] else start))
                    for row in new]
            created = set(finish(pending, new)["created_ids"])
            changes += [record for record in made if record["entity_id"] in created]
        if known:
            by_id = {row["id"]: row for row in known}
            facts = finish(tx.run(merge, rows=known, **params), known)["facts"]
            changes += [change(*_merged(fact, by_id[fact["id"]], params["source"], ends)) for fact in facts]
        history.append(tx, changes)
        return results

    for batch in batches(rows, BATCH_SIZE):  # read here, so that bench/ can try other sizes
        for result in store.write(write, batch):
            counts.written += result["written"]
            counts.created += result["created"] or 0
            counts.updated += result["updated"] or 0
            counts.conflicts += [{**c, "manual_value": _text(c["manual_value"]), "source_value": _text(c["source_value"])}
                                 for c in result["conflicts"]]
            counts.skipped += result["rows"] - result["written"]
    return counts


def load_nodes(store: Store, label: str, records: Iterable[NodeRecord], *, source: str,
               actor: str, run_id: str | None = None, now: str | None = None, day: str | None = None) -> LoadCounts:
    """`day`: the date a harvest run observed the source; facts it starts hold from then."""
    rows = ({"id": r.id, "props": label_props(label, r.props)} for r in records)
    params = {"source": source, "actor": actor, "run_id": run_id or source, "now": now or now_iso(), "day": day}
    return _load(store, label, (node_create_statement(label), node_statement(label)), _existing_nodes, rows, params,
                 run_id, dated=_dated(label))


def load_rels(store: Store, rel_type: str, records: Iterable[RelRecord], *, source: str,
              actor: str, run_id: str | None = None, now: str | None = None, day: str | None = None) -> LoadCounts:
    # One row per fact: a repeated row would start a second interval of a temporal fact.
    unique = {r.id: r for r in records}.values()
    rows = ({"id": r.id, "source": r.source_id, "target": r.target_id, "props": r.props} for r in unique)
    params = {"source": source, "actor": actor, "run_id": run_id or source, "now": now or now_iso(), "day": day}
    existing = lambda tx, batch: set(tx.run(_existing_rels_statement(rel_type), rows=batch).single()["found"])  # noqa: E731
    rel = ONTOLOGY.rel(rel_type)
    return _load(store, rel_type, (rel_create_statement(rel_type), rel_statement(rel_type)), existing, rows, params,
                 run_id, ends=(rel.source_field, rel.target_field), dated=rel.temporal)
