"""The Entra ID connector against a local server answering like Microsoft Graph v1.0: the
client-credentials token, @odata.nextLink paging, 429 with Retry-After, groups of every kind nested
three deep, devices and contacts among members, guests, and enterprise applications with app roles.
Nothing of our own code is patched.

Access as Entra ID defines it: an app role assigned to a group reaches its direct members only
(Microsoft: assignments to a group do not cascade to nested groups); an application that requires
no assignment is open to every enabled user; several roles of one principal give one stable level."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from catalog.harvest.service import run_source
from catalog.harvest.sources import SourceSettings
from catalog.services.reports import path_text
from tests.connectors.test_ldap import slapd  # noqa: F401  (a fixture)
from tests.factory import create
from tests.local_http import JsonHandler, serving

TOKEN = "graph-test-token"


class GraphTokens(JsonHandler):
    """Microsoft Graph's token endpoint, giving TOKEN to any client; tests add the GETs they serve."""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_json(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN})
USER = "#microsoft.graph.user"
GROUP = "#microsoft.graph.group"
DEVICE = "#microsoft.graph.device"
CONTACT = "#microsoft.graph.orgContact"
TEACHER_ROLE = "8e1b1ec9-0000-4000-8000-000000000001"
ADMIN_ROLE = "8e1b1ec9-0000-4000-8000-000000000002"
DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000"


def user(i, name, upn, employee=None, enabled=True, dept=None, kind="Member"):
    return {"id": i, "displayName": name, "userPrincipalName": upn, "mail": upn.upper(), "employeeId": employee,
            "department": dept, "jobTitle": None, "accountEnabled": enabled, "userType": kind}


def group(i, name, types=(), mail=None, security=True):
    return {"id": i, "displayName": name, "mail": mail, "mailEnabled": mail is not None, "securityEnabled": security,
            "groupTypes": list(types)}


def members(*pairs):
    return {"value": [{"@odata.type": kind, "id": i} for kind, i in pairs]}


def graph_payloads(base: str) -> dict[str, dict]:
    """A small tenant. Kari (u1) and Ola Slutta (u2, disabled) are in Lærere Fjordvik, nested in Lærere
    vgs, nested in Alle lærere, which holds InSchool's Teacher role; Ola Nordmann (u4) is a direct
    member of Alle lærere; his namesake ola-nordmann (u5) holds Teacher and Admin himself; Per (u3)
    has default access; Gjest (u6) is a guest. Kantine requires no assignment."""
    return {
        "/v1.0/users": {"value": [user("u1", "Kari Berg", "kari.berg@fylke.no", "E100", dept="Opplæring"),
                                  user("u2", "Ola Slutta", "ola@fylke.no", enabled=False, dept="Opplæring"),
                                  user("u3", "Per Lie", "per@fylke.no", dept="Opplæring")],
                        "@odata.nextLink": f"{base}/v1.0/users?$skiptoken=page2"},
        "/v1.0/users?page2": {"value": [
            user("u4", "Ola Nordmann", "ola.nordmann@fylke.no"), user("u5", "Ola Nordmann", "ola-nordmann@fylke.no"),
            user("u6", "Gjest Konsulent", "gjest_firma.no#EXT#@fylke.onmicrosoft.com", kind="Guest")]},
        "/v1.0/groups": {"value": [
            group("gA", "Alle lærere"), group("gB", "Lærere vgs"),
            group("gC", "Lærere Fjordvik", ["Unified"], "fjordvik@fylke.no", security=False),
            group("gD", "Alle ansatte (dynamisk)", ["DynamicMembership"]),
            group("gE", "Nyhetsbrev", mail="nyhet@fylke.no", security=False)]},
        "/v1.0/groups/gA/members": members((GROUP, "gB"), (USER, "u4"), (DEVICE, "d1"), (CONTACT, "c1")),
        "/v1.0/groups/gB/members": members((GROUP, "gC")),
        "/v1.0/groups/gC/members": members((USER, "u1"), (USER, "u2")),
        "/v1.0/groups/gD/members": members((USER, "u1"), (USER, "u3"), (DEVICE, "d2")),
        "/v1.0/groups/gE/members": members((USER, "u3")),
        "/v1.0/servicePrincipals": {"value": [
            {"id": "sp1", "appId": "app-inschool", "displayName": "Visma InSchool", "accountEnabled": True,
             "appRoleAssignmentRequired": True,
             "appRoles": [{"id": TEACHER_ROLE, "value": "Teacher", "displayName": "Lærer"},
                          {"id": ADMIN_ROLE, "value": "Admin", "displayName": "Administrator"}]},
            {"id": "sp2", "appId": "app-shadow", "displayName": "Shadow IT", "accountEnabled": True,
             "appRoleAssignmentRequired": True, "appRoles": []},
            {"id": "sp3", "appId": "app-kantine", "displayName": "Kantine", "accountEnabled": True,
             "appRoleAssignmentRequired": False, "appRoles": []}]},
        "/v1.0/servicePrincipals/sp1/appRoleAssignedTo": {"value": [
            {"principalId": "gA", "principalType": "Group", "appRoleId": TEACHER_ROLE, "resourceId": "sp1"},
            {"principalId": "u5", "principalType": "User", "appRoleId": ADMIN_ROLE, "resourceId": "sp1"},
            {"principalId": "u5", "principalType": "User", "appRoleId": TEACHER_ROLE, "resourceId": "sp1"},
            {"principalId": "u3", "principalType": "User", "appRoleId": DEFAULT_ACCESS, "resourceId": "sp1"}]},
        "/v1.0/servicePrincipals/sp2/appRoleAssignedTo": {"value": [
            {"principalId": "u3", "principalType": "User", "appRoleId": DEFAULT_ACCESS, "resourceId": "sp2"}]},
        "/v1.0/servicePrincipals/sp3/appRoleAssignedTo": {"value": []},
    }


