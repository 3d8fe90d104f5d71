"""Sign-in, the route × role matrix (from the OpenAPI document), owner scope, redaction,
the audit trail, tokens, OpenID Connect and hardening."""

from __future__ import annotations

import json
import re
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from catalog.cli import app as cli
from catalog.security import create_token
from catalog.settings import get_settings
from tests.api.test_entities import assert_problem
from tests.factory import create
from tests.local_http import JsonHandler, serving

BODY_METHODS = {"post", "put", "patch"}


def routes(client) -> list[tuple[str, str, str]]:
    """(method, path with placeholder ids, permission) for every /api/v1 operation."""
    spec = client.get("/openapi.json").json()
    found = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in operations.items():
            found.append((method, re.sub(r"\{[^}]+\}", "no-such-id", path), operation["x-permission"]))
    return found


def call(client, method: str, path: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {"Authorization": ""}
    kwargs = {"json": {}} if method in BODY_METHODS else {}
    return client.request(method.upper(), path, headers=headers, **kwargs)


def test_every_route_but_health_needs_a_token(client):
    for method, path, _ in routes(client):
        response = call(client, method, path, None)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/healthz", headers={"Authorization": ""}).status_code == 200
    assert client.get("/readyz", headers={"Authorization": ""}).status_code == 200
    assert_problem(client.get("/api/v1/systems", headers={"Authorization": "Bearer dkat_forged"}), 401)


def test_owner_edits_own_system_and_not_anothers(client, store):
    unit = create(client, "OrgUnit", parent=create(client, "Organization")["id"])
    person = create(client, "Person", email="eier@fylke.no", org_unit=unit["id"])
    mine, theirs = create(client, "System", name="Mitt system"), create(client, "System", name="Andres system")
    by_unit = create(client, "System", name="Enhetens system")
    client.post("/api/v1/ownerships", json={"owner_id": person["id"], "resource_id": mine["id"], "role": "systemeier"})
    client.post("/api/v1/ownerships", json={"owner_id": unit["id"], "resource_id": by_unit["id"], "role": "systemeier"})
    dataset = create(client, "Dataset", system=mine["id"])
    owner = {"Authorization": f"Bearer {create_token(store, 'owner-kari', 'owner', 1, person['id'])}"}
    assert client.patch(f"/api/v1/systems/{mine['id']}", json={"vendor": "Ny"}, headers=owner).status_code == 200
    assert client.patch(f"/api/v1/systems/{by_unit['id']}", json={"vendor": "Ny"}, headers=owner).status_code == 200
    assert client.patch(f"/api/v1/datasets/{dataset['id']}", json={"retention": "5 år"}, headers=owner).status_code == 200
    assert_problem(client.patch(f"/api/v1/systems/{theirs['id']}", json={"vendor": "Ny"}, headers=owner), 403)
    assert_problem(client.post("/api/v1/ownerships", json={"owner_id": person["id"], "resource_id": theirs["id"],
                                                           "role": "systemeier"}, headers=owner), 403)
    assert client.post("/api/v1/ownerships", json={"owner_id": person["id"], "resource_id": mine["id"],
                                                   "role": "systemansvarlig"}, headers=owner).status_code == 201
    assert_problem(client.post("/api/v1/systems", json={"name": "Nytt"}, headers=owner), 403)


def test_reader_sees_no_grants_and_no_personal_details(client, tokens):
    person = create(client, "Person", email="kari@fylke.no", employee_id="E1")
    system = create(client, "System")
    client.post("/api/v1/access-grants", json={"principal_id": person["id"], "resource_id": system["id"], "level": "read"})
    reader = {"Authorization": f"Bearer {tokens['reader']}"}
    shown = client.get(f"/api/v1/people/{person['id']}", headers=reader).json()
    assert shown["name"] == person["name"] and shown["email"] is None and shown["employee_id"] is None
    assert client.get("/api/v1/people", headers=reader).json()["items"][0]["email"] is None
    assert_problem(client.get("/api/v1/access-grants", headers=reader), 403)
    assert_problem(client.get("/api/v1/access/who", params={"resource": system["id"]}, headers=reader), 403)
    auditor = {"Authorization": f"Bearer {tokens['auditor']}"}
    assert client.get(f"/api/v1/people/{person['id']}", headers=auditor).json()["email"] == "kari@fylke.no"
    assert client.get("/api/v1/access-grants", headers=auditor).json()["total"] == 1
    assert_problem(client.patch(f"/api/v1/systems/{system['id']}", json={"vendor": "x"}, headers=auditor), 403)


def test_history_records_each_change_with_its_actor(client, tokens):
    architect = {"Authorization": f"Bearer {tokens['architect']}"}
    system = client.post("/api/v1/systems", json={"name": "Loggført"}, headers=architect).json()
    client.patch(f"/api/v1/systems/{system['id']}", json={"vendor": "A"}, headers={**architect, "X-Request-ID": "req-42"})
    person = create(client, "Person")
    grant = client.post("/api/v1/ownerships", json={"owner_id": person["id"], "resource_id": system["id"],
                                                    "role": "systemeier"}).json()
    client.delete(f"/api/v1/ownerships/{grant['id']}")
    changes = client.get(f"/api/v1/history/{system['id']}").json()["items"]
    assert [c["action"] for c in changes] == ["update", "create"]
    assert all(c["actor"] == "token:test-architect" for c in changes)
    update = changes[0]
    assert json.loads(update["before"]).get("vendor") is None and json.loads(update["after"])["vendor"] == "A"
    assert update["request_id"] == "req-42"
    ownership = client.get(f"/api/v1/history/{grant['id']}").json()["items"]
    assert [c["action"] for c in ownership] == ["delete", "create"] and ownership[0]["actor"] == "token:test-admin"
    by_actor = client.get("/api/v1/history", params={"actor": "token:test-architect"}).json()
    assert by_actor["total"] == 2
    assert client.get("/api/v1/history", params={"since": "2999-01-01T00:00:00Z"}).json()["total"] == 0
    # Nothing in the API changes history.
    spec = client.get("/openapi.json").json()["paths"]
    assert set(spec["/api/v1/history/{entity_id}"]) == {"get"} and set(spec["/api/v1/history"]) == {"get"}


def test_tokens_are_shown_once_listed_without_hash_and_revocable(client):
    made = client.post("/api/v1/admin/tokens", json={"name": "connector-x", "role": "architect", "expires_days": 5})
    assert made.status_code == 201 and made.json()["token"].startswith("dkat_")
    token = made.json()["token"]
    listed = {t["name"]: t for t in client.get("/api/v1/admin/tokens").json()}
    assert "token_hash" not in listed["connector-x"] and token not in json.dumps(listed)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/systems", headers=headers).status_code == 200
    assert_problem(client.post("/api/v1/admin/tokens", json={"name": "connector-x", "role": "reader"}), 400)
    assert client.delete("/api/v1/admin/tokens/connector-x").status_code == 204
    assert_problem(client.get("/api/v1/systems", headers=headers), 401)


def test_expired_token_is_refused(client, store):
    token = create_token(store, "short-lived", "reader", 1)
    store.execute("MATCH (t:ApiToken {name: 'short-lived'}) SET t.expires = '2000-01-01T00:00:00+00:00'")
    assert_problem(client.get("/api/v1/systems", headers={"Authorization": f"Bearer {token}"}), 401)


@pytest.fixture
def identity_provider(monkeypatch):
    """A local JWKS endpoint, as an OpenID Connect provider (Entra ID) publishes its keys."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    keys = {"keys": [{**jwk, "kid": "test-key", "use": "sig", "alg": "RS256"}]}

    class Keys(JsonHandler):
        def do_GET(self):
            self.send_json(200, keys)

    issuer = "https://login.example/tenant/v2.0"

    def sign(**claims):
        now = int(time.time())
        payload = {"iss": issuer, "aud": "api://datakatalog", "sub": "abc", "iat": now, "exp": now + 600, **claims}
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": "test-key"})

    with serving(Keys) as base:
        for name, value in {"CATALOG_OIDC_ISSUER": issuer, "CATALOG_OIDC_AUDIENCE": "api://datakatalog",
                            "CATALOG_OIDC_JWKS_URL": f"{base}/keys",
                            "CATALOG_OIDC_ROLE_MAP": '{"Catalog.Architect": "architect"}'}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield sign
    get_settings.cache_clear()


def test_openid_connect_tokens_with_mapped_claims_and_stored_assignments(client, identity_provider):
    architect = {"Authorization": f"Bearer {identity_provider(roles=['Catalog.Architect'], upn='a@fylke.no')}"}
    assert client.post("/api/v1/systems", json={"name": "Via OIDC"}, headers=architect).status_code == 201
    assert client.get("/api/v1/history/system-via-oidc").json()["items"][0]["actor"] == "a@fylke.no"
    nobody = {"Authorization": f"Bearer {identity_provider(upn='b@fylke.no')}"}
    assert_problem(client.get("/api/v1/systems", headers=nobody), 403)
    client.post("/api/v1/admin/role-assignments", json={"subject": "B@fylke.no", "role": "auditor"})
    assert client.get("/api/v1/access-grants", headers=nobody).status_code == 200
    expired = identity_provider(exp=int(time.time()) - 10)
    assert_problem(client.get("/api/v1/systems", headers={"Authorization": f"Bearer {expired}"}), 401)
    wrong_audience = identity_provider(aud="api://other")
    assert_problem(client.get("/api/v1/systems", headers={"Authorization": f"Bearer {wrong_audience}"}), 401)
    forged = jwt.encode({"iss": "x", "sub": "x", "exp": int(time.time()) + 60}, "secret", algorithm="HS256")
    assert_problem(client.get("/api/v1/systems", headers={"Authorization": f"Bearer {forged}"}), 401)


def test_hardening_headers_cors_and_size_limit(client):
    response = client.get("/api/v1/systems")
    assert response.headers["x-content-type-options"] == "nosniff" and response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    preflight = client.options("/api/v1/systems", headers={"Origin": "https://evil.example",
                                                           "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in preflight.headers
    too_big = client.post("/api/v1/systems", content=b"x" * 11_000_000, headers={"content-type": "application/json"})
    assert_problem(too_big, 413)
    failure = client.get("/api/v1/systems/nothing")
    assert "Traceback" not in failure.text


def test_dev_mode_refuses_any_address_but_loopback():
    result = CliRunner().invoke(cli, ["serve", "--dev", "--host", "0.0.0.0"])
    assert result.exit_code == 1 and "loopback" in result.output
