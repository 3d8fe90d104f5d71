"""The audit trail: an append-only ChangeRecord per write, in the same transaction as the write.
Nothing here updates or deletes a record."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from neo4j import ManagedTransaction

from catalog.context import request_id
from catalog.store.driver import Store

# Bookkeeping properties that every write touches; leaving them out keeps before/after readable.
_NOISE = {"last_seen", "run_id", "seen", "version", "last_modified_by"}


def _json(props: dict[str, Any] | None) -> str | None:
    if props is None:
        return None
    return json.dumps({k: v for k, v in props.items() if k not in _NOISE}, ensure_ascii=False, sort_keys=True, default=str)


def record(tx: ManagedTransaction, action: str, entity_id: str, entity_type: str, actor: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None, run_id: str | None = None) -> None:
    tx.run("CREATE (c:ChangeRecord) SET c = $change", change={
        # Microseconds, so that changes made within one second keep their order.
        "id": f"change-{uuid.uuid4().hex}", "at": datetime.now(timezone.utc).isoformat(), "actor": actor, "action": action,
        "entity_id": entity_id, "entity_type": entity_type, "before": _json(before), "after": _json(after),
        "request_id": request_id(), "run_id": run_id})


def record_run(store: Store, run: dict[str, Any]) -> None:
    """A harvest run is one change of its own, naming what it changed in total."""
    summary = {k: run.get(k) for k in ("status", "created", "updated", "deleted", "conflicts", "dry_run")}
    store.write(lambda tx: record(tx, "harvest", run["source"], "HarvestSource", f"harvest:{run['source']}",
                                  None, summary, run_id=run["id"]))


def changes(store: Store, entity_id: str | None, actor: str | None, since: str | None, until: str | None,
            limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    where = ("WHERE ($entity IS NULL OR c.entity_id = $entity) AND ($actor IS NULL OR c.actor = $actor) "
             "AND ($since IS NULL OR c.at >= $since) AND ($until IS NULL OR c.at <= $until)")
    params = {"entity": entity_id, "actor": actor, "since": since, "until": until}
    total = store.rows(f"MATCH (c:ChangeRecord) {where} RETURN count(c) AS n", **params)[0]["n"]
    rows = store.rows(f"MATCH (c:ChangeRecord) {where} RETURN c {{.*}} AS change ORDER BY c.at DESC, c.id "
                      "SKIP $offset LIMIT $limit", **params, offset=offset, limit=limit)
    return [row["change"] for row in rows], total