@pytest.fixture
def graph():
    # The server's own log of GETs: (monotonic time, path, status answered).
    state = {"throttled": 0, "unauthorised": 0, "payloads": {}, "log": []}

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
                state["log"].append((time.monotonic(), key, 429))
                return self.send_json(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "1"})
            body = state["payloads"].get(key)
            state["log"].append((time.monotonic(), key, 200 if body is not None else 404))
            self.send_json(200, body) if body is not None else self.send_json(404, {"error": {"code": "Request_ResourceNotFound"}})

    with serving(Graph) as base:
        state["payloads"].update(graph_payloads(base))
        yield base, state


def entra_source(base: str, systems: dict[str, str], **settings) -> SourceSettings:
    return SourceSettings(id="entra", connector="entra", secrets={"client_secret": "ENTRA_SECRET"}, settings={
        "tenant_id": "tenant", "client_id": "catalog", "token_url": f"{base}/tenant/oauth2/v2.0/token",
        "graph_url": f"{base}/v1.0", "applications": systems, "role_levels": {"Teacher": "write", "Admin": "admin"},
        **settings})


@pytest.fixture
def tenant(clean_store, session_client, graph, monkeypatch):
    """The tenant harvested once, with InSchool and Kantine in the catalog."""
    base, state = graph
    monkeypatch.setenv("ENTRA_SECRET", "s3cret")
    inschool = create(session_client, "System", id="system-inschool", name="Visma InSchool")
    kantine = create(session_client, "System", id="system-kantine", name="Kantine")
    source = entra_source(base, {"app-inschool": inschool["id"], "Kantine": kantine["id"]})
    run = run_source(clean_store, source, Path("."))
    assert run.status == "succeeded", run.errors
    return {"source": source, "run": run, "state": state, "inschool": inschool, "kantine": kantine,
            "people": people_by_upn(session_client)}


def people_by_upn(client) -> dict[str, dict]:
    return {p["upn"]: p for p in client.get("/api/v1/people", params={"limit": 100}).json()["items"]}


