"""Notices: what people and systems are told, and their delivery.

Events make notices keyed by what they are about and for whom, so the same thing is never told
twice. People get e-mail (SMTP), at once or in one daily digest as they choose; webhooks get
every event as JSON signed with HMAC-SHA256 over the body (header X-Catalog-Signature), tried
again on failure up to the set number of attempts. The notices are the delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from catalog.errors import InvalidInput, NotFound
from catalog.services import attestation, lineage, reports
from catalog.settings import Settings
from catalog.store import lineage as lineage_store
from catalog.store import notices as notice_store
from catalog.store import workflows as workflow_store
from catalog.store.driver import Store
from catalog.harvest.service import HarvestRun, run_source
from catalog.harvest.sources import SourceSettings
from ontology.catalog import NOTICE_EVENTS, NOTIFIED_ROLES

log = logging.getLogger("catalog.notifications")
SIGNATURE_HEADER = "X-Catalog-Signature"
DIGEST_EVERY = timedelta(hours=24)


@dataclass
class Event:
    """Something to tell: one key, and the people (or addresses) it concerns."""

    event: str
    key: str
    subject: str
    body: str
    people: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def publish(store: Store, events: list[Event], now: datetime) -> int:
    """Make the notices of the events: one per person with an address, one per operator
    address, one per webhook that takes the event. Returns how many were new."""
    hooks = [w for w in notice_store.webhooks(store) if w.get("active") is not False]
    notices = []
    for event in events:
        for person in {p["id"]: p for p in event.people}.values():
            if person.get("email"):
                notices.append({"key": f"{event.key}|{person['id']}", "event": event.event, "recipient": person["id"],
                                "address": person["email"], "channel": "email", "subject": event.subject,
                                "body": event.body})
        for address in dict.fromkeys(event.addresses):
            notices.append({"key": f"{event.key}|{address}", "event": event.event, "recipient": address,
                            "address": address, "channel": "email", "subject": event.subject, "body": event.body})
        for hook in hooks:
            if not hook.get("events") or event.event in hook["events"]:
                payload = {"event": event.event, "key": event.key, "subject": event.subject, "at": _iso(now),
                           **event.payload}
                notices.append({"key": f"{event.key}|{hook['id']}", "event": event.event, "recipient": hook["id"],
                                "address": hook["url"], "channel": "webhook", "subject": event.subject,
                                "body": json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)})
    return notice_store.add_notices(store, notices, _iso(now))


# --- Events from the state of the catalog -------------------------------------------------------


def due_events(store: Store, settings: Settings, now: datetime) -> list[Event]:
    today = now.date()
    events = []
    for state in attestation.states(store, today, settings.attestation_period_days):
        if state.overdue:
            events.append(Event(
                "task-assigned", f"attest:{state.id}:{state.due.isoformat()}",
                f"Bekreft {state.name}: ikke bekreftet siden {state.confirmed or 'registrering'}",
                f"{state.type} {state.name} ({state.id}) skulle vært bekreftet korrekt innen {state.due}. "
                "Se over oppføringen og bekreft den i katalogen.",
                people=state.people, payload={"entity_id": state.id, "task": "attestation", "due": state.due}))
    for item_group in _open_items_by_reviewer(store).values():
        first = item_group[0]
        reviewer = {"id": first["reviewer_id"], "name": first["reviewer_name"], "email": first.get("reviewer_email")}
        events.append(Event(
            "task-assigned", f"review:{first['review_id']}",
            f"Tilgangsgjennomgang: {len(item_group)} tilganger å vurdere innen {first['deadline']}",
            f"Du er bedt om å vurdere {len(item_group)} tilganger i gjennomgangen {first['review_id']} "
            f"innen {first['deadline']}: behold eller fjern.",
            people=[reviewer], payload={"review_id": first["review_id"], "task": "access-review", "items": len(item_group)}))
        deadline = date.fromisoformat(str(first["deadline"]))
        undecided = [i for i in item_group if not i.get("decision")]
        if undecided and today >= deadline - timedelta(days=settings.review_reminder_days):
            events.append(Event(
                "review-deadline", f"remind:{first['review_id']}",
                f"Påminnelse: {len(undecided)} tilganger er ikke vurdert, frist {deadline}",
                f"Gjennomgangen {first['review_id']} har frist {deadline}; {len(undecided)} av dine punkter mangler vurdering.",
                people=[reviewer], payload={"review_id": first["review_id"], "undecided": len(undecided)}))
    events += _agreement_events(store, settings, today)
    return events


def _agreement_events(store: Store, settings: Settings, today: date) -> list[Event]:
    """Agreements whose notice or end date is near, told to the owners of the systems they cover
    (to the operators when no one owns them), once per agreement and date."""
    report = reports.REPORTS["agreements-ending"]
    due = report.rows(store, reports.ReportParams(as_of=today, days=settings.agreement_notice_days, resource=None))
    covered = workflow_store.covered_systems(store, [row["id"] for row in due])
    owners = lineage_store.owners_of(store, sorted({s for ids in covered.values() for s in ids}),
                                     list(NOTIFIED_ROLES), today)
    events = []
    for row in due:
        people = [o for system in covered.get(row["id"], []) for o in owners.get(system, []) if o["type"] == "Person"]
        what = "fristen for oppsigelse eller fornyelse er" if row["due"] == "notice" else "avtalen utløper"
        events.append(Event(
            "agreement-ending", f"agreement:{row['id']}:{row['due']}:{row['due_date']}",
            f"Avtalen {row['name']}: {what} {row['due_date']}",
            f"{row['name']} ({row.get('reference') or row['id']}) med {row.get('counterpart') or 'ukjent part'}: "
            f"{what} {row['due_date']}, om {row['days_left']} dager. Systemer den omfatter: "
            f"{', '.join(row['systems']) or 'ingen registrert'}.",
            people=people, addresses=[] if people else settings.operator_emails,
            payload={"agreement_id": row["id"], "due": row["due"], "due_date": row["due_date"]}))
    return events


def _open_items_by_reviewer(store: Store) -> dict[tuple[str, str], list[dict[str, Any]]]:
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    items = workflow_store.review_items(store, open_reviews_only=True)
    emails = workflow_store.people_addresses(store, sorted({i["reviewer_id"] for i in items if i.get("reviewer_id")}))
    for item in items:
        if item.get("reviewer_id"):
            item["reviewer_email"] = emails.get(item["reviewer_id"])
            grouped.setdefault((item["review_id"], item["reviewer_id"]), []).append(item)
    return grouped


def make_due_notices(store: Store, settings: Settings, now: datetime) -> int:
    return publish(store, due_events(store, settings, now), now)


# --- Harvests ------------------------------------------------------------------------------------


def harvest_with_notices(store: Store, settings: Settings, source: SourceSettings, base_dir: Path,
                         now: datetime | None = None, **options: Any) -> HarvestRun:
    """Run a harvest; tell the operators when it failed or is held, and the owners of systems
    downstream of each integration or dataset it changed or removed."""
    now = now or datetime.now(timezone.utc)
    before = workflow_store.source_flows(store, source.id)
    run = run_source(store, source, base_dir, **options)
    if run.dry_run:
        return run
    events = []
    if run.status in ("failed", "needs-confirmation"):
        event = "harvest-failed" if run.status == "failed" else "harvest-held"
        what = "feilet" if run.status == "failed" else "venter på bekreftelse (ville fjernet mange fakta)"
        events.append(Event(event, f"{event}:{run.id}", f"Innhøsting {source.id} {what}",
                            f"Kjøringen {run.id} av {source.id} {what}. Se innhøstingssiden.",
                            addresses=settings.operator_emails,
                            payload={"run_id": run.id, "source": source.id, "status": run.status}))
    else:
        events += _upstream_events(store, run, before)
    publish(store, events, now)
    return run


def _upstream_events(store: Store, run: HarvestRun, before: dict[str, dict[str, Any]]) -> list[Event]:
    after = workflow_store.source_flows(store, run.source)
    events = []
    for fact_id, fact in before.items():
        now_fact = after.get(fact_id)
        if now_fact is not None and now_fact["version"] == fact["version"]:
            continue
        change = "fjernet" if now_fact is None else "endret"
        affected: dict[str, dict[str, Any]] = {}
        for system_id in fact["feeds"]:
            for item in [{"id": system_id, "distance": 1}, *_downstream(store, system_id)]:
                affected.setdefault(item["id"], item)
        owners = lineage_store.owners_of(store, list(affected), list(NOTIFIED_ROLES), date.today())
        people = [o for ids in owners.values() for o in ids if o.get("type") == "Person"]
        if people:
            names = ", ".join(sorted({str(a.get("name") or a["id"]) for a in affected.values()}))
            events.append(Event(
                "upstream-changed", f"upstream:{run.id}:{fact_id}",
                f"{fact['type']} {fact['name']} er {change} av innhøstingen {run.source}",
                f"{fact['type']} {fact['name']} ({fact_id}) ble {change} av kjøringen {run.id}. "
                f"Berørt nedstrøms: {names}.",
                people=people, payload={"entity_id": fact_id, "change": "removed" if now_fact is None else "changed",
                                        "run_id": run.id, "affected": sorted(affected)}))
    return events


def _downstream(store: Store, system_id: str) -> list[dict[str, Any]]:
    try:
        return lineage.impact(store, system_id, date.today())["items"]
    except NotFound:  # a system removed by the same run has no downstream left to tell
        return []


# --- Delivery -----------------------------------------------------------------------------------


def deliver(store: Store, settings: Settings, now: datetime) -> int:
    """Send what is pending: webhooks now, e-mail at once or as a daily digest. Returns how
    many notices went out."""
    sent = _deliver_webhooks(store, settings, now)
    if settings.smtp_host:
        sent += _deliver_email(store, settings, now)
    return sent


def _deliver_webhooks(store: Store, settings: Settings, now: datetime) -> int:
    hooks = {w["id"]: w for w in notice_store.webhooks(store, with_secrets=True)}
    sent = 0
    with httpx.Client(timeout=settings.webhook_timeout_seconds) as client:
        for notice in notice_store.pending(store, "webhook", settings.delivery_attempts):
            hook = hooks.get(notice["recipient"])
            if hook is None:
                notice_store.mark(store, [notice["key"]], "failed", _iso(now), "webhook removed", 1)
                continue
            body = notice["body"].encode()
            try:
                response = client.post(hook["url"], content=body, headers={
                    "Content-Type": "application/json", SIGNATURE_HEADER: signature(hook.get("secret") or "", body),
                    "X-Catalog-Event": notice["event"], "X-Catalog-Delivery": notice["id"]})
                response.raise_for_status()
            except httpx.HTTPError as error:
                notice_store.mark(store, [notice["key"]], "failed", _iso(now), str(error)[:300], settings.delivery_attempts)
                continue
            notice_store.mark(store, [notice["key"]], "sent", _iso(now))
            sent += 1
    return sent


def _deliver_email(store: Store, settings: Settings, now: datetime) -> int:
    by_recipient: dict[str, list[dict[str, Any]]] = {}
    for notice in notice_store.pending(store, "email", settings.delivery_attempts):
        by_recipient.setdefault(notice["recipient"], []).append(notice)
    modes = workflow_store.notify_modes(store, list(by_recipient))
    sent = 0
    for recipient, pending in by_recipient.items():
        if modes.get(recipient) == "daily-digest":
            last = notice_store.last_sent(store, recipient)
            if last and now - datetime.fromisoformat(last) < DIGEST_EVERY:
                continue
            messages = [(f"Datakatalogen: {len(pending)} nye varsler",
                         "\n\n".join(f"* {n['subject']}\n  {n['body']}" for n in pending), pending)]
        else:
            messages = [(n["subject"], n["body"], [n]) for n in pending]
        for subject, body, notices in messages:
            keys = [n["key"] for n in notices]
            try:
                _send_mail(settings, notices[0]["address"], subject, body)
            except (OSError, smtplib.SMTPException) as error:
                notice_store.mark(store, keys, "failed", _iso(now), str(error)[:300], settings.delivery_attempts)
                continue
            notice_store.mark(store, keys, "sent", _iso(now))
            sent += len(notices)
    return sent


def _send_mail(settings: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.smtp_from, to, subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@datakatalog>"
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


# --- Webhooks -----------------------------------------------------------------------------------


def add_webhook(store: Store, actor: str, url: str, events: list[str], now: datetime) -> dict[str, Any]:
    unknown = sorted(set(events) - set(NOTICE_EVENTS))
    if unknown:
        raise InvalidInput(f"Unknown event(s): {', '.join(unknown)}.",
                           errors=[{"loc": ["body", "events"], "msg": f"choose from {', '.join(NOTICE_EVENTS)}"}])
    webhook = {"id": f"webhook-{uuid.uuid4().hex[:12]}", "url": url, "events": events, "active": True,
               "secret": secrets.token_urlsafe(32), "created": _iso(now)}
    notice_store.save_webhook(store, webhook, actor)
    return webhook


def webhooks(store: Store) -> list[dict[str, Any]]:
    return notice_store.webhooks(store)


def delete_webhook(store: Store, webhook_id: str, actor: str) -> None:
    if not notice_store.delete_webhook(store, webhook_id, actor):
        raise NotFound(f"No webhook '{webhook_id}'.")


def delivery_log(store: Store, recipient: str | None, event: str | None, limit: int) -> list[dict[str, Any]]:
    return notice_store.notices(store, recipient, event, limit)
