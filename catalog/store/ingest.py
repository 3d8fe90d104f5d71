"""Batched ingest: UNWIND … MERGE statements derived from the ontology.

The demo loader and every connector write through here; nobody writes ingest Cypher by hand.
A fact a load leaves unchanged keeps its version, so loading twice is a no-op
apart from last_seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from itertools import islice
from typing import Any, Iterable, Iterator

from catalog.store.cypher import label_test
from catalog.store.driver import Store
from catalog.store.schema import ENTITY
from ontology import ONTOLOGY
from ontology.records import NodeRecord, RelRecord

BATCH_SIZE = 5000

# Shared tail of both statements. Properties a person set (manual_fields; every property of an
# edge a person made) are never overwritten: a differing source value is returned as a conflict.
# `seen` holds one "source|run" mark per source that has the fact, for that source's stale cleanup.
_STAMP = """
WITH x, row, x.version = 0 AS created,
     CASE WHEN x.manual_fields IS NULL AND x.source = 'manual' AND x.version > 0 THEN keys(row.props)
          ELSE coalesce(x.manual_fields, []) END AS manual
// A fact just created takes the row as it is; only existing facts are compared key by key.
FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END | SET x += row.props)
WITH x, row, created,
     CASE WHEN created THEN [] ELSE [k IN keys(row.props) WHERE NOT k IN manual
          AND ((x[k] IS NULL) <> (row.props[k] IS NULL) OR x[k] <> row.props[k])] END AS changed,
     CASE WHEN created OR size(manual) = 0 THEN [] ELSE [k IN keys(row.props) WHERE k IN manual
          AND row.props[k] IS NOT NULL AND (x[k] IS NULL OR x[k] <> row.props[k])
          | {entity_id: x.id, field: k, manual_value: x[k], source_value: row.props[k]}] END AS conflicts
FOREACH (k IN changed | SET x[k] = row.props[k])
SET x.last_seen = $now, x.run_id = $run_id,
    x.seen = [s IN coalesce(x.seen, []) WHERE NOT s STARTS WITH $source + '|'] + ($source + '|' + $run_id),
    x.version = x.version + CASE WHEN created OR size(changed) > 0 THEN 1 ELSE 0 END,
    x.last_modified_by = CASE WHEN created OR size(changed) > 0 THEN $actor ELSE x.last_modified_by END
RETURN count(x) AS written, sum(CASE WHEN created THEN 1 ELSE 0 END) AS created,
       sum(CASE WHEN size(changed) > 0 AND NOT created THEN 1 ELSE 0 END) AS updated,
       reduce(all = [], c IN collect(conflicts) | all + c) AS conflicts
"""


def label_props(label: str, props: dict) -> dict:
    """The record's properties plus those the ontology derives from them."""
    node = ONTOLOGY.node(label)
    return {**props, **{p.name: p.derive(props) for p in node.props if p.derive is not None}}


@cache
def node_statement(label: str) -> str:
    node = ONTOLOGY.node(label)  # only ontology labels reach the query text
    dated = any(p.name == "valid_from" for p in node.props)
    return f"""
UNWIND $rows AS row
MERGE (x:{label} {{id: row.id}})
ON CREATE SET x:{ENTITY}, x.first_seen = $now, x.version = 0, x.source = $source{
    ", x.valid_from = coalesce(row.props.valid_from, $day)" if dated else ""}
// A node a run closed and a later run sees again is open again.
WITH x, row, x.closed IS NOT NULL AS reopened
SET x.valid_to = CASE WHEN reopened AND x.valid_to = x.closed THEN null ELSE x.valid_to END, x.closed = null,
    x.version = x.version + CASE WHEN reopened THEN 1 ELSE 0 END
WITH x, row
{_STAMP}"""


@cache
def rel_statement(rel_type: str) -> str:
    rel = ONTOLOGY.rel(rel_type)
    key = ", ".join(f"{name}: row.props.{name}" for name in rel.key)
    pattern = f"(a)-[x:{rel.type}{f' {{{key}}}' if key else ''}]->(b)"
    # The hints keep both look-ups index seeks: planned on a nearly empty graph, Neo4j chose to
    # scan the whole id index for every row (quadratic; found on a fresh database).
    ends = f"""
UNWIND $rows AS row
MATCH (a:{ENTITY} {{id: row.source}}) USING INDEX a:{ENTITY}(id) WHERE {label_test('a', rel.sources)}
MATCH (b:{ENTITY} {{id: row.target}}) USING INDEX b:{ENTITY}(id) WHERE {label_test('b', rel.targets)}"""
    if not rel.temporal:
        return f"""{ends}
MERGE {pattern}
ON CREATE SET x.id = row.id, x.first_seen = $now, x.version = 0, x.source = $source
{_STAMP}"""
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
{_STAMP}"""


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


def _load(store: Store, statement: str, rows: Iterable[dict], params: dict) -> LoadCounts:
    counts = LoadCounts()
    for batch in batches(rows):
        result = store.execute(statement, rows=batch, **params)[0]
        counts.written += result["written"]
        counts.created += result["created"] or 0
        counts.updated += result["updated"] or 0
        counts.conflicts += [{**c, "manual_value": _text(c["manual_value"]), "source_value": _text(c["source_value"])}
                             for c in result["conflicts"]]
        counts.skipped += len(batch) - result["written"]
    return counts


def load_nodes(store: Store, label: str, records: Iterable[NodeRecord], *, source: str,
               actor: str, run_id: str | None = None, now: str | None = None, day: str | None = None) -> LoadCounts:
    """`day`: the date a harvest run observed the source; facts it starts hold from then."""
    rows = ({"id": r.id, "props": label_props(label, r.props)} for r in records)
    params = {"source": source, "actor": actor, "run_id": run_id or source, "now": now or now_iso(), "day": day}
    return _load(store, node_statement(label), rows, params)


def load_rels(store: Store, rel_type: str, records: Iterable[RelRecord], *, source: str,
              actor: str, run_id: str | None = None, now: str | None = None, day: str | None = None) -> LoadCounts:
    # One row per fact: a repeated row would start a second interval of a temporal fact.
    unique = {r.id: r for r in records}.values()
    rows = ({"id": r.id, "source": r.source_id, "target": r.target_id, "props": r.props} for r in unique)
    params = {"source": source, "actor": actor, "run_id": run_id or source, "now": now or now_iso(), "day": day}
    return _load(store, rel_statement(rel_type), rows, params)