def who(client, resource: str, **params) -> dict[str, dict]:
    answer = client.get("/api/v1/access/who", params={"resource": resource, **params}).json()
    return {p["id"]: p for p in answer["principals"]}


def what(client, principal: str) -> list[str]:
    return [r["id"] for r in client.get("/api/v1/access/what", params={"principal": principal}).json()["resources"]]


def test_an_app_role_on_a_group_reaches_its_direct_members_only(tenant, session_client):
    people, inschool = tenant["people"], tenant["inschool"]["id"]
    reach = who(session_client, inschool)
    # Written from the fixture: Alle lærere's direct member Ola Nordmann (Teacher), ola-nordmann
    # (Teacher and Admin), Per (default access). Kari is three groups down: Entra ID lets her not in.
    expected = {people["ola.nordmann@fylke.no"]["id"]: "write", people["ola-nordmann@fylke.no"]["id"]: "admin",
                people["per@fylke.no"]["id"]: "read"}
    assert {i: p["level"] for i, p in reach.items()} == expected
    assert inschool not in what(session_client, people["kari.berg@fylke.no"]["id"])
    path = reach[people["ola.nordmann@fylke.no"]["id"]]["paths"][0]
    assert [s.get("name") for s in path[::2]] == ["Ola Nordmann", "Alle lærere", "Visma InSchool"]
    assert path[3]["relationship"] == "HAS_ACCESS" and path[3]["expansion"] == "direct"
    assert "direct members only" in path_text(path)
    between = session_client.get("/api/v1/access/path", params={"from": people["kari.berg@fylke.no"]["id"],
                                                                "to": inschool}).json()
    assert between["level"] is None and between["paths"] == []
    review = session_client.get("/api/v1/reports/access-review", params={"resource": inschool}).json()
    assert {row["principal_id"] for row in review["rows"]} == set(expected)
    # Through the group the rule is stated; a grant assigned to a person (Per's default access,
    # ola-nordmann's Admin) reaches that person alone and states none.
    paths = [row["path"] for row in review["rows"]]
    assert [p for p in paths if "MEMBER_OF" in p] and all("direct members only" in p for p in paths if "MEMBER_OF" in p)
    assert not any("members only" in p or "nested groups" in p for p in paths if "MEMBER_OF" not in p), paths
    # A grant made by hand to the same group is transitive, as before: Kari reaches through nesting.
    other = create(session_client, "System", name="Fagsystem")
    groups = {g["name"]: g["id"] for g in session_client.get("/api/v1/groups", params={"limit": 100}).json()["items"]}
    session_client.post("/api/v1/access-grants", json={"principal_id": groups["Alle lærere"],
                                                       "resource_id": other["id"], "level": "read"})
    kari = who(session_client, other["id"])[people["kari.berg@fylke.no"]["id"]]
    assert [s.get("name") for s in kari["paths"][0][::2]] == ["Kari Berg", "Lærere Fjordvik", "Lærere vgs",
                                                             "Alle lærere", "Fagsystem"]
    assert "nested groups included" in path_text(kari["paths"][0])
    assert other["id"] in what(session_client, people["kari.berg@fylke.no"]["id"])


def test_two_users_whose_upns_differ_only_in_punctuation_stay_two_people(tenant, clean_store, session_client):
    people = tenant["people"]
    dot, dash = people["ola.nordmann@fylke.no"], people["ola-nordmann@fylke.no"]
    assert dot["id"] != dash["id"] and dot["name"] == dash["name"] == "Ola Nordmann"
    reach = who(session_client, tenant["inschool"]["id"])
    assert (reach[dot["id"]]["level"], reach[dash["id"]]["level"]) == ("write", "admin")
    assert [s.get("name") for s in reach[dash["id"]]["paths"][0][::2]] == ["Ola Nordmann", "Visma InSchool"]
    # Only the dot one is in Alle lærere.
    in_group = clean_store.rows("MATCH (p:Person)-[:MEMBER_OF]->(:Group {name: 'Alle lærere'}) RETURN p.id AS id")
    assert [row["id"] for row in in_group] == [dot["id"]]
    for person in (dot, dash):  # ids are opaque: no name or e-mail in them
        assert "ola" not in person["id"] and "nordmann" not in person["id"]


