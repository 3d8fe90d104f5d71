"""The catalog under attack: one test per point of the security review (sign-in, owners confined
to what they own, nothing personal or access-related to readers, no request that exhausts the
server), and the route × role table, written out here rather than read from catalog.security."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa

from catalog.api.app import create_app
from catalog.security import create_token
from catalog.settings import get_settings
from catalog.store import harvest as harvest_store
from catalog.store.driver import Store, make_driver
from ontology import ONTOLOGY
from tests.api.test_entities import assert_problem
from tests.factory import create
from tests.local_http import JsonHandler, serving

ISSUER = "https://login.example/tenant-1/v2.0"
AUDIENCE = "api://datakatalog"
TENANT = "tenant-1"
KEY_LIFETIME_SECONDS = 1


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class KeySet:
    """The identity provider's published keys: add, remove (rotate) and hang on demand."""

    def __init__(self) -> None:
        self.private: dict[str, rsa.RSAPrivateKey] = {}
        self.published: list[str] = []
        self.hanging = threading.Event()
        self.released = threading.Event()

    def hang(self) -> None:
        self.released.clear()
        self.hanging.set()

    def release(self) -> None:
        self.hanging.clear()
        self.released.set()

    def add(self, kid: str) -> None:
        self.private[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.published.append(kid)

    def remove(self, kid: str) -> None:
        self.published.remove(kid)

    def document(self) -> dict:
        keys = []
        for kid in self.published:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private[kid].public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    def sign(self, kid: str = "k1", **claims) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "pairwise-sub", "tid": TENANT, "iat": now,
                   "exp": now + 600, **claims}
        return jwt.encode(payload, self.private[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def idp(monkeypatch) -> Iterator[KeySet]:
    keys = KeySet()
    keys.add("k1")

    class Keys(JsonHandler):
        def do_GET(self):
            if keys.hanging.is_set():
                keys.released.wait(30)
            self.send_json(200, keys.document())

    with serving(Keys) as base:
        for name, value in {"CATALOG_OIDC_ISSUER": ISSUER, "CATALOG_OIDC_AUDIENCE": AUDIENCE,
                            "CATALOG_OIDC_JWKS_URL": f"{base}/keys",
                            "CATALOG_OIDC_KEYS_SECONDS": str(KEY_LIFETIME_SECONDS),
                            "CATALOG_OIDC_ROLE_MAP": '{"Catalog.Owner": "owner", "Catalog.Architect": "architect"}'}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        try:
            yield keys
        finally:
            keys.release()
    get_settings.cache_clear()


@contextmanager
def live_server(store: Store) -> Iterator[str]:
    """The app behind a real uvicorn server on a free port, for what a test client cannot show."""
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


# --- Sign-in ---------------------------------------------------------------------------------

def test_01_a_mutable_email_claim_takes_over_nobodys_role(client, idp, store):
    client.post("/api/v1/admin/role-assignments", json={"subject": "kari@fylke.no", "role": "auditor"})
    spoofed = idp.sign(oid="oid-mallory", email="kari@fylke.no", preferred_username="kari@fylke.no")
    assert_problem(client.get("/api/v1/history", headers=bearer(spoofed)), 403)
    kari = idp.sign(oid="oid-kari", upn="kari@fylke.no", email="kari@fylke.no")
    assert client.get("/api/v1/history", headers=bearer(kari)).status_code == 200
    # The immutable subject: the object id within its tenant.
    client.post("/api/v1/admin/role-assignments", json={"subject": f"{TENANT}/oid-ola", "role": "auditor"})
    assert client.get("/api/v1/history", headers=bearer(idp.sign(oid="oid-ola"))).status_code == 200
    other_tenant = idp.sign(oid="oid-ola", tid="tenant-2")
    assert_problem(client.get("/api/v1/history", headers=bearer(other_tenant)), 403)

    # The catalog person behind owner rights is found by UPN, never by e-mail.
    owner = create(client, "Person", email="eier@fylke.no", upn="eier@fylke.no")
    system = create(client, "System")
    client.post("/api/v1/ownerships", json={"owner_id": owner["id"], "resource_id": system["id"], "role": "systemeier"})
    by_email = idp.sign(oid="oid-mallory", roles=["Catalog.Owner"], email="eier@fylke.no")
    assert_problem(client.patch(f"/api/v1/systems/{system['id']}", json={"vendor": "Mallory"},
                                headers=bearer(by_email)), 403)
    by_upn = idp.sign(oid="oid-eier", roles=["Catalog.Owner"], upn="eier@fylke.no")
    assert client.patch(f"/api/v1/systems/{system['id']}", json={"vendor": "Eier"}, headers=bearer(by_upn)).status_code == 200


def test_02_a_role_value_the_map_does_not_list_gives_no_role(client, idp):
    unmapped = bearer(idp.sign(oid="oid-x", roles=["admin"]))
    assert_problem(client.get("/api/v1/admin/tokens", headers=unmapped), 403)
    assert_problem(client.get("/api/v1/systems", headers=unmapped), 403)
    mapped = bearer(idp.sign(oid="oid-x", roles=["admin", "Catalog.Architect"]))
    assert client.post("/api/v1/systems", json={"name": "Kartlagt"}, headers=mapped).status_code == 201
    assert_problem(client.get("/api/v1/admin/tokens", headers=mapped), 403)


def test_03_a_key_removed_from_the_key_set_stops_being_trusted(client, idp):
    old = idp.sign("k1", roles=["Catalog.Architect"])
    assert client.get("/api/v1/systems", headers=bearer(old)).status_code == 200
    idp.add("k2")
    idp.remove("k1")
    time.sleep(KEY_LIFETIME_SECONDS + 0.5)
    assert_problem(client.get("/api/v1/systems", headers=bearer(old)), 401)
    assert client.get("/api/v1/systems", headers=bearer(idp.sign("k2", roles=["Catalog.Architect"]))).status_code == 200


def test_04_a_hanging_key_server_freezes_nothing_and_the_last_good_keys_serve(store, tokens, idp):
    token = idp.sign("k1", roles=["Catalog.Architect"])
    with live_server(store) as base, httpx.Client(base_url=base, timeout=30) as http:
        idp.hang()
        answers: dict[str, httpx.Response] = {}
        waiting = threading.Thread(target=lambda: answers.update(first=http.get("/api/v1/systems", headers=bearer(token))))
        waiting.start()
        time.sleep(0.5)
        started = time.monotonic()
        assert http.get("/healthz").status_code == 200
        # Generous for a loaded machine; the key server hangs for 30 s, and the fetch gives up after 3.
        assert time.monotonic() - started < 2.5, "other requests waited for the key server"
        assert http.get("/api/v1/systems", headers=bearer(tokens["reader"])).status_code == 200
        waiting.join(30)
        assert_problem(answers["first"], 401)
        idp.release()
        assert http.get("/api/v1/systems", headers=bearer(token)).status_code == 200
        # Past the keys' lifetime, with the key server hanging again, the last good keys still serve.
        time.sleep(KEY_LIFETIME_SECONDS + 0.5)
        idp.hang()
        assert http.get("/api/v1/systems", headers=bearer(token)).status_code == 200
        idp.release()


def test_05_oversized_credentials_are_refused_before_decoding(client, idp):
    header = jwt.utils.base64url_encode(json.dumps({"alg": "RS256", "kid": "x" * 2_000_000}).encode()).decode()
    huge = f"{header}.e30.c2ln"
    body = assert_problem(client.get("/api/v1/systems", headers=bearer(huge)), 401)
    assert "longer than" in body["detail"]
    body = assert_problem(client.get("/api/v1/systems", headers=bearer("dkat_" + "a" * 100_000)), 401)
    assert "longer than" in body["detail"]


def test_06_development_tokens_live_only_in_development_mode(client, store, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from catalog import cli

    monkeypatch.setenv("CATALOG_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        cli._print_dev_tokens(store)
        dev_admin = bearer((tmp_path / "dev-token-admin").read_text())
        assert_problem(client.get("/api/v1/systems", headers=dev_admin), 401)
        from fastapi.testclient import TestClient

        with TestClient(create_app(store, dev_mode=True), raise_server_exceptions=False) as dev_client:
            assert dev_client.get("/api/v1/systems", headers=dev_admin).status_code == 200
            cli.end_dev_mode(store)
            assert_problem(dev_client.get("/api/v1/systems", headers=dev_admin), 401)
        assert not list(tmp_path.glob("dev-token-*"))
        monkeypatch.setenv("NEO4J_URI", "neo4j://neo4j.example.internal:7687")
        get_settings.cache_clear()
        result = CliRunner().invoke(cli.app, ["serve", "--dev"])
        assert result.exit_code == 1 and "local" in result.output
    finally:
        get_settings.cache_clear()


# --- Owners stay in their own rooms ----------------------------------------------------------

def _owner(client, store, name: str) -> tuple[dict, dict[str, str]]:
    person = create(client, "Person", name=name.capitalize())
    return person, bearer(create_token(store, f"owner-{name}", "owner", 1, person["id"]))


def _own(client, person: dict, resource: dict, role: str = "systemeier", **extra) -> None:
    created = client.post("/api/v1/ownerships", json={"owner_id": person["id"], "resource_id": resource["id"],
                                                      "role": role, **extra})
    assert created.status_code == 201, created.text


def test_07_ended_and_contact_ownerships_grant_no_editing(client, store):
    person, owner = _owner(client, store, "kari7")
    ended, contact, current = create(client, "System"), create(client, "System"), create(client, "System")
    _own(client, person, ended, valid_from="2020-01-01", valid_to="2021-12-31")
    _own(client, person, contact, role="kontaktperson")
    _own(client, person, current, role="systemansvarlig")
    assert_problem(client.patch(f"/api/v1/systems/{ended['id']}", json={"vendor": "x"}, headers=owner), 403)
    assert_problem(client.patch(f"/api/v1/systems/{contact['id']}", json={"vendor": "x"}, headers=owner), 403)
    assert client.patch(f"/api/v1/systems/{current['id']}", json={"vendor": "x"}, headers=owner).status_code == 200


def test_08_cascade_deletes_only_what_the_caller_may_delete(client, store):
    kari, owner = _owner(client, store, "kari8")
    ola, _ = _owner(client, store, "ola8")
    mine, theirs = create(client, "System"), create(client, "System")
    _own(client, kari, mine)
    _own(client, ola, theirs)
    their_integration = create(client, "Integration", source_system=theirs["id"], target_system=mine["id"])
    my_dataset = create(client, "Dataset", system=mine["id"])
    refused = assert_problem(client.delete(f"/api/v1/systems/{mine['id']}", params={"cascade": "true"}, headers=owner), 403)
    assert their_integration["id"] in refused["detail"]
    for path, entity in (("systems", mine), ("integrations", their_integration), ("datasets", my_dataset)):
        assert client.get(f"/api/v1/{path}/{entity['id']}").status_code == 200
    client.delete(f"/api/v1/integrations/{their_integration['id']}")
    deleted = client.delete(f"/api/v1/systems/{mine['id']}", params={"cascade": "true"}, headers=owner)
    assert deleted.status_code == 200, deleted.text
    assert {d["id"] for d in deleted.json()["deleted"]} == {mine["id"], my_dataset["id"]}


def test_09_a_changed_reference_must_point_at_what_the_caller_owns(client, store):
    kari, owner = _owner(client, store, "kari9")
    ola, _ = _owner(client, store, "ola9")
    mine, also_mine, theirs = create(client, "System"), create(client, "System"), create(client, "System")
    _own(client, kari, mine)
    _own(client, kari, also_mine)
    _own(client, ola, theirs)
    dataset = create(client, "Dataset", system=mine["id"])
    integration = create(client, "Integration", source_system=mine["id"], target_system=theirs["id"])
    assert_problem(client.patch(f"/api/v1/datasets/{dataset['id']}", json={"system": theirs["id"]}, headers=owner), 403)
    assert_problem(client.patch(f"/api/v1/integrations/{integration['id']}", json={"source_system": theirs["id"]},
                                headers=owner), 403)
    assert client.get(f"/api/v1/datasets/{dataset['id']}").json()["system"] == mine["id"]
    assert client.get(f"/api/v1/integrations/{integration['id']}").json()["source_system"] == mine["id"]
    moved = client.patch(f"/api/v1/datasets/{dataset['id']}", json={"system": also_mine["id"]}, headers=owner)
    assert moved.status_code == 200 and moved.json()["system"] == also_mine["id"]
    # A reference left as it was is no move, whoever owns its target.
    kept = client.patch(f"/api/v1/integrations/{integration['id']}", json={"target_system": theirs["id"], "schedule": "daglig"},
                        headers=owner)
    assert kept.status_code == 200, kept.text


# --- Nothing personal or access-related to readers -------------------------------------------

def test_10_harvest_conflicts_show_no_email_to_readers(client, tokens, store):
    person = create(client, "Person", email="kari@fylke.no")
    system = create(client, "System")
    grant = client.post("/api/v1/access-grants", json={"principal_id": person["id"], "resource_id": system["id"],
                                                       "level": "read"}).json()
    harvest_store.record_conflicts(store, "hr", "run-1", [
        {"entity_id": person["id"], "field": "email", "manual_value": "kari@fylke.no",
         "source_value": "kari.nordmann@fylke.no"},
        {"entity_id": grant["id"], "field": "level", "manual_value": "read", "source_value": "admin"},
        {"entity_id": system["id"], "field": "vendor", "manual_value": "A", "source_value": "B"}])
    shown = client.get("/api/v1/harvest/conflicts", headers=bearer(tokens["reader"]))
    assert shown.status_code == 200 and shown.json()["total"] == 3
    assert "@fylke.no" not in shown.text and "admin" not in shown.text
    vendor = next(c for c in shown.json()["items"] if c["field"] == "vendor")
    assert (vendor["manual_value"], vendor["source_value"]) == ("A", "B")
    audited = client.get("/api/v1/harvest/conflicts", headers=bearer(tokens["auditor"]))
    assert "kari.nordmann@fylke.no" in audited.text and "admin" in audited.text


def test_11_the_stale_report_lists_no_access_to_readers(client, tokens, store):
    person, group, system = create(client, "Person"), create(client, "Group"), create(client, "System")
    client.post("/api/v1/access-grants", json={"principal_id": group["id"], "resource_id": system["id"], "level": "admin"})
    client.post("/api/v1/memberships", json={"member_id": person["id"], "group_id": group["id"]})
    store.execute("MATCH ()-[r]->() SET r.source = 'entra', r.last_seen = '2000-01-01T00:00:00+00:00'")
    store.execute("MATCH (s:System) SET s.source = 'inventory', s.last_seen = '2000-01-01T00:00:00+00:00'")
    for role, access_rows in (("reader", 0), ("auditor", 2)):
        report = client.get("/api/v1/reports/stale", headers=bearer(tokens[role])).json()
        types = [row["type"] for row in report["rows"]]
        assert "System" in types
        assert sum(t in ("HAS_ACCESS", "MEMBER_OF") for t in types) == access_rows, (role, types)
    csv = client.get("/api/v1/reports/stale", params={"format": "csv"}, headers=bearer(tokens["reader"])).text
    assert "HAS_ACCESS" not in csv and "MEMBER_OF" not in csv


@pytest.mark.parametrize("field", ["email", "upn", "employee_id"])
def test_12_readers_cannot_filter_or_sort_people_by_personal_fields(client, tokens, field):
    create(client, "Person", email="kari@fylke.no", upn="kari@fylke.no", employee_id="e1234")
    guess = {"email": "kari@fylke.no", "upn": "kari@fylke.no", "employee_id": "e1234"}[field]
    body = assert_problem(client.get("/api/v1/people", params={field: guess}, headers=bearer(tokens["reader"])), 403)
    assert field in body["detail"]
    assert_problem(client.get("/api/v1/people", params={"sort": field}, headers=bearer(tokens["reader"])), 403)
    assert client.get("/api/v1/people", params={field: guess}, headers=bearer(tokens["auditor"])).json()["total"] == 1
    # A person's id says nothing of their e-mail or sign-in name.
    found = client.get("/api/v1/people", params={field: guess}, headers=bearer(tokens["auditor"])).json()["items"]
    assert "kari" not in found[0]["id"] and "e1234" not in found[0]["id"]


def test_13_the_dcat_export_gives_no_persons_email(client, tokens, monkeypatch):
    org = create(client, "Organization", name="Eksempel fylkeskommune")
    unit = create(client, "OrgUnit", name="Seksjon for skoledata", parent=org["id"])
    person = create(client, "Person", email="kari@fylke.no", org_unit=unit["id"])
    dataset = create(client, "Dataset", publish=True)
    client.post("/api/v1/ownerships", json={"owner_id": person["id"], "resource_id": dataset["id"], "role": "dataeier"})
    turtle = client.get("/api/v1/export/dcat", headers=bearer(tokens["reader"]))
    assert turtle.status_code == 200
    assert "kari@fylke.no" not in turtle.text and "dcat:contactPoint" in turtle.text
    assert "Seksjon for skoledata" in turtle.text
    monkeypatch.setenv("CATALOG_DCAT_CONTACT_EMAIL", "postmottak@fylke.no")
    get_settings.cache_clear()
    try:
        functional = client.get("/api/v1/export/dcat", headers=bearer(tokens["reader"])).text
        assert "mailto:postmottak@fylke.no" in functional and "kari@fylke.no" not in functional
    finally:
        get_settings.cache_clear()


def test_14_write_answers_are_redacted_for_the_callers_role(client, tokens):
    architect = bearer(tokens["architect"])
    person = create(client, "Person", email="kari@fylke.no", employee_id="e1")
    created = client.post("/api/v1/people", json={"name": "Ola", "email": "ola@fylke.no"}, headers=architect)
    assert created.status_code == 201 and created.json()["email"] is None
    patched = client.patch(f"/api/v1/people/{person['id']}", json={"job_title": "Rektor"}, headers=architect)
    assert patched.status_code == 200 and "kari@fylke.no" not in patched.text and patched.json()["employee_id"] is None
    replaced = client.put(f"/api/v1/people/{person['id']}", json={"name": person["name"], "email": "kari@fylke.no"},
                          headers=architect)
    assert replaced.status_code == 200 and "kari@fylke.no" not in replaced.text
    assert client.get(f"/api/v1/people/{person['id']}").json()["email"] == "kari@fylke.no"


# --- No request that can exhaust the server --------------------------------------------------

def _first_answer(base: str, headers: str, body_bytes: int) -> bytes:
    """Send a chunked body that never ends, `body_bytes` of it; return what the server answers."""
    host, port = base.removeprefix("http://").split(":")
    chunk = b"[" + b"0," * 32_767 + b"0"
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(f"POST /api/v1/systems HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                           f"Transfer-Encoding: chunked\r\n{headers}\r\n".encode())
        for _ in range(body_bytes // len(chunk) + 1):
            connection.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        connection.settimeout(10)
        try:
            return connection.recv(65536)
        except TimeoutError:
            return b"no answer while the body was still coming"


def test_15_bodies_are_counted_as_they_arrive_and_credentials_come_first(store, tokens, monkeypatch):
    monkeypatch.setenv("CATALOG_MAX_REQUEST_BYTES", "1000000")
    get_settings.cache_clear()
    try:
        with live_server(store) as base:
            # No credentials: refused before any of the body is read.
            assert _first_answer(base, "", 100_000).startswith(b"HTTP/1.1 401")
            # Signed in: refused as soon as the bytes pass the limit, without waiting for the rest.
            assert _first_answer(base, f"Authorization: Bearer {tokens['admin']}\r\n", 1_100_000).startswith(b"HTTP/1.1 413")
            assert httpx.get(f"{base}/healthz").status_code == 200
    finally:
        get_settings.cache_clear()


def test_16_errors_tell_clients_a_request_id_and_no_internals(client, tokens, store, tmp_path, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    down = Store(make_driver(f"bolt://127.0.0.1:{closed_port}", None), "neo4j", timeout=2)
    app = create_app(down)
    app.state.store = down
    from fastapi.testclient import TestClient

    response = TestClient(app, raise_server_exceptions=False).get("/api/v1/systems", headers=bearer("dkat_unknown"))
    body = assert_problem(response, 503)
    assert str(closed_port) not in response.text and "127.0.0.1" not in response.text
    assert body["request_id"] == response.headers["x-request-id"]
    down.close()

    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: broken-db\n    connector: sql\n    settings: {url: 'nosuchdialect://db/x', system: system-x}\n")
    monkeypatch.setenv("CATALOG_SOURCES_FILE", str(tmp_path / "sources.yaml"))
    get_settings.cache_clear()
    try:
        started = client.post("/api/v1/harvest/broken-db")
        assert started.status_code == 202
        run = client.get(f"/api/v1/harvest/runs/{started.json()['run_id']}", headers=bearer(tokens["reader"]))
        assert run.json()["status"] == "failed" and run.json()["errors"]
        assert "Traceback" not in run.text and ".py" not in run.text
    finally:
        get_settings.cache_clear()


def test_fuzzing_found_paging_past_neo4js_integers_is_refused(client, tokens):
    reader = bearer(tokens["reader"])
    for path in ("/api/v1/harvest/conflicts", "/api/v1/harvest/runs", "/api/v1/systems", "/api/v1/ownerships"):
        assert_problem(client.get(path, params={"offset": 2**63}, headers=reader), 422)


# --- The route × role table ------------------------------------------------------------------

ALL = {"reader", "owner", "architect", "auditor", "admin"}
ACCESS_READERS = {"auditor", "admin"}
EDITORS = {"architect", "admin"}
ADMINS = {"admin"}
OWNER_EDITED = {"systems", "datasets", "integrations", "ownerships"}
ACCESS_RESOURCES = {"access-grants", "memberships", "role-assignments"}


ATTESTERS = {"owner", "architect", "admin"}
REVIEW_OPENERS = {"auditor", "admin"}


def expected_roles(method: str, path: str) -> set[str]:
    """Who may call each route, as the README's roles describe them. An owner may edit only what
    they own, and nobody owns the placeholder ids, so owner edits count as refused here."""
    parts = path.removeprefix("/api/v1/").split("/")
    head = parts[0]
    if head in ("admin", "import", "webhooks", "notices"):
        return ADMINS
    if head == "history":
        return ACCESS_READERS
    if head == "access-reviews" and method == "post":
        # Reviewers decide (or pass on) their items; auditors open and close campaigns.
        return ATTESTERS if parts[-1] in ("decision", "delegate") else REVIEW_OPENERS
    if head == "attestations" and method == "post":
        return ATTESTERS
    if method == "get":
        if head in ACCESS_RESOURCES or head == "access" or path.endswith("/reports/access-review") \
                or path.endswith("/export/rdf") or (head == "access-reviews" and parts[-1] in ("actions", "export")):
            return ACCESS_READERS
        return ALL
    if head in ACCESS_RESOURCES:
        return ADMINS
    if head in {n.path for n in ONTOLOGY.nodes} | OWNER_EDITED | {"harvest", "lineage", "sources"}:
        return EDITORS
    raise AssertionError(f"the table says nothing of {method.upper()} {path}")


def test_route_by_role_table(client, tokens):
    spec = client.get("/openapi.json").json()
    operations = [(method, re.sub(r"\{[^}]+\}", "no-such-id", path)) for path, ops in spec["paths"].items()
                  if path.startswith("/api/v1") for method in ops]
    assert len(operations) >= 60
    wrong = []
    for method, path in operations:
        allowed = expected_roles(method, path)
        for role in ALL:
            kwargs = {"json": {}} if method in ("post", "put", "patch") else {}
            response = client.request(method.upper(), path, headers=bearer(tokens[role]), **kwargs)
            refused = response.status_code in (401, 403)
            if refused == (role in allowed):
                wrong.append(f"{role} {method.upper()} {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
