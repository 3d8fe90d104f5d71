"""Notices by e-mail through a real SMTP server (aiosmtpd) and by signed webhooks to a local
receiver: told once, at once or as a daily digest, retried and logged."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from catalog.services import notifications, scheduler
from catalog.settings import Settings
from catalog.harvest.sources import SourceSettings
from tests.factory import create
from tests.local_http import JsonHandler, serving

NOW = datetime.now(timezone.utc)


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def receiver(status: int, received: list[tuple[dict, bytes]]) -> type[JsonHandler]:
    class Receiver(JsonHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_json(status, {"ok": status < 400})
    return Receiver


def _old(store, ids: list[str]) -> None:
    """Entries that came into the catalog long ago and were never confirmed."""
    store.execute("MATCH (s) WHERE s.id IN $ids SET s.first_seen = $then", ids=ids,
                  then=(NOW - timedelta(days=800)).isoformat())


def test_overdue_entries_are_told_once_by_mail_and_signed_webhook(client, store):
    kari = create(client, "Person", name="Kari Nordmann", email="kari@fylke.no", notify="immediate")
    siri = create(client, "Person", name="Siri Samlet", email="siri@fylke.no", notify="daily-digest")
    systems = [create(client, "System", name=name) for name in ("InSchool", "Public 360", "Visma Enterprise")]
    for owner, system in ((kari, systems[0]), (siri, systems[1]), (siri, systems[2])):
        client.post("/api/v1/ownerships", json={"owner_id": owner["id"], "resource_id": system["id"], "role": "systemeier"})
    _old(store, [s["id"] for s in systems])
    received: list[tuple[dict, bytes]] = []
    with smtp_server() as (mailbox, port), serving(receiver(200, received)) as url:
        hook = client.post("/api/v1/webhooks", json={"url": url, "events": ["task-assigned"]}).json()
        assert "secret" not in client.get("/api/v1/webhooks").json()[0]
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port)
        for _ in range(2):  # a second round tells nobody anything again
            scheduler.tick(store, settings, NOW)
        kari_mail = mailbox.to("kari@fylke.no")
        assert [m["Subject"] for m in kari_mail] == ["Bekreft InSchool: ikke bekreftet siden registrering"]
        digest = mailbox.to("siri@fylke.no")
        assert len(digest) == 1 and "Public 360" in digest[0].get_payload() and "Visma Enterprise" in digest[0].get_payload()
        assert len(received) == 3
        # A new task for Siri waits for the next day's digest.
        fourth = create(client, "System", name="Elevarkiv")
        client.post("/api/v1/ownerships", json={"owner_id": siri["id"], "resource_id": fourth["id"], "role": "systemeier"})
        _old(store, [fourth["id"]])
        scheduler.tick(store, settings, NOW + timedelta(hours=2))
        assert len(mailbox.to("siri@fylke.no")) == 1
        scheduler.tick(store, settings, NOW + timedelta(hours=25))
        later = mailbox.to("siri@fylke.no")
        assert len(later) == 2 and "Elevarkiv" in later[1].get_payload() and "Public 360" not in later[1].get_payload()
        received = [r for r in received if json.loads(r[1])["entity_id"] != fourth["id"]]
        for headers, body in received:
            expected = "sha256=" + hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
            assert headers["X-Catalog-Signature"] == expected
        assert {json.loads(body)["entity_id"] for _, body in received} == {s["id"] for s in systems}
    log = client.get("/api/v1/notices", params={"event": "task-assigned"}).json()
    assert {(n["channel"], n["status"]) for n in log} == {("email", "sent"), ("webhook", "sent")}
    assert len(log) == 8


def test_a_failing_webhook_is_tried_again_then_marked_failed(client, store):
    person = create(client, "Person", name="Ola", email="ola@fylke.no")
    system = create(client, "System", name="Arkiv")
    client.post("/api/v1/ownerships", json={"owner_id": person["id"], "resource_id": system["id"], "role": "systemeier"})
    _old(store, [system["id"]])
    received: list[tuple[dict, bytes]] = []
    with serving(receiver(500, received)) as url:
        client.post("/api/v1/webhooks", json={"url": url})
        settings = Settings(delivery_attempts=3)
        for _ in range(4):
            scheduler.tick(store, settings, NOW)
    assert len(received) == 3
    [notice] = [n for n in client.get("/api/v1/notices").json() if n["channel"] == "webhook"]
    assert (notice["status"], notice["attempts"]) == ("failed", 3) and "500" in notice["last_error"]


def _inventory(tmp_path: Path, rows: str) -> SourceSettings:
    (tmp_path / "systemer.csv").write_text("System;Systemeier;Integrasjoner\n" + rows, encoding="utf-8")
    return SourceSettings(id="oversikt", connector="inventory", settings={"path": "systemer.csv"})


def test_a_removed_integration_tells_the_downstream_owner_and_a_failed_run_the_operators(client, store, tmp_path):
    with smtp_server() as (mailbox, port):
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port, operator_emails=["drift@fylke.no"])
        source = _inventory(tmp_path, "Visma InSchool;Siri Sender <siri@fylke.no>;→ Visma Flyt Skole (fint)\n"
                                      "Visma Flyt Skole;Berit Mottaker <berit@fylke.no>;\n")
        first = notifications.harvest_with_notices(store, settings, source, tmp_path)
        assert first.status == "succeeded"
        source = _inventory(tmp_path, "Visma InSchool;Siri Sender <siri@fylke.no>;\n"
                                      "Visma Flyt Skole;Berit Mottaker <berit@fylke.no>;\n")
        second = notifications.harvest_with_notices(store, settings, source, tmp_path, allow_mass_delete=True)
        assert second.status == "succeeded" and second.closed >= 1  # closed and kept, as history
        (tmp_path / "systemer.csv").unlink()
        failed = notifications.harvest_with_notices(store, settings, source, tmp_path)
        assert failed.status == "failed"
        notifications.deliver(store, settings, NOW)
        [told] = mailbox.to("berit@fylke.no")
        assert "Visma Flyt Skole" in told.get_payload() and "fjernet" in told["Subject"]
        assert mailbox.to("siri@fylke.no") == []
        [operator] = mailbox.to("drift@fylke.no")
        assert "oversikt" in operator["Subject"] and "feilet" in operator["Subject"]


def test_an_agreement_near_its_notice_date_is_told_to_the_owners_of_its_systems_once(client, store):
    kari = create(client, "Person", name="Kari Nordmann", email="kari@fylke.no", notify="immediate")
    system = create(client, "System", name="Visma InSchool")
    client.post("/api/v1/ownerships", json={"owner_id": kari["id"], "resource_id": system["id"], "role": "systemeier"})
    vendor = create(client, "Organization", name="Visma AS")
    soon = (NOW.date() + timedelta(days=20)).isoformat()
    create(client, "Agreement", name="DBA InSchool", reference="2024/17", kind="databehandleravtale",
           counterpart=vendor["id"], systems=[system["id"]], notice_date=soon,
           end_date=(NOW.date() + timedelta(days=400)).isoformat())
    create(client, "Agreement", name="Lisens uten eier", reference="2023/2", kind="ssa-l", systems=[],
           notice_date=None, end_date=(NOW.date() + timedelta(days=45)).isoformat())
    create(client, "Agreement", name="Langt fram", reference="2025/9", kind="ssa-d", systems=[system["id"]],
           notice_date=None, end_date=(NOW.date() + timedelta(days=200)).isoformat())
    with smtp_server() as (mailbox, port):
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port, operator_emails=["drift@fylke.no"],
                            agreement_notice_days=60)
        for _ in range(2):  # told once, not on every round
            scheduler.tick(store, settings, NOW)
        [told] = [m for m in mailbox.to("kari@fylke.no") if "Avtalen" in m["Subject"]]
        assert _unfolded(told["Subject"]) == f"Avtalen DBA InSchool: fristen for oppsigelse eller fornyelse er {soon}"
        assert "Visma AS" in told.get_payload() and "Visma InSchool" in told.get_payload()
        # No one owns what the second covers: the operators hear of it. The third is too far ahead.
        assert [_unfolded(m["Subject"]) for m in mailbox.to("drift@fylke.no")] == [
            f"Avtalen Lisens uten eier: avtalen utløper {(NOW.date() + timedelta(days=45)).isoformat()}"]


def _unfolded(header: str) -> str:
    """A subject line as written: decoded, and without the folding of a long mail header."""
    return " ".join(str(make_header(decode_header(header))).split())