def test_an_application_that_requires_no_assignment_is_open_to_every_enabled_user(tenant, session_client):
    people = tenant["people"]
    reach = who(session_client, tenant["kantine"]["id"])
    enabled = {p["id"] for upn, p in people.items() if upn != "ola@fylke.no"}
    assert set(reach) == enabled and len(enabled) == 5
    path = reach[people["per@fylke.no"]["id"]]["paths"][0]
    assert [s.get("name") for s in path[::2]] == ["Per Lie", "Alle brukere i Entra ID", "Kantine"]
    assert "requires no assignment" in path[3]["purpose"]
    assert any("Kantine" in note and "every enabled user" in note for note in tenant["run"].notes)
    disabled = who(session_client, tenant["kantine"]["id"], include_disabled=True)
    assert people["ola@fylke.no"]["id"] not in disabled  # not a member of all users at all


def test_several_app_roles_give_one_stable_level_across_identical_runs(tenant, clean_store, session_client):
    dash = tenant["people"]["ola-nordmann@fylke.no"]["id"]
    grant = "MATCH (:Person {id: $id})-[g:HAS_ACCESS]->(:System {id: $system}) RETURN g {.*} AS g"
    first = clean_store.rows(grant, id=dash, system=tenant["inschool"]["id"])
    assert len(first) == 1 and first[0]["g"]["level"] == "admin"
    assert "'Admin', 'Teacher'" in first[0]["g"]["purpose"] and "highest level, admin" in first[0]["g"]["purpose"]
    for _ in range(2):
        again = run_source(clean_store, tenant["source"], Path("."))
        assert (again.status, again.created, again.updated) == ("succeeded", 0, 0), again.errors
        now = clean_store.rows(grant, id=dash, system=tenant["inschool"]["id"])
        assert [row["g"]["level"] for row in now] == ["admin"] and now[0]["g"]["version"] == first[0]["g"]["version"]
    # The assignments listed the other way round change nothing either.
    assignments = tenant["state"]["payloads"]["/v1.0/servicePrincipals/sp1/appRoleAssignedTo"]["value"]
    assignments.reverse()
    reordered = run_source(clean_store, tenant["source"], Path("."))
    assert (reordered.created, reordered.updated) == (0, 0)


