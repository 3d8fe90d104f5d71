"""Every page type: accessible (axe-core finds nothing serious or critical), saved as a
screenshot, readable without JavaScript; the language switch; sign-in by OpenID Connect with
PKCE against a local identity provider; CSRF; the API docs without internet."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from axe_playwright_python.sync_playwright import Axe
from cryptography.hazmat.primitives.asymmetric import rsa

from catalog.settings import get_settings
from tests.local_http import JsonHandler, serving
from tests.web.conftest import screenshot, sign_in


def _page_types(api) -> dict[str, str]:
    """One address per page type, with real entries of the demo county."""
    who = api.get("/access/who", params={"resource": "dataset-elevregister", "limit": 1}).json()["principals"][0]
    return {
        "start": "/?q=Elev", "list": "/systems/?lifecycle=in-use", "entity": "/systems/system-visma-inschool",
        "dataset": "/datasets/dataset-elevregister", "new": "/systems/new", "edit": "/datasets/dataset-elevregister/edit",
        "lineage": "/systems/system-visma-inschool/lineage", "access": "/datasets/dataset-elevregister/access",
        "reach": f"/people/{who['id']}/reach", "path": f"/access/path?{urlencode({'from': who['id'], 'to': 'dataset-elevregister'})}",
        "reports": "/reports/", "report": "/reports/systems-without-owner",
        "report-print": "/reports/record-of-processing?format=print", "harvest": "/harvest/", "signin": "/signin",
        "error": "/systems/no-such-system", "tasks": "/tasks", "attestations": "/attestations",
        "reviews": "/access-reviews/", "review": f"/access-reviews/{api.get('/access-reviews').json()[0]['id']}",
        "processing-activity": f"/processing-activities/{api.get('/processing-activities').json()['items'][0]['id']}",
        "agreement": f"/agreements/{api.get('/agreements').json()['items'][0]['id']}",
    }


def test_every_page_type_has_no_serious_accessibility_violation(context, api):
    page = context.new_page()
    sign_in(page, "admin")
    axe, found = Axe(), {}
    for name, path in _page_types(api).items():
        page.goto(path)
        if name == "lineage":
            page.wait_for_function("() => window.catalogGraph && catalogGraph.cy.nodes().length > 0")
            page.evaluate("() => catalogGraph.ready")
        results = axe.run(page)
        serious = [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in results.response["violations"]
                   if v["impact"] in ("serious", "critical")]
        if serious:
            found[name] = serious
        screenshot(page, name)
    assert found == {}


def test_the_record_of_processing_prints_one_section_per_activity(context, api):
    activities = api.get("/processing-activities", params={"limit": 500}).json()["items"]
    page = context.new_page()
    sign_in(page, "auditor")
    page.goto("/reports/record-of-processing")
    page.get_by_role("link", name="Utskriftsvennlig versjon").click()
    assert sorted(page.locator("section.record h2").all_inner_texts()) == sorted(a["name"] for a in activities)
    one = activities[0]
    fields = page.locator("section.record", has=page.get_by_role("heading", name=one["name"], exact=True)).evaluate(
        "s => Object.fromEntries([...s.querySelectorAll('dt')].map(dt => [dt.textContent, dt.nextElementSibling.textContent]))")
    # Datatilsynet's template headings, in its order.
    assert list(fields)[:4] == ["ID", "Behandlingsaktivitet", "Ansvarlig enhet", "Behandlingsansvarlig"]
    assert fields["ID"] == one["id"] and fields["Behandlingsaktivitet"] == one["name"]
    assert fields["Formål med behandlingen"] == (one.get("purpose") or "–")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator("section.record").first.is_visible()


def test_reading_pages_work_without_javascript(browser, server, api):
    context = browser.new_context(base_url=server, locale="nb-NO", java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, "auditor")
        page.goto("/systems/system-visma-inschool/lineage")
        expected = {n["id"] for n in api.get("/lineage/system-visma-inschool", params={"depth": 1}).json()["nodes"]}
        rows = set(page.eval_on_selector_all("#graph-nodes tbody tr", "rows => rows.map(r => r.dataset.id)"))
        assert rows == expected
        page.goto("/datasets/dataset-elevregister/access")
        assert page.locator("table.access tbody tr").count() >= 1
        page.goto("/systems/?criticality=critical")
        names = set(page.locator("table.list tbody td:first-child a").all_inner_texts())
        critical = api.get("/systems", params={"criticality": "critical", "limit": 500}).json()["items"]
        assert names == {s["name"] for s in critical}
    finally:
        context.close()


def test_english_when_the_browser_asks_and_a_switch_back(browser, server):
    context = browser.new_context(base_url=server, locale="en-GB")
    try:
        page = context.new_page()
        page.goto("/")
        assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_role("link", name="Norsk (bokmål)").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Logg inn"
        assert page.locator("html").get_attribute("lang") == "nb"
    finally:
        context.close()


def test_a_form_without_its_csrf_token_is_refused(context, api):
    page = context.new_page()
    sign_in(page, "architect")
    refused = context.request.post("/systems/new", form={"name": "Uten CSRF"})
    assert refused.status == 403
    assert api.get("/systems", params={"q": "Uten CSRF"}).json()["total"] == 0
    token = page.goto("/systems/new") and page.locator("input[name=csrf_token]").first.get_attribute("value")
    accepted = context.request.post("/systems/new", form={"name": "Med CSRF", "csrf_token": token}, max_redirects=0)
    assert accepted.status == 303
    assert api.get("/systems", params={"q": "Med CSRF"}).json()["total"] == 1


def test_the_api_docs_load_nothing_from_outside(context, server):
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .information-container", timeout=60_000)
    assert requested and all(url.startswith(server) or url.startswith("data:") for url in requested), requested


@pytest.fixture
def identity_provider(monkeypatch):
    """A local OpenID Connect provider: discovery, authorize (redirects straight back with a
    code), token (checks the PKCE verifier against the challenge) and its keys."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    issued: dict[str, dict] = {}
    seen: dict[str, str] = {}
    box: dict[str, str] = {}

    def sign(**claims) -> str:
        now = int(time.time())
        return jwt.encode({"iss": box["issuer"], "iat": now, "exp": now + 600, **claims}, key, algorithm="RS256",
                          headers={"kid": "idp-key"})

    class Provider(JsonHandler):
        def do_GET(self):
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                issuer = box["issuer"]
                return self.send_json(200, {"issuer": issuer, "authorization_endpoint": f"{issuer}/authorize",
                                            "token_endpoint": f"{issuer}/token", "jwks_uri": f"{issuer}/keys",
                                            "response_types_supported": ["code"],
                                            "code_challenge_methods_supported": ["S256"],
                                            "id_token_signing_alg_values_supported": ["RS256"]})
            if url.path == "/keys":
                return self.send_json(200, {"keys": [{**jwk, "kid": "idp-key", "use": "sig", "alg": "RS256"}]})
            if url.path == "/authorize":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                seen["code_challenge_method"] = query.get("code_challenge_method", "")
                issued["code-1"] = query
                target = f"{query['redirect_uri']}?{urlencode({'code': 'code-1', 'state': query['state']})}"
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()
                return None
            return self.send_json(404, {})

        def do_POST(self):
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
            request = issued.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if request is None or challenge != request.get("code_challenge"):
                return self.send_json(400, {"error": "invalid_grant"})
            seen["verified"] = "yes"
            access = sign(aud="api://datakatalog", sub="user-1", upn="arkitekt@fylke.no",
                          roles=["Catalog.Architect"])
            identity = sign(aud="catalog-web", sub="user-1", nonce=request.get("nonce"), upn="arkitekt@fylke.no")
            return self.send_json(200, {"access_token": access, "id_token": identity, "token_type": "Bearer",
                                        "expires_in": 600})

    with serving(Provider) as base:
        box["issuer"] = base
        for name, value in {"CATALOG_OIDC_ISSUER": base, "CATALOG_OIDC_AUDIENCE": "api://datakatalog",
                            "CATALOG_OIDC_JWKS_URL": f"{base}/keys", "CATALOG_OIDC_CLIENT_ID": "catalog-web",
                            "CATALOG_OIDC_ROLE_MAP": '{"Catalog.Architect": "architect"}'}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield seen
    get_settings.cache_clear()


def test_openid_connect_sign_in_with_pkce_and_sign_out(context, identity_provider):
    page = context.new_page()
    page.goto("/systems/")
    page.get_by_role("link", name="Logg inn med jobbkontoen din").click()
    page.wait_for_url("**/systems/")
    assert identity_provider == {"code_challenge_method": "S256", "verified": "yes"}
    assert "arkitekt@fylke.no (architect)" in page.locator("header").inner_text()
    cookie = next(c for c in context.cookies() if c["name"] == "catalog_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.get_by_role("link", name="Ny: fagsystem").count() == 1
    page.get_by_role("button", name="Logg ut").click()
    page.goto("/systems/")
    assert page.get_by_role("heading", level=1).inner_text() == "Logg inn"
