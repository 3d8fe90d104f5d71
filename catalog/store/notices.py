"""Notices and webhooks. A notice is keyed by what it is about and for whom, so that making it
twice makes it once; its delivery state is the delivery log."""

from __future__ import annotations

from typing import Any

from catalog.store import history
from catalog.store.driver import Store

# The webhook's shared key is only ever read by the delivery, never shown.
_WEBHOOK = "w {.id, .url, .events, .active, .created}"


def add_notices(store: Store, notices: list[dict[str, Any]], now: str) -> int:
    """Make the notices not made before; returns how many were new."""
    if not notices:
        return 0
    rows = store.execute(
        "UNWIND $notices AS notice MERGE (n:Notice {key: notice.key}) "
        "ON CREATE SET n += notice, n.id = 'notice-' + randomUUID(), n.created = $now, n.status = 'pending', "
        "n.attempts = 0, n.new = true "
        "WITH n, n.new AS new REMOVE n.new RETURN count(new) AS created",
        notices=[{k: v for k, v in notice.items() if v is not None} for notice in notices], now=now)
    return rows[0]["created"]


def pending(store: Store, channel: str, max_attempts: int) -> list[dict[str, Any]]:
    return [row["n"] for row in store.rows(
        "MATCH (n:Notice) WHERE n.status = 'pending' AND n.channel = $channel AND n.attempts < $max "
        "RETURN n {.*} AS n ORDER BY n.created, n.key", channel=channel, max=max_attempts)]


def mark(store: Store, keys: list[str], status: str, now: str, error: str | None = None,
         max_attempts: int = 1) -> None:
    """Record a delivery attempt: sent, or failed (pending again until the attempts run out)."""
    store.execute(
        "UNWIND $keys AS key MATCH (n:Notice {key: key}) SET n.attempts = n.attempts + 1, "
        "n.status = CASE WHEN $status = 'sent' THEN 'sent' WHEN n.attempts + 1 >= $max THEN 'failed' ELSE 'pending' END, "
        "n.sent_at = CASE WHEN $status = 'sent' THEN $now ELSE n.sent_at END, n.last_error = $error",
        keys=keys, status=status, now=now, error=error, max=max_attempts)


def last_sent(store: Store, recipient: str) -> str | None:
    rows = store.rows("MATCH (n:Notice {recipient: $recipient}) WHERE n.status = 'sent' RETURN max(n.sent_at) AS at",
                      recipient=recipient)
    return rows[0]["at"]


def notices(store: Store, recipient: str | None, event: str | None, limit: int) -> list[dict[str, Any]]:
    return [row["n"] for row in store.rows(
        "MATCH (n:Notice) WHERE ($recipient IS NULL OR n.recipient = $recipient) AND ($event IS NULL OR n.event = $event) "
        "RETURN n {.*} AS n ORDER BY n.created DESC, n.key LIMIT $limit", recipient=recipient, event=event, limit=limit)]


def save_webhook(store: Store, webhook: dict[str, Any], actor: str) -> None:
    def work(tx) -> None:
        tx.run("CREATE (w:Webhook) SET w = $webhook", webhook={k: v for k, v in webhook.items() if v is not None})
        history.record(tx, "create", webhook["id"], "Webhook", actor, None,
                       {k: v for k, v in webhook.items() if k != "secret"})
    store.write(work)


def webhooks(store: Store, with_secrets: bool = False) -> list[dict[str, Any]]:
    projection = "w {.*}" if with_secrets else _WEBHOOK
    return [row["w"] for row in store.rows(f"MATCH (w:Webhook) RETURN {projection} AS w ORDER BY w.created, w.id")]


def delete_webhook(store: Store, webhook_id: str, actor: str) -> bool:
    def work(tx) -> bool:
        row = tx.run(f"MATCH (w:Webhook {{id: $id}}) WITH w, {_WEBHOOK} AS before DETACH DELETE w RETURN before",
                     id=webhook_id).single()
        if row is not None:
            history.record(tx, "delete", webhook_id, "Webhook", actor, row["before"], None)
        return row is not None
    return store.write(work)