def test_a_renamed_user_and_a_renamed_group_keep_their_id_and_grants(clean_store, session_client, graph, monkeypatch):
    base, state = graph
    monkeypatch.setenv("ENTRA_SECRET", "s3cret")
    inschool = create(session_client, "System", id="system-inschool", name="Visma InSchool")
    # Per was entered by hand with his UPN only (no employee number) and owns a system.
    per = session_client.post("/api/v1/people", json={"name": "Per L.", "upn": "per@fylke.no"}).json()
    session_client.post("/api/v1/ownerships", json={"owner_id": per["id"], "resource_id": inschool["id"],
                                                   "role": "systemansvarlig"})
    source = entra_source(base, {"app-inschool": inschool["id"]})
    assert run_source(clean_store, source, Path(".")).status == "succeeded"
    groups = {g["name"]: g["id"] for g in session_client.get("/api/v1/groups", params={"limit": 100}).json()["items"]}
    teachers = groups["Alle lærere"]
    before = who(session_client, inschool["id"])
    other = create(session_client, "System", name="Fagsystem")
    made = session_client.post("/api/v1/access-grants", json={"principal_id": teachers, "resource_id": other["id"],
                                                              "level": "read", "purpose": "by hand"})
    assert made.status_code == 201, made.text
    people_before = clean_store.rows("MATCH (p:Person) RETURN count(p) AS n")[0]["n"]

    payloads = state["payloads"]
    renamed = copy.deepcopy(payloads["/v1.0/users"])
    renamed["value"][2].update(userPrincipalName="per.lie@fylke.no", displayName="Per Lie-Hansen")
    payloads["/v1.0/users"] = renamed
    payloads["/v1.0/groups"]["value"][0]["displayName"] = "Lærere i fylket"
    run = run_source(clean_store, source, Path("."))
    assert run.status == "succeeded", run.errors
    assert clean_store.rows("MATCH (p:Person) RETURN count(p) AS n")[0]["n"] == people_before
    person = session_client.get(f"/api/v1/people/{per['id']}").json()
    assert person["entra_id"] == "u3"
    # Name and UPN were entered by hand, so the person's values stand and the new ones are listed conflicts.
    assert person["upn"] == "per@fylke.no"
    conflicts = session_client.get("/api/v1/harvest/conflicts", params={"entity_id": per["id"]}).json()["items"]
    assert sorted((c["field"], c["source_value"]) for c in conflicts) == [("name", "Per Lie-Hansen"),
                                                                          ("upn", "per.lie@fylke.no")]
    owners = session_client.get(f"/api/v1/systems/{inschool['id']}").json()["owners"]
    assert (per["id"], "systemansvarlig") in {(o["id"], o["role"]) for o in owners}
    after_groups = {g["name"]: g["id"] for g in session_client.get("/api/v1/groups", params={"limit": 100}).json()["items"]}
    assert after_groups["Lærere i fylket"] == teachers and "Alle lærere" not in after_groups
    after = who(session_client, inschool["id"])
    assert {i: p["level"] for i, p in after.items()} == {i: p["level"] for i, p in before.items()}
    assert per["id"] in after
    hand = clean_store.rows("MATCH (:Group {id: $id})-[g:HAS_ACCESS {purpose: 'by hand'}]->() RETURN count(g) AS n",
                            id=teachers)
    assert hand[0]["n"] == 1
    # The hand-made grant is transitive: Kari, three groups down, still reaches Fagsystem.
    assert people_by_upn(session_client)["kari.berg@fylke.no"]["id"] in who(session_client, other["id"])


def test_group_kinds_guests_skipped_members_and_throttling_are_stated(tenant, session_client):
    groups = {g["name"]: g for g in session_client.get("/api/v1/groups", params={"limit": 100}).json()["items"]}
    assert {name: g["kind"] for name, g in groups.items()} == {
        "Alle lærere": "security", "Lærere vgs": "security", "Lærere Fjordvik": "microsoft-365",
        "Alle ansatte (dynamisk)": "dynamic", "Nyhetsbrev": "distribution", "Alle brukere i Entra ID": "all-users"}
    people = tenant["people"]
    assert [upn for upn, p in people.items() if p.get("guest")] == ["gjest_firma.no#ext#@fylke.onmicrosoft.com"]
    notes = " | ".join(tenant["run"].notes)
    assert "2 device(s)" in notes and "1 contact(s)" in notes
    assert "Graph throttled 1 request(s)" in notes and "waited 1 s" in notes
    assert tenant["state"]["throttled"] == 1 and tenant["state"]["unauthorised"] == 0
    # The server saw the retry come when its Retry-After said, not at once (nor much later).
    users = [(at, status) for at, path, status in tenant["state"]["log"] if path == "/v1.0/users"]
    assert [status for _, status in users] == [429, 200]
    assert 0.95 <= users[1][0] - users[0][0] < 3, users
    assert "Shadow IT" in notes


