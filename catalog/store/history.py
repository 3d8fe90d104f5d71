"""The audit trail: an append-only ChangeRecord per write, in the same transaction as the write.
Nothing here updates or deletes a record.

Records form a hash chain: each holds its sequence number, the hash of the record before it, and
its own hash (sha256 over a canonical JSON of its fields, that previous hash included). One
HistoryHead node holds the last sequence number and hash; every append locks it first, so appends
are serialised and the chain has no forks. Editing, removing or inserting a record breaks the
chain where it happened, which `verify` reports.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from neo4j import ManagedTransaction

from catalog.context import request_id
from catalog.store.driver import Store

# Bookkeeping properties that every write touches; leaving them out keeps before/after readable.
_NOISE = {"last_seen", "run_id", "seen", "version", "last_modified_by"}
HEAD_ID = "history-head"
GENESIS = "0" * 64
# What the hash covers: every field of a record but the hash itself. A field Neo4j does not store
# (a null) counts as null, so a record reads back to the same hash.
HASHED = ("id", "seq", "at", "actor", "action", "entity_id", "entity_type", "before", "after",
          "request_id", "run_id", "previous_hash")
VERIFY_PAGE = 5000
# Made once: json.dumps makes an encoder per call, a cost a harvest's thousands of records notice.
_PROPS_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _json(props: dict[str, Any] | None) -> str | None:
    if props is None:
        return None
    return _PROPS_JSON.encode({k: v for k, v in props.items() if k not in _NOISE})


def digest(change: dict[str, Any]) -> str:
    canonical = _CANONICAL_JSON.encode({k: change.get(k) for k in HASHED})
    return hashlib.sha256(canonical.encode()).hexdigest()


def _locked_head(tx: ManagedTransaction) -> tuple[int, str]:
    """Lock the head (the SET takes the write lock), then read it: with the lock held the read
    sees the last committed append, so no two transactions chain onto the same record."""
    tx.run("MERGE (h:HistoryHead {id: $id}) ON CREATE SET h.seq = 0, h.hash = $genesis SET h._lock = true",
           id=HEAD_ID, genesis=GENESIS).consume()
    head = tx.run("MATCH (h:HistoryHead {id: $id}) REMOVE h._lock RETURN h.seq AS seq, h.hash AS hash",
                  id=HEAD_ID).single()
    return head["seq"], head["hash"]


def append(tx: ManagedTransaction, changes: Iterable[dict[str, Any]]) -> None:
    """Chain and write many changes at once (a harvest's facts): one lock, one statement."""
    changes = list(changes)
    if not changes:
        return
    written = chained(changes, *_locked_head(tx))
    seq, previous = written[-1]["seq"], written[-1]["hash"]
    tx.run("UNWIND $changes AS change CREATE (c:ChangeRecord) SET c = change WITH count(c) AS written "
           "MATCH (h:HistoryHead {id: $id}) SET h.seq = $seq, h.hash = $hash",
           changes=written, id=HEAD_ID, seq=seq, hash=previous).consume()


def chained(changes: list[dict[str, Any]], seq: int, previous: str) -> list[dict[str, Any]]:
    """The changes numbered on from `seq`, each holding the hash of the one before (`previous` for
    the first) and its own, as records are stored (no nulls)."""
    written = []
    for change in changes:
        seq += 1
        record = {**change, "seq": seq, "previous_hash": previous}
        record["hash"] = previous = digest(record)
        written.append({k: v for k, v in record.items() if v is not None})
    return written


def change(action: str, entity_id: str, entity_type: str, actor: str, before: dict[str, Any] | None,
           after: dict[str, Any] | None, run_id: str | None = None, at: str | None = None) -> dict[str, Any]:
    """One change as `append` takes it."""
    return {
        # Microseconds, so that changes made within one second keep their order.
        "id": f"change-{uuid.uuid4().hex}", "at": at or datetime.now(timezone.utc).isoformat(), "actor": actor,
        "action": action, "entity_id": entity_id, "entity_type": entity_type, "before": _json(before),
        "after": _json(after), "request_id": request_id(), "run_id": run_id}


def record(tx: ManagedTransaction, action: str, entity_id: str, entity_type: str, actor: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None, run_id: str | None = None,
           at: str | None = None) -> None:
    append(tx, [change(action, entity_id, entity_type, actor, before, after, run_id, at)])


def record_now(store: Store, action: str, entity_id: str, entity_type: str, actor: str,
               before: dict[str, Any] | None, after: dict[str, Any] | None, run_id: str | None = None) -> None:
    """A change of its own transaction (a harvest run's summary, an import)."""
    store.write(lambda tx: record(tx, action, entity_id, entity_type, actor, before, after, run_id))


def run_change(run: dict[str, Any]) -> dict[str, Any]:
    """A harvest run as one change of its own, naming how it ended and what it changed in total."""
    summary = {k: run.get(k) for k in ("status", "observed_at", "created", "updated", "closed", "deleted", "conflicts",
                                       "dry_run")}
    return change("harvest", run["source"], "HarvestSource", f"harvest:{run['source']}", None, summary,
                  run_id=run["id"])


def record_run(store: Store, run: dict[str, Any]) -> None:
    store.write(lambda tx: append(tx, [run_change(run)]))


def changes(store: Store, entity_id: str | None, actor: str | None, since: str | None, until: str | None,
            limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    where = ("WHERE ($entity IS NULL OR c.entity_id = $entity) AND ($actor IS NULL OR c.actor = $actor) "
             "AND ($since IS NULL OR c.at >= $since) AND ($until IS NULL OR c.at <= $until)")
    params = {"entity": entity_id, "actor": actor, "since": since, "until": until}
    total = store.rows(f"MATCH (c:ChangeRecord) {where} RETURN count(c) AS n", **params)[0]["n"]
    rows = store.rows(f"MATCH (c:ChangeRecord) {where} RETURN c {{.*}} AS change ORDER BY c.seq DESC "
                      "SKIP $offset LIMIT $limit", **params, offset=offset, limit=limit)
    return [row["change"] for row in rows], total


@dataclass(frozen=True)
class Verdict:
    """What `verify` found: how many records hold, and the first break, if any."""
    checked: int
    break_at: int | None = None
    record_id: str | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.break_at is None


def check_chain(records: Iterable[dict[str, Any]], head: dict[str, Any] | None) -> Verdict:
    """Walk records in sequence order: each must follow the one before, point at its hash, and
    hash to what it holds; the head must name the last one."""
    seq, previous, checked = 0, GENESIS, 0
    for stored in records:
        expected_seq = seq + 1
        if stored.get("seq") != expected_seq:
            return Verdict(checked, expected_seq, stored.get("id"),
                           f"record {expected_seq} is missing (the next one is numbered {stored.get('seq')})")
        if stored.get("previous_hash") != previous:
            return Verdict(checked, expected_seq, stored.get("id"),
                           "it does not point at the record before it (one was removed, replaced or inserted)")
        if digest(stored) != stored.get("hash"):
            return Verdict(checked, expected_seq, stored.get("id"), "its content no longer matches its hash (it was edited)")
        seq, previous, checked = expected_seq, stored["hash"], checked + 1
    head_seq, head_hash = (head["seq"], head["hash"]) if head else (0, GENESIS)
    if (head_seq, head_hash) != (seq, previous):
        return Verdict(checked, seq + 1, None,
                       f"the head names record {head_seq}, but the chain ends at record {seq} (records were removed)")
    return Verdict(checked)


def _stored_records(store: Store) -> Iterator[dict[str, Any]]:
    after = -1
    while True:
        page = store.rows("MATCH (c:ChangeRecord) WHERE c.seq > $after OR c.seq IS NULL "
                          "RETURN c {.*} AS change ORDER BY c.seq LIMIT $limit", after=after, limit=VERIFY_PAGE)
        yield from (row["change"] for row in page)
        if len(page) < VERIFY_PAGE or page[-1]["change"].get("seq") is None:
            return
        after = page[-1]["change"]["seq"]


def head(store: Store) -> dict[str, Any] | None:
    rows = store.rows("MATCH (h:HistoryHead {id: $id}) RETURN h {.seq, .hash} AS head", id=HEAD_ID)
    return rows[0]["head"] if rows else None


def verify(store: Store) -> Verdict:
    return check_chain(_stored_records(store), head(store))


def is_empty(store: Store) -> bool:
    return not store.rows("MATCH (c:ChangeRecord) RETURN c.id LIMIT 1") and head(store) is None
