"""Active Directory's ranged retrieval in front of a real slapd.

AD answers a request for `member` of a large group with `member;range=0-1499` (a page of values)
and serves `member;range=1500-*` and so on on request; OpenLDAP has no such thing, and its
attribute options cannot carry `=`. So the test puts this relay between the connector and the
test's real slapd: LDAP messages pass through unchanged (BER, as ldap3's RFC 4511 definitions
read them), except that a search asking for `member;range=lo-*` asks slapd for `member`, and an
entry with more `member` values than the page comes back as AD sends it. Everything else — the
entries, the paging control, the bind — is slapd's own answer.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ldap3.protocol.rfc4511 import LDAPMessage, PartialAttribute, PartialAttributeList, Vals
from pyasn1.codec.ber import decoder, encoder
from pyasn1.error import PyAsn1Error

_RANGE = re.compile(r"^member;range=(\d+)-(\d+|\*)$", re.IGNORECASE)


def _messages(sock: socket.socket) -> Iterator[bytes]:
    """One BER-framed LDAP message at a time."""
    buffer = b""
    while True:
        while len(buffer) >= 2:
            first = buffer[1]
            size, start = (first, 2) if first < 0x80 else (None, 2 + (first & 0x7F))
            if size is None:
                if len(buffer) < start:
                    break
                size = int.from_bytes(buffer[2:start], "big")
            if len(buffer) < start + size:
                break
            yield buffer[:start + size]
            buffer = buffer[start + size:]
        chunk = sock.recv(65536)
        if not chunk:
            return
        buffer += chunk


class _Relay:
    def __init__(self, client: socket.socket, upstream: socket.socket, page: int, served: list[str]):
        self.client, self.upstream, self.page, self.served = client, upstream, page, served
        self.ranges: dict[int, int] = {}  # message id -> first value asked for

    def requests(self) -> None:
        try:
            self._requests()
        except OSError:  # one side hung up
            pass
        finally:
            self.upstream.close()

    def answers(self) -> None:
        try:
            self._answers()
        except OSError:
            pass
        finally:
            self.client.close()

    def _requests(self) -> None:
        for raw in _messages(self.client):
            message = _decoded(raw)
            if message is None:
                self.upstream.sendall(raw)
                continue
            operation = message["protocolOp"]
            if operation.getName() == "searchRequest":
                attributes = operation["searchRequest"]["attributes"]
                names = [str(a) for a in attributes]
                asked = [(i, _RANGE.match(n)) for i, n in enumerate(names) if _RANGE.match(n)]
                if asked:
                    index, match = asked[0]
                    self.ranges[int(message["messageID"])] = int(match[1])
                    attributes[index] = "member"
                    raw = encoder.encode(message)
            self.upstream.sendall(raw)

    def _answers(self) -> None:
        for raw in _messages(self.upstream):
            message = _decoded(raw)
            if message is not None and message["protocolOp"].getName() == "searchResEntry":
                raw = self._ranged(message, raw)
            self.client.sendall(raw)

    def _ranged(self, message, raw: bytes) -> bytes:
        entry = message["protocolOp"]["searchResEntry"]
        first = self.ranges.get(int(message["messageID"]))
        attributes = PartialAttributeList()
        changed = False
        for attribute in entry["attributes"]:
            values = [bytes(v) for v in attribute["vals"]]
            if str(attribute["type"]).lower() == "member" and (first is not None or len(values) > self.page):
                lo = first or 0
                last = lo + self.page >= len(values)
                hi = "*" if last else str(lo + self.page - 1)
                attribute = _attribute(f"member;range={lo}-{hi}", values[lo:lo + self.page])
                self.served.append(f"{entry['object']} member;range={lo}-{hi}")
                changed = True
            attributes.append(attribute)
        if not changed:
            return raw
        entry["attributes"] = attributes
        return encoder.encode(message)


def _decoded(raw: bytes):
    """The message, or None for one pyasn1 cannot read strictly (the paged search requests, as
    ldap3 encodes them); those pass unchanged: they ask for no range and carry no member values."""
    try:
        return decoder.decode(raw, asn1Spec=LDAPMessage())[0]
    except PyAsn1Error:
        return None


def _attribute(name: str, values: list[bytes]) -> PartialAttribute:
    attribute = PartialAttribute()
    attribute["type"] = name
    vals = Vals()
    for value in values:
        vals.append(value)
    attribute["vals"] = vals
    return attribute


@contextmanager
def ranged_directory(slapd_port: int, page: int) -> Iterator[tuple[int, list[str]]]:
    """A port that answers like AD with `page` member values per range, backed by slapd; and the
    list of the ranges it served ("<dn> member;range=0-1")."""
    served: list[str] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", slapd_port))
            relay = _Relay(client, upstream, page, served)
            threading.Thread(target=relay.requests, daemon=True).start()
            threading.Thread(target=relay.answers, daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1], served
    finally:
        stop.set()
        listener.close()