def test_the_run_report_counts_facts_not_rows(tenant, clean_store):
    run = tenant["run"]
    # Three users name the department Opplæring: one org unit.
    assert run.diff["OrgUnit"] == {"created": 1, "updated": 0, "unchanged": 0, "would_delete": 0}
    # From the fixture: 6 users, 5 groups + all users, 3 applications; memberships of users and groups
    # in groups (no devices or contacts) and the 5 enabled users in all users.
    assert run.diff["Person"]["created"] == 6 and run.diff["Group"]["created"] == 6
    assert run.diff["ServiceAccount"]["created"] == 3
    assert run.diff["MEMBER_OF"]["created"] == 2 + 1 + 2 + 2 + 1 + 5
    assert run.diff["WORKS_IN"]["created"] == 3
    # Grants: Alle lærere, ola-nordmann and Per on InSchool; all users on Kantine.
    assert run.diff["HAS_ACCESS"]["created"] == 4
    stored = clean_store.rows(
        "MATCH (x:Entity) WHERE any(s IN x.seen WHERE s STARTS WITH 'entra|') RETURN count(x) AS n")[0]["n"]
    stored += clean_store.rows(
        "MATCH ()-[x]->() WHERE any(s IN x.seen WHERE s STARTS WITH 'entra|') RETURN count(x) AS n")[0]["n"]
    assert run.created == stored
    again = run_source(clean_store, tenant["source"], Path("."))
    assert (again.created, again.updated, again.unchanged) == (0, 0, stored)


def test_refused_credentials_fail_the_run_and_delete_nothing(clean_store, graph, monkeypatch):
    base, _ = graph
    monkeypatch.setenv("ENTRA_SECRET", "wrong")
    run = run_source(clean_store, entra_source(base, {}), Path("."))
    assert run.status == "failed" and "refused" in run.errors[0]


def test_three_sources_make_one_person_each(clean_store, session_client, graph, slapd, monkeypatch):
    """Entra ID, LDAP and FINT's customer portal into one graph: Kari matches by employee number, Ola
    and Per by UPN, Siri (a FINT contact) by e-mail."""
    from tests.connectors.test_fint_model import FIXTURES_DIR
    from tests.connectors.test_ldap import ADMIN, BASE

    base, state = graph
    port, folder = slapd
    payloads = state["payloads"]
    # This tenant has only Kari, Ola and Per, and InSchool only.
    payloads["/v1.0/users?page2"] = {"value": []}
    payloads["/v1.0/servicePrincipals"]["value"] = payloads["/v1.0/servicePrincipals"]["value"][:1]
    monkeypatch.setenv("ENTRA_SECRET", "s3cret")
    monkeypatch.setenv("LDAP_PASSWORD", "hemmelig")
    system = create(session_client, "System", id="system-inschool", name="Visma InSchool")
    sources = [
        (entra_source(base, {"app-inschool": system["id"]}), Path(".")),
        (SourceSettings(id="ad", connector="ldap", secrets={"password": "LDAP_PASSWORD"}, settings={
            "url": f"ldap://127.0.0.1:{port}", "bind_dn": ADMIN, "base_dn": BASE}), folder),
        (SourceSettings(id="fint-portal", connector="fint-portal", settings={"path": "fint-portal.json"}), FIXTURES_DIR),
    ]
    for source, base_dir in sources:
        run = run_source(clean_store, source, base_dir)
        assert run.status == "succeeded", run.errors
    people = clean_store.rows("MATCH (p:Person) RETURN p.name AS name, p.seen AS seen ORDER BY name")
    names = [p["name"] for p in people]
    assert {"Kari Berg", "Nils Dahl", "Ola Slutta", "Per Lie", "Siri Moe", "Trude Vik"} <= set(names)
    assert len(names) == len(set(names))
    sources_of = {p["name"]: sorted(seen.split("|")[0] for seen in p["seen"]) for p in people}
    assert {name: sources_of[name] for name in ("Kari Berg", "Ola Slutta", "Per Lie", "Siri Moe", "Nils Dahl",
                                                "Trude Vik")} == {
        "Kari Berg": ["ad", "entra"], "Ola Slutta": ["ad", "entra"], "Per Lie": ["ad", "entra"],
        "Siri Moe": ["ad", "fint-portal"], "Nils Dahl": ["ad"], "Trude Vik": ["fint-portal"]}
    # In that one graph, Per reaches InSchool by his own assignment; Kari, three groups below the
    # group holding the role, does not.
    reach = {p["name"]: p for p in who(session_client, system["id"]).values()}
    assert "Per Lie" in reach and "Kari Berg" not in reach
