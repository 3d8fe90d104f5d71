"""FINT's published information model harvests into components and their resource types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.harvest.service import run_source
from catalog.harvest.sources import SourceSettings
from tests.conftest import SHARED
from tests.local_http import JsonHandler, serving

FINT = SHARED / "standards" / "fint"
FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures"
pytestmark = pytest.mark.skipif(not FINT.exists(), reason="../shared/standards/fint is not beside the project")


def test_metamodel_harvests_into_32_components_with_their_resource_types(clean_store, session_client):
    source = SourceSettings(id="fint-model", connector="fint-model", settings={"path": "metamodel-v4.1.0-rc-2.json"})
    run = run_source(clean_store, source, FINT)
    assert run.status == "succeeded", run.errors
    components = session_client.get("/api/v1/fint-components", params={"limit": 100}).json()
    assert components["total"] == 32
    elev = session_client.get("/api/v1/fint-components/fint-utdanning-elev").json()
    assert {"Elev", "Elevforhold"} <= {d["name"] for d in elev["datasets"]}
    assert elev["domain"] == "utdanning" and elev["base_path"] == "/utdanning/elev"
    pupil = session_client.get("/api/v1/datasets/fint-utdanning-elev.elev").json()
    assert pupil["personal_data"] is True and "utdanning/elev/elev" in pupil["keywords"]
    assert any(c.startswith("person → felles:Person") for c in pupil["columns"])
    staff = session_client.get("/api/v1/datasets/fint-administrasjon-personal.personalressurs").json()
    assert staff["personal_data"] is True
    code_list = session_client.get("/api/v1/datasets/fint-arkiv-kodeverk.dokumentstatus").json()
    assert code_list["personal_data"] is False
    again = run_source(clean_store, source, FINT)
    assert again.created == 0 and again.updated == 0


def test_portal_clients_get_access_and_pupil_data_flows_through_fint(clean_store, session_client):
    run_source(clean_store, SourceSettings(id="fint-model", connector="fint-model",
                                           settings={"path": "metamodel-v4.1.0-rc-2.json"}), FINT)
    for slug_, name in (("inschool", "Visma InSchool"), ("itslearning", "itslearning"), ("entra", "Entra ID")):
        session_client.post("/api/v1/systems", json={"id": f"system-{slug_}", "name": name})
    fixtures = FIXTURES_DIR
    source = SourceSettings(id="fint-portal", connector="fint-portal", settings={
        "path": "fint-portal.json", "systems": {"itslearning@client.eksempel.no": "system-itslearning",
                                                "entra-provisjonering@client.eksempel.no": "system-entra",
                                                "inschool@adapter.eksempel.no": "system-inschool"}})
    run = run_source(clean_store, source, fixtures)
    assert run.status == "succeeded", run.errors
    who = session_client.get("/api/v1/access/who", params={"resource": "fint-utdanning-elev.elev"}).json()
    levels = {p["id"]: p["level"] for p in who["principals"]}
    accounts = {a["name"]: a["id"] for a in session_client.get("/api/v1/service-accounts",
                                                                  params={"limit": 100}).json()["items"]}
    assert levels[accounts["itslearning@client.eksempel.no"]] == "read"
    assert levels[accounts["inschool@adapter.eksempel.no"]] == "write"
    lineage = session_client.get("/api/v1/lineage/fint-utdanning-elev.elev", params={"direction": "downstream",
                                                                                    "depth": 1}).json()
    receivers = {e["target"] for e in lineage["edges"] if e["type"] == "copy"}
    assert receivers == {"system-itslearning"}  # only itslearning's access package carries Elev
    flows = session_client.get("/api/v1/lineage/system-inschool", params={"direction": "downstream", "depth": 1}).json()
    assert {"system-itslearning", "system-entra"} <= {n["id"] for n in flows["nodes"]}
    # The county's FINT contacts are contact persons for its components; their identity numbers stay out.
    elev = session_client.get("/api/v1/fint-components/fint-utdanning-elev").json()
    assert {(o["name"], o["role"]) for o in elev["owners"]} == {("Siri Moe", "kontaktperson"), ("Trude Vik", "kontaktperson")}
    siri = next(o for o in elev["owners"] if o["name"] == "Siri Moe")
    assert session_client.get(f"/api/v1/people/{siri['id']}").json()["email"] == "siri@fylke.no"
    everything = session_client.get("/api/v1/export/rdf").text
    assert "24108512345" not in everything and "03037812345" not in everything


def test_a_resource_two_packages_give_one_client_is_one_grant_at_the_highest_level(clean_store, session_client, tmp_path):
    run_source(clean_store, SourceSettings(id="fint-model", connector="fint-model",
                                           settings={"path": "metamodel-v4.1.0-rc-2.json"}), FINT)
    portal = json.loads((FIXTURES_DIR / "fint-portal.json").read_text())
    client = portal["accessPackages"][0]["clients"][0]
    portal["accessPackages"] += [
        {"name": "vurdering-pakke", "clients": [client], "read": ["utdanning/elev/elevforhold"],
         "modify": ["utdanning/elev/elevforhold"]},
        {"name": "lese-pakke", "clients": [client], "read": ["utdanning/elev/elevforhold"]}]
    (tmp_path / "fint-portal.json").write_text(json.dumps(portal))
    run = run_source(clean_store, SourceSettings(id="fint-portal", connector="fint-portal",
                                                 settings={"path": "fint-portal.json"}), tmp_path)
    assert run.status == "succeeded", run.errors
    account = next(a["id"] for a in session_client.get("/api/v1/service-accounts", params={"limit": 100}).json()["items"]
                   if a["name"] == "itslearning@client.eksempel.no")
    grants = [g for g in session_client.get("/api/v1/access/what", params={"principal": account}).json()["resources"]
              if g["id"] == "fint-utdanning-elev.elevforhold"]
    assert [g["level"] for g in grants] == ["write"]
    held = clean_store.rows("MATCH (:ServiceAccount {id: $a})-[g:HAS_ACCESS]->(:Dataset {id: 'fint-utdanning-elev.elevforhold'}) "
                            "RETURN g.level AS level, g.granted_by AS granted_by", a=account)
    assert held == [{"level": "write", "granted_by": "FINT tilgangspakke itslearning-pakke, lese-pakke, vurdering-pakke"}]


def test_environment_check_confirms_the_components_that_answer(clean_store, monkeypatch):
    class Fint(JsonHandler):
        content_type = "application/hal+json"

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_json(200, {"access_token": "fint-token", "token_type": "bearer", "expires_in": 3600})

        def do_GET(self):
            if self.headers.get("Authorization") != "Bearer fint-token":
                return self.send_json(401, {})
            if self.path == "/utdanning/elev/admin/health":
                return self.send_json(200, {"_links": {"self": [{"href": "https://api.example/utdanning/elev/admin/health"}]},
                                            "status": "APPLICATION_HEALTHY"})
            self.send_json(503, {"message": "adapter not connected"})

    monkeypatch.setenv("FINT_SECRET", "s")
    monkeypatch.setenv("FINT_PASSWORD", "p")
    with serving(Fint) as base:
        source = SourceSettings(id="fint-env", connector="fint-environment",
                                secrets={"client_secret": "FINT_SECRET", "password": "FINT_PASSWORD"}, settings={
                                    "base_url": base, "token_url": f"{base}/oauth/token", "client_id": "c", "username": "u",
                                    "components": ["utdanning-elev", "arkiv-noark"]})
        run = run_source(clean_store, source, Path("."))
    assert run.status == "succeeded" and run.notes == [f"FINT component arkiv-noark did not answer at {base}"], run
    seen = clean_store.rows("MATCH (c:FintComponent) RETURN c.id AS id, c.last_seen AS last_seen")
    assert [row["id"] for row in seen] == ["fint-utdanning-elev"] and seen[0]["last_seen"], run
