"""The Entra ID connector against a local server answering like Microsoft Graph v1.0: the
client-credentials token, @odata.nextLink paging, 429 with Retry-After, nested groups and app-role
assignments. Nothing of our own code is patched."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from catalog.harvest.service import run_source
from catalog.harvest.sources import SourceSettings
from tests.connectors.test_ldap import slapd  # noqa: F401  (a fixture)
from tests.factory import create
from tests.local_http import JsonHandler, serving

TOKEN = "graph-test-token"
USER = "#microsoft.graph.user"
GROUP = "#microsoft.graph.group"
TEACHER_ROLE = "8e1b1ec9-0000-4000-8000-000000000001"


def graph_payloads(base: str) -> dict[str, dict]:
    user = lambda i, name, upn, employee=None, enabled=True, dept=None: {  # noqa: E731
        "id": i, "displayName": name, "userPrincipalName": upn, "mail": upn.upper(), "employeeId": employee,
        "department": dept, "jobTitle": None, "accountEnabled": enabled}
    members = lambda *pairs: {"value": [{"@odata.type": kind, "id": i} for kind, i in pairs]}  # noqa: E731
    return {
        "/v1.0/users": {"value": [user("u1", "Kari Berg", "kari.berg@fylke.no", "E100", dept="Opplæring"),
                                  user("u2", "Ola Slutta", "ola@fylke.no", enabled=False)],
                        "@odata.nextLink": f"{base}/v1.0/users?$skiptoken=page2"},
        "/v1.0/users?page2": {"value": [user("u3", "Per Lie", "per@fylke.no")]},
        "/v1.0/groups": {"value": [
            {"id": "gA", "displayName": "Alle lærere", "mail": None, "securityEnabled": True, "groupTypes": []},
            {"id": "gB", "displayName": "Lærere vgs", "mail": None, "securityEnabled": True, "groupTypes": []},
            {"id": "gC", "displayName": "Lærere Fjordvik", "mail": "fjordvik@fylke.no", "securityEnabled": False,
             "groupTypes": ["Unified"]}]},
        "/v1.0/groups/gA/members": members((GROUP, "gB")),
        "/v1.0/groups/gB/members": members((GROUP, "gC")),
        "/v1.0/groups/gC/members": members((USER, "u1"), (USER, "u2")),
        "/v1.0/servicePrincipals": {"value": [
            {"id": "sp1", "appId": "app-inschool", "displayName": "Visma InSchool", "accountEnabled": True,
             "appRoles": [{"id": TEACHER_ROLE, "value": "Teacher", "displayName": "Lærer"}]},
            {"id": "sp2", "appId": "app-shadow", "displayName": "Shadow IT", "accountEnabled": True, "appRoles": []}]},
        "/v1.0/servicePrincipals/sp1/appRoleAssignedTo": {"value": [
            {"principalId": "gA", "principalType": "Group", "appRoleId": TEACHER_ROLE, "resourceId": "sp1"},
            {"principalId": "u3", "principalType": "User", "appRoleId": "00000000-0000-0000-0000-000000000000",
             "resourceId": "sp1"}]},
        "/v1.0/servicePrincipals/sp2/appRoleAssignedTo": {"value": [
            {"principalId": "u3", "principalType": "User", "appRoleId": "00000000-0000-0000-0000-000000000000",
             "resourceId": "sp2"}]},
    }


@pytest.fixture
def graph():
    state = {"throttled": 0, "unauthorised": 0}
    payloads: dict[str, dict] = {}

    class Graph(JsonHandler):
        def do_POST(self):
            form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            if self.path == "/tenant/oauth2/v2.0/token" and form.get("client_secret") == ["s3cret"] \
                    and form.get("grant_type") == ["client_credentials"]:
                self.send_json(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN})
            else:
                self.send_json(401, {"error": "invalid_client"})

        def do_GET(self):
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                state["unauthorised"] += 1
                return self.send_json(401, {"error": {"code": "InvalidAuthenticationToken"}})
            url = urlparse(self.path)
            key = url.path + ("?page2" if "skiptoken" in url.query else "")
            if key == "/v1.0/users" and state["throttled"] == 0:
                state["throttled"] += 1
                return self.send_json(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "1"})
            body = payloads.get(key)
            self.send_json(200, body) if body is not None else self.send_json(404, {"error": {"code": "Request_ResourceNotFound"}})

    with serving(Graph) as base:
        payloads.update(graph_payloads(base))
        yield base, state


def test_entra_groups_nested_three_deep_give_access_with_the_path(clean_store, session_client, graph, monkeypatch):
    base, state = graph
    monkeypatch.setenv("ENTRA_SECRET", "s3cret")
    system = create(session_client, "System", id="system-inschool", name="Visma InSchool")
    # Entered by hand with only a name and an employee number; Entra ID fills in the rest.
    known = session_client.post("/api/v1/people", json={"name": "Kari B.", "employee_id": "E100"}).json()
    source = SourceSettings(id="entra", connector="entra", secrets={"client_secret": "ENTRA_SECRET"}, settings={
        "tenant_id": "tenant", "client_id": "catalog", "token_url": f"{base}/tenant/oauth2/v2.0/token",
        "graph_url": f"{base}/v1.0", "applications": {"app-inschool": system["id"]}, "role_levels": {"Teacher": "write"}})
    run = run_source(clean_store, source, Path("."))
    assert run.status == "succeeded", run.errors
    assert state["throttled"] == 1 and state["unauthorised"] == 0
    assert any("Shadow IT" in note for note in run.notes)
    # Kari arrived from Entra ID and is the person the catalog already knew (employee number).
    assert clean_store.rows("MATCH (p:Person) RETURN count(p) AS n")[0]["n"] == 3
    kari = session_client.get(f"/api/v1/people/{known['id']}").json()
    assert kari["upn"] == "kari.berg@fylke.no" and kari["email"] == "kari.berg@fylke.no"

    who = session_client.get("/api/v1/access/who", params={"resource": system["id"]}).json()
    reach = {p["id"]: p for p in who["principals"]}
    assert reach[known["id"]]["level"] == "write"
    path = reach[known["id"]]["paths"][0]
    assert [step.get("name") for step in path[::2]] == ["Kari B.", "Lærere Fjordvik", "Lærere vgs", "Alle lærere",
                                                          "Visma InSchool"]
    assert reach["person-per-fylke-no"]["level"] == "read"
    assert "person-ola-fylke-no" not in reach  # disabled accounts reach nothing
    with_disabled = session_client.get("/api/v1/access/who", params={"resource": system["id"], "include_disabled": True})
    ola = next(p for p in with_disabled.json()["principals"] if p["id"] == "person-ola-fylke-no")
    assert ola["enabled"] is False and ola["level"] == "write"  # a grant left to clean up
    assert reach[known["id"]]["enabled"] is True
    nothing = session_client.get("/api/v1/access/what", params={"principal": "person-ola-fylke-no"}).json()
    assert nothing["resources"] == []
    remaining = session_client.get("/api/v1/access/what", params={"principal": "person-ola-fylke-no",
                                                                  "include_disabled": True}).json()
    assert [r["id"] for r in remaining["resources"]] == [system["id"]]
    again = run_source(clean_store, source, Path("."))
    assert again.created == 0 and again.updated == 0


def test_refused_credentials_fail_the_run_and_delete_nothing(clean_store, graph, monkeypatch):
    base, _ = graph
    monkeypatch.setenv("ENTRA_SECRET", "wrong")
    source = SourceSettings(id="entra", connector="entra", secrets={"client_secret": "ENTRA_SECRET"}, settings={
        "tenant_id": "tenant", "client_id": "catalog", "token_url": f"{base}/tenant/oauth2/v2.0/token",
        "graph_url": f"{base}/v1.0"})
    run = run_source(clean_store, source, Path("."))
    assert run.status == "failed" and "refused" in run.errors[0]


def test_three_sources_make_one_person_each(clean_store, session_client, graph, slapd, monkeypatch):
    """Entra ID, LDAP and FINT's customer portal into one graph: Kari matches by employee number, Ola
    and Per by UPN, Siri (a FINT contact) by e-mail."""
    from tests.connectors.test_fint_model import FIXTURES_DIR
    from tests.connectors.test_ldap import ADMIN, BASE

    base, _ = graph
    port, folder = slapd
    monkeypatch.setenv("ENTRA_SECRET", "s3cret")
    monkeypatch.setenv("LDAP_PASSWORD", "hemmelig")
    system = create(session_client, "System", id="system-inschool", name="Visma InSchool")
    sources = [
        (SourceSettings(id="entra", connector="entra", secrets={"client_secret": "ENTRA_SECRET"}, settings={
            "tenant_id": "tenant", "client_id": "catalog", "token_url": f"{base}/tenant/oauth2/v2.0/token",
            "graph_url": f"{base}/v1.0", "applications": {"app-inschool": system["id"]}}), Path(".")),
        (SourceSettings(id="ad", connector="ldap", secrets={"password": "LDAP_PASSWORD"}, settings={
            "url": f"ldap://127.0.0.1:{port}", "bind_dn": ADMIN, "base_dn": BASE}), folder),
        (SourceSettings(id="fint-portal", connector="fint-portal", settings={"path": "fint-portal.json"}), FIXTURES_DIR),
    ]
    for source, base_dir in sources:
        assert run_source(clean_store, source, base_dir).status == "succeeded"
    people = clean_store.rows("MATCH (p:Person) RETURN p.name AS name, p.seen AS seen ORDER BY name")
    assert [p["name"] for p in people] == ["Kari Berg", "Nils Dahl", "Ola Slutta", "Per Lie", "Siri Moe", "Trude Vik"]
    sources_of = {p["name"]: sorted(seen.split("|")[0] for seen in p["seen"]) for p in people}
    assert sources_of == {"Kari Berg": ["ad", "entra"], "Ola Slutta": ["ad", "entra"], "Per Lie": ["ad", "entra"],
                          "Siri Moe": ["ad", "fint-portal"], "Nils Dahl": ["ad"], "Trude Vik": ["fint-portal"]}
    # In that one graph, Kari reaches the system through the Entra group nested three deep.
    who = session_client.get("/api/v1/access/who", params={"resource": system["id"]}).json()
    kari = [p for p in who["principals"] if p["name"] == "Kari Berg"]
    assert len(kari) == 1 and [step.get("name") for step in kari[0]["paths"][0][::2]] == [
        "Kari Berg", "Lærere Fjordvik", "Lærere vgs", "Alle lærere", "Visma InSchool"]
