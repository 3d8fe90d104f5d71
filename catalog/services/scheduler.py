"""Scheduled harvests: each source with a cron schedule runs when a scheduled time has passed
since its last run, once across every API instance and scheduler process (a lease in Neo4j,
with an expiry, so that a holder that died blocks nobody for long). A run started by hand takes
the same lease, so a source is never harvested twice at once; whoever takes it first ends as
failed the source's runs left "running" by a process or a Neo4j that stopped."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from croniter import croniter

from catalog.errors import AlreadyRunning
from catalog.harvest.service import HarvestRun, abandon_unfinished
from catalog.harvest.sources import SourceSettings, configured_sources
from catalog.services import notifications
from catalog.settings import Settings
from catalog.store import harvest as harvest_store
from catalog.store import workflows as workflow_store
from catalog.store.driver import Store

log = logging.getLogger("catalog.scheduler")


def holder_name() -> str:
    """Who holds a lease: this host and process, as an operator would look for it."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def last_slot(schedule: str, now: datetime) -> datetime:
    """The latest scheduled time at or before now. (croniter looks strictly before its start; from
    the next whole second, not now + 1 s, so that 05:43:59.5 is not yet the 05:44 slot.)"""
    return croniter(schedule, now.replace(microsecond=0) + timedelta(seconds=1)).get_prev(datetime)


def next_slot(schedule: str, now: datetime) -> datetime:
    return croniter(schedule, now).get_next(datetime)


@dataclass(frozen=True)
class SourceSchedule:
    source: SourceSettings
    last_started: str | None
    last_status: str | None
    next_run: str | None
    due_slot: str | None


def schedules(store: Store, settings: Settings, now: datetime) -> list[SourceSchedule]:
    """Every configured source with its last run and, for scheduled ones, the next run and whether
    one is due (a scheduled time passed after the last run started)."""
    sources = configured_sources(settings)
    answer = []
    for source in sources.sources.values():
        runs, _ = harvest_store.list_runs(store, source.id, None, 1, 0)
        last = runs[0] if runs else None
        due = next_run = None
        if source.schedule:
            slot = last_slot(source.schedule, now)
            if last is None or (last.get("started") or "") < _iso(slot):
                due = _iso(slot)
            next_run = _iso(next_slot(source.schedule, now))
        answer.append(SourceSchedule(source, last and last.get("started"), last and last.get("status"), next_run, due))
    return answer


def run_due(store: Store, settings: Settings, now: datetime, holder: str | None = None) -> list[HarvestRun]:
    """Run every due source whose lease this process gets; returns the runs it made."""
    holder = holder or holder_name()
    base_dir = configured_sources(settings).path.parent
    made = []
    for entry in schedules(store, settings, now):
        if entry.due_slot is None:
            continue
        lease = _lease(entry.source.id)
        expires = _iso(now + timedelta(seconds=settings.lease_seconds))
        if not workflow_store.acquire_lease(store, lease, holder, _iso(now), expires, entry.due_slot):
            continue
        release = _held(store, settings, entry.source.id, holder, entry.due_slot)
        try:
            # Another instance may have run it between our look at the runs and the lease.
            if not _started_since(store, entry.source.id, entry.due_slot):
                made.append(notifications.harvest_with_notices(store, settings, entry.source, base_dir, now=now))
        finally:
            release()
    return made


def hold_for_hand_run(store: Store, settings: Settings, source_id: str) -> Callable[[], None]:
    """Take the source's harvest lease for a run started by hand, or refuse while a run holds it
    in this or any other instance; returns what gives the lease back when the run is over."""
    now = datetime.now(timezone.utc)
    # Each hand run is a holder of its own: two requests on one thread must not share a lease. Its
    # slot is the moment to the microsecond, so that runs started one after the other within a
    # second (a script's, a test's) are each taken; a schedule's slots are whole seconds.
    lease, holder = _lease(source_id), f"{holder_name()}:{uuid.uuid4().hex[:8]}"
    slot = now.isoformat(timespec="microseconds")
    if not workflow_store.acquire_lease(store, lease, holder, _iso(now), _iso(now + timedelta(seconds=settings.lease_seconds)), slot):
        raise AlreadyRunning(f"A harvest of '{source_id}' is running already; wait until it is done.",
                             errors=[{"loc": ["path", "source_id"], "msg": "a harvest of this source is running"}])
    return _held(store, settings, source_id, holder, slot)


def _lease(source_id: str) -> str:
    return f"harvest:{source_id}"


def _held(store: Store, settings: Settings, source_id: str, holder: str, slot: str) -> Callable[[], None]:
    """What follows taking a source's lease, for a scheduled run and a hand run alike: the lease is
    kept alive, and the source's runs left running by a stopped process are ended. Returns what
    gives the lease back (marking the slot done) when the run is over."""
    lease = _lease(source_id)
    stop_renewing = _renewing(store, settings, lease, holder)

    def release() -> None:
        stop_renewing()
        workflow_store.release_lease(store, lease, holder, slot)

    try:
        abandon_unfinished(store, source_id)
    except Exception:
        release()
        raise
    return release


def _renewing(store: Store, settings: Settings, lease: str, holder: str) -> Callable[[], None]:
    """Keep the lease alive while its run goes on, renewing it every third of its lifetime: a run
    longer than the lease (a county's first harvest) must not be taken for a dead one, marked
    abandoned and run beside. Returns what stops the renewing."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(settings.lease_seconds / 3):
            try:
                workflow_store.renew_lease(store, lease, holder,
                                           _iso(datetime.now(timezone.utc) + timedelta(seconds=settings.lease_seconds)))
            except Exception:  # Neo4j away for a moment: the next round tries again
                log.warning("could not renew the lease %s for %s", lease, holder, exc_info=True)

    threading.Thread(target=renew, name=f"renew {lease}", daemon=True).start()
    return stop.set


def run_then_release(release: Callable[[], None], work: Callable[..., HarvestRun], *args, **options) -> HarvestRun:
    try:
        return work(*args, **options)
    finally:
        release()


def _started_since(store: Store, source_id: str, slot: str) -> bool:
    runs, _ = harvest_store.list_runs(store, source_id, None, 1, 0)
    return bool(runs) and (runs[0].get("started") or "") >= slot


def tick(store: Store, settings: Settings, now: datetime | None = None) -> dict:
    """One round of the scheduler: due harvests, then the notices that are due, then delivery."""
    now = now or datetime.now(timezone.utc)
    runs = run_due(store, settings, now)
    made = notifications.make_due_notices(store, settings, now)
    delivered = notifications.deliver(store, settings, now)
    return {"runs": [run.id for run in runs], "notices": made, "delivered": delivered}


def run_forever(store: Store, settings: Settings, stop: threading.Event) -> None:
    """The scheduler loop, until `stop` is set; a failed round is logged and the next one tried."""
    while not stop.is_set():
        try:
            tick(store, settings)
        except Exception:  # the loop must outlive one bad round (store away, a source's mistake)
            log.exception("scheduler round failed")
        stop.wait(settings.scheduler_interval_seconds)
