"""The stale report on facts of its own: harvested ones last confirmed long ago, a season ago and
lately (one of them long ago and again lately), and manual ones last touched long ago, which never
go stale, nor do facts a harvest closed. Every row it must list is written out here, in JSON and in CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from catalog.store.ingest import load_nodes, load_rels
from ontology.records import NodeRecord, RelRecord

NOW = datetime.now(timezone.utc)
LONG_AGO, A_SEASON_AGO, LATELY = ((NOW - timedelta(days=days)).isoformat(timespec="seconds") for days in (400, 90, 2))
FORGOTTEN_HOLDING = RelRecord("HOLDS", "system-forgotten", "dataset-forgotten")


def _nodes(store, label: str, source: str, seen: str, *names: str) -> None:
    records = [NodeRecord(label, f"{label.lower()}-{name.lower()}", {"name": name}) for name in names]
    load_nodes(store, label, records, source=source, actor="test", now=seen)


def _holds(store, source: str, seen: str, holding: RelRecord) -> None:
    assert load_rels(store, "HOLDS", [holding], source=source, actor="test", now=seen).skipped == 0


@pytest.fixture
def facts(client, clean_store):
    store = clean_store
    _nodes(store, "System", "inventory", LONG_AGO, "Forgotten", "Reconfirmed")
    _nodes(store, "Dataset", "inventory", LONG_AGO, "Forgotten")
    _nodes(store, "System", "inventory", A_SEASON_AGO, "Quiet")
    _nodes(store, "System", "inventory", LATELY, "Confirmed", "Reconfirmed")
    _nodes(store, "Dataset", "inventory", LATELY, "Confirmed")
    _nodes(store, "System", "manual", LONG_AGO, "Handmade")
    _nodes(store, "Dataset", "manual", LONG_AGO, "Handmade")
    _holds(store, "inventory", LONG_AGO, FORGOTTEN_HOLDING)
    _holds(store, "inventory", LATELY, RelRecord("HOLDS", "system-confirmed", "dataset-confirmed"))
    _holds(store, "manual", LONG_AGO, RelRecord("HOLDS", "system-handmade", "dataset-handmade"))
    # A fact its source's run closed long ago is history, kept on purpose, not a stale claim.
    _nodes(store, "System", "inventory", LONG_AGO, "Closed")
    _holds(store, "inventory", LONG_AGO, RelRecord("HOLDS", "system-closed", "dataset-forgotten"))
    store.execute("MATCH (s:System {id: 'system-closed'}) OPTIONAL MATCH (s)-[r:HOLDS]->() SET s.closed = $day, r.closed = $day",
                  day=LONG_AGO[:10])
    return client


def _row(kind: str, fact_id: str, fact_type: str, name: str, last_seen: str) -> dict:
    return {"kind": kind, "id": fact_id, "type": fact_type, "name": name, "source": "inventory", "last_seen": last_seen}


# Oldest first; at the same time relationships before nodes, then by id.
FORGOTTEN = [_row("edge", FORGOTTEN_HOLDING.id, "HOLDS", "Forgotten → Forgotten", LONG_AGO),
             _row("node", "dataset-forgotten", "Dataset", "Forgotten", LONG_AGO),
             _row("node", "system-forgotten", "System", "Forgotten", LONG_AGO)]
QUIET = [_row("node", "system-quiet", "System", "Quiet", A_SEASON_AGO)]


@pytest.mark.parametrize("days, expected", [(30, FORGOTTEN + QUIET), (365, FORGOTTEN), (3650, [])])
def test_the_stale_report_lists_exactly_the_harvested_facts_not_seen_for_days(facts, days, expected):
    report = facts.get("/api/v1/reports/stale", params={"days": days}).json()
    assert report["parameters"] == {"days": days}
    assert report["rows"] == expected
    as_csv = facts.get("/api/v1/reports/stale", params={"days": days, "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows == expected
