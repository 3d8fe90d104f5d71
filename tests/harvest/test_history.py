"""Harvested facts kept in time: a run starts facts on its day and closes (not deletes) what its
source no longer has; as_of answers read those intervals; runs go in date order; the mass-delete
hold counts what the source held before the run; conflicts hold values of every kind; each fact a
run creates, changes, closes or brings back is in the history, and nothing else a run sees."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from catalog.cli import app as cli
from catalog.harvest.service import run_source
from catalog.harvest.sources import SourceSettings
from catalog.services import conflicts
from catalog.store import history
from catalog.store.ingest import load_nodes, load_rels
from catalog.settings import get_settings
from ontology.records import NodeRecord, RelRecord
from tests.connectors.test_entra import GraphTokens, graph_payloads
from tests.connectors.test_fint_model import FINT
from tests.factory import create
from tests.harvest.test_service import harvest, sid, system_row
from tests.local_http import serving


@pytest.fixture
def graph_api():
    """Microsoft Graph as it stands; the test changes `payloads` between runs."""
    payloads: dict[str, dict] = {}

    class Graph(GraphTokens):
        def do_GET(self):
            path, _, query = self.path.partition("?")
            body = payloads.get(path + ("?page2" if "skiptoken" in query else ""))
            self.send_json(200, body) if body is not None else self.send_json(404, {"error": {"code": "NotFound"}})

    with serving(Graph) as base:
        payloads.update(graph_payloads(base))
        yield base, payloads


def test_two_monthly_access_harvests_answer_who_as_each_month_stood(clean_store, session_client, graph_api,
                                                                    neo4j_server, tmp_path, monkeypatch):
    base, payloads = graph_api
    system = create(session_client, "System", name="Visma InSchool")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: entra\n    connector: entra\n    secrets: {client_secret: ENTRA_SECRET}\n"
        f"    settings: {{tenant_id: tenant, client_id: catalog, token_url: '{base}/tenant/oauth2/v2.0/token',\n"
        f"                graph_url: '{base}/v1.0', applications: {{app-inschool: {system['id']}}},\n"
        "                role_levels: {Teacher: write}}\n")
    uri, _ = neo4j_server
    get_settings.cache_clear()

    def harvest_as_of(day: str):
        get_settings.cache_clear()  # the CLI reads NEO4J_URI afresh
        return CliRunner().invoke(cli, ["harvest", "entra", "--sources", str(tmp_path / "sources.yaml"),
                                        "--observed-at", day], env={"NEO4J_URI": uri, "ENTRA_SECRET": "s3cret"})

    january = harvest_as_of("2026-01-15")
    assert january.exit_code == 0, january.output
    # In February Per's own grant is gone, and Ola Nordmann (u4) has left the group that holds the role.
    february_state = copy.deepcopy(payloads)
    february_state["/v1.0/servicePrincipals/sp1/appRoleAssignedTo"]["value"] = [
        a for a in payloads["/v1.0/servicePrincipals/sp1/appRoleAssignedTo"]["value"] if a["principalId"] != "u3"]
    february_state["/v1.0/groups/gA/members"]["value"] = [
        m for m in payloads["/v1.0/groups/gA/members"]["value"] if m["id"] != "u4"]
    payloads.update(february_state)
    february = harvest_as_of("2026-02-15")
    assert february.exit_code == 0, february.output
    get_settings.cache_clear()
    upn = {row["id"]: row["upn"] for row in clean_store.rows("MATCH (p:Person) RETURN p.id AS id, p.upn AS upn")}
    watched = {"per@fylke.no", "ola.nordmann@fylke.no"}

    def who(day: str) -> dict[str, str]:
        answer = session_client.get("/api/v1/access/who", params={"resource": system["id"], "as_of": day})
        assert answer.status_code == 200, answer.text
        return {upn.get(p["id"]): p["level"] for p in answer.json()["principals"] if upn.get(p["id"]) in watched}

    assert who("2026-01-10") == {}  # before the first export nobody is known to have had access
    assert who("2026-01-20") == {"ola.nordmann@fylke.no": "write", "per@fylke.no": "read"}
    assert who("2026-02-20") == {}
    assert who("2026-03-01") == {}
    # The two closed facts are kept, each with its interval.
    closed = clean_store.rows("MATCH (a)-[r:HAS_ACCESS|MEMBER_OF]->(b) WHERE r.closed IS NOT NULL "
                              "RETURN a.upn AS source, type(r) AS type, b.name AS target, r.valid_from AS since, "
                              "r.valid_to AS until ORDER BY type")
    assert closed == [
        {"source": "per@fylke.no", "type": "HAS_ACCESS", "target": "Visma InSchool", "since": "2026-01-15",
         "until": "2026-02-15"},
        {"source": "ola.nordmann@fylke.no", "type": "MEMBER_OF", "target": "Alle lærere", "since": "2026-01-15",
         "until": "2026-02-15"}]
    # An older export after a newer one is refused, and changes nothing.
    before = clean_store.rows("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    late = harvest_as_of("2026-01-01")
    get_settings.cache_clear()
    assert late.exit_code != 0 and "2026-02-15" in late.output and "date order" in late.output
    assert clean_store.rows("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"] == before


def test_a_fact_that_comes_back_is_a_new_interval(clean_store, session_client, tmp_path):
    from datetime import date

    rows = [system_row(n, Systemeier="") for n in range(1, 11)]
    owned = [system_row(1)] + rows[1:]
    harvest(clean_store, tmp_path, owned, observed_at=date(2026, 1, 1))
    harvest(clean_store, tmp_path, rows, observed_at=date(2026, 2, 1))
    again = harvest(clean_store, tmp_path, owned, observed_at=date(2026, 3, 1))
    assert again.status == "succeeded", again.errors
    intervals = clean_store.rows("MATCH (:Person)-[r:OWNS]->(:System {id: $id}) "
                                 "RETURN r.id AS id, r.valid_from AS since, r.valid_to AS until ORDER BY since", id=sid(1))
    assert [(i["since"], i["until"]) for i in intervals] == [("2026-01-01", "2026-02-01"), ("2026-03-01", None)]
    assert intervals[0]["id"] != intervals[1]["id"]
    owners = {day: [o["role"] for o in session_client.get(
        f"/api/v1/systems/{sid(1)}", params={"as_of": day}).json()["owners"]]
        for day in ("2026-01-15", "2026-02-15", "2026-03-15")}
    assert owners == {"2026-01-15": ["systemeier"], "2026-02-15": [], "2026-03-15": ["systemeier"]}
    changes = session_client.get("/api/v1/history", params={"entity_id": intervals[0]["id"]}).json()["items"]
    assert "close" in [c["action"] for c in changes]


@pytest.mark.parametrize(("removed", "held"), [(19, False), (21, True)])
def test_the_mass_delete_hold_counts_the_share_of_what_the_source_held(clean_store, tmp_path, removed, held):
    # Rows naming nothing but the system: one fact each.
    rows = [system_row(n, Systemeier="", Leverandør="", Lagringssted="", Land="") for n in range(100)]
    first = harvest(clean_store, tmp_path, rows)
    assert first.created == 100, first.diff
    run = harvest(clean_store, tmp_path, rows[removed:])
    assert (run.status == "needs-confirmation") is held and run.would_delete == removed
    open_systems = clean_store.rows("MATCH (n:System) WHERE n.closed IS NULL RETURN count(n) AS n")[0]["n"]
    assert open_systems == (100 if held else 100 - removed)


def test_replacing_every_fact_by_five_times_as_many_new_ones_is_held(clean_store, tmp_path):
    old = [system_row(n, Systemeier="", Leverandør="", Lagringssted="", Land="") for n in range(100)]
    new = [system_row(n, Systemeier="", Leverandør="", Lagringssted="", Land="") for n in range(100, 600)]
    harvest(clean_store, tmp_path, old)
    run = harvest(clean_store, tmp_path, new)
    assert run.status == "needs-confirmation" and run.would_delete == 100 and run.closed == 0
    assert clean_store.rows("MATCH (n:System) WHERE n.closed IS NULL RETURN count(n) AS n")[0]["n"] == 600


@pytest.mark.skipif(not FINT.exists(), reason="../shared/standards/fint is not beside the project")
def test_a_person_s_keywords_on_a_harvested_dataset_are_a_conflict_not_a_failed_run(clean_store, session_client):
    source = SourceSettings(id="fint-model", connector="fint-model", settings={"path": "metamodel-v4.1.0-rc-2.json"})
    assert run_source(clean_store, source, FINT).status == "succeeded"
    dataset = "fint-utdanning-elev.elev"
    harvested = session_client.get(f"/api/v1/datasets/{dataset}").json()["keywords"]
    edited = session_client.patch(f"/api/v1/datasets/{dataset}", json={"keywords": ["elevdata"]})
    assert edited.status_code == 200, edited.text
    again = run_source(clean_store, source, FINT)
    assert again.status == "succeeded", again.errors
    assert session_client.get(f"/api/v1/datasets/{dataset}").json()["keywords"] == ["elevdata"]
    [conflict] = session_client.get("/api/v1/harvest/conflicts", params={"entity_id": dataset}).json()["items"]
    assert conflict["field"] == "keywords"
    assert conflict["manual_value"] == '["elevdata"]' and conflict["source_value"].startswith('["fint"')
    conflicts.take_source_value(clean_store, conflict["id"], "test")
    assert session_client.get(f"/api/v1/datasets/{dataset}").json()["keywords"] == harvested


def test_old_closed_facts_are_purged_on_purpose_and_the_purge_is_in_the_history(clean_store, session_client,
                                                                               tmp_path, neo4j_server):
    from datetime import date

    rows = [system_row(n, Systemeier="") for n in range(1, 11)]
    harvest(clean_store, tmp_path, [system_row(1)] + rows[1:], observed_at=date(2026, 1, 1))
    harvest(clean_store, tmp_path, rows, observed_at=date(2026, 2, 1))
    [closed] = clean_store.rows("MATCH ()-[r:OWNS]->(:System {id: $id}) RETURN r.id AS id", id=sid(1))
    uri, _ = neo4j_server
    get_settings.cache_clear()
    kept = CliRunner().invoke(cli, ["purge", "--closed-before", "2026-02-01"], env={"NEO4J_URI": uri})
    assert kept.exit_code == 0, kept.output
    assert clean_store.rows("MATCH ()-[r:OWNS {id: $id}]->() RETURN count(r) AS n", id=closed["id"])[0]["n"] == 1
    get_settings.cache_clear()
    purged = CliRunner().invoke(cli, ["purge", "--closed-before", "2026-02-02"], env={"NEO4J_URI": uri})
    get_settings.cache_clear()
    # The ownership, and its owner whom the source no longer had and nothing else refers to.
    assert purged.exit_code == 0 and "purged 2 fact" in purged.output, purged.output
    assert clean_store.rows("MATCH (p:Person) RETURN count(p) AS n")[0]["n"] == 0
    assert clean_store.rows("MATCH ()-[r:OWNS {id: $id}]->() RETURN count(r) AS n", id=closed["id"])[0]["n"] == 0
    changes = session_client.get("/api/v1/history", params={"entity_id": closed["id"]}).json()["items"]
    assert [c["action"] for c in changes][0] == "purge"


def test_a_relationship_a_person_removed_is_not_brought_back_but_listed(clean_store, session_client, tmp_path):
    from datetime import date, timedelta

    harvest(clean_store, tmp_path, [system_row(1)], observed_at=date.today() - timedelta(days=30))
    [owner] = session_client.get("/api/v1/ownerships", params={"resource_id": sid(1)}).json()["items"]
    assert session_client.delete(f"/api/v1/ownerships/{owner['id']}").status_code == 204
    again = harvest(clean_store, tmp_path, [system_row(1)])
    assert again.status == "succeeded" and again.conflicts == 1, again.errors
    assert session_client.get(f"/api/v1/systems/{sid(1)}").json()["owners"] == []
    [conflict] = session_client.get("/api/v1/harvest/conflicts", params={"entity_id": owner["id"]}).json()["items"]
    assert conflict["field"] == "OWNS" and conflict["manual_value"].startswith("removed by")
    # The removed ownership held until yesterday and is kept; no second interval was opened.
    assert clean_store.rows("MATCH ()-[r:OWNS]->(:System {id: $id}) RETURN r.valid_to AS until", id=sid(1)) == [{"until": (date.today() - timedelta(days=1)).isoformat()}]
    yesterday = session_client.get(f"/api/v1/systems/{sid(1)}",
                                   params={"as_of": (date.today() - timedelta(days=1)).isoformat()}).json()
    assert [o["role"] for o in yesterday["owners"]] == ["systemeier"]


def test_a_source_naming_another_systemeier_than_a_person_set_is_a_conflict(clean_store, session_client, tmp_path):
    harvest(clean_store, tmp_path, [system_row(2, Systemeier="")])
    kari = create(session_client, "Person", name="Kari Eier")
    set_by_hand = session_client.post("/api/v1/ownerships", json={"owner_id": kari["id"], "resource_id": sid(2),
                                                                  "role": "systemeier"})
    assert set_by_hand.status_code == 201, set_by_hand.text
    run = harvest(clean_store, tmp_path, [system_row(2)])
    assert run.status == "succeeded" and run.conflicts == 1, run.errors
    owners = session_client.get(f"/api/v1/systems/{sid(2)}").json()["owners"]
    assert [(o["id"], o["role"]) for o in owners] == [(kari["id"], "systemeier")]
    [conflict] = session_client.get("/api/v1/harvest/conflicts", params={"entity_id": sid(2)}).json()["items"]
    assert conflict["field"] == "owner:systemeier" and conflict["manual_value"] == kari["id"]


def test_a_system_its_source_no_longer_has_leaves_the_reports_from_that_day(clean_store, session_client, tmp_path):
    from datetime import date

    rows = [system_row(n) for n in range(1, 11)]
    harvest(clean_store, tmp_path, rows, observed_at=date(2026, 1, 1))
    assert harvest(clean_store, tmp_path, rows[:9], observed_at=date(2026, 2, 1)).status == "succeeded"

    def listed(day: str) -> set[str]:
        report = session_client.get("/api/v1/reports/systems-without-owner", params={"as_of": day})
        assert report.status_code == 200, report.text
        return {row["id"] for row in report.json()["rows"]}

    # Every row lacks a systemansvarlig; system 10 is listed while its source had it.
    assert sid(10) in listed("2026-01-15") and sid(9) in listed("2026-01-15")
    assert sid(10) not in listed("2026-02-15") and sid(9) in listed("2026-02-15")


def test_a_harvested_fact_s_history_lists_its_creation_change_closing_and_return(clean_store, session_client,
                                                                                  tmp_path):
    from datetime import date

    rows = [system_row(n) for n in range(1, 11)]
    changed = [system_row(1, Driftsmodell="IaaS")] + rows[1:]
    first = harvest(clean_store, tmp_path, rows, observed_at=date(2026, 1, 1))
    [owner] = clean_store.rows("MATCH (:Person)-[r:OWNS]->(:System {id: $id}) RETURN r.id AS id", id=sid(1))
    second = harvest(clean_store, tmp_path, changed, observed_at=date(2026, 2, 1))
    # A dry run that would change system 1 again writes no history.
    length = clean_store.rows("MATCH (c:ChangeRecord) RETURN count(c) AS n")[0]["n"]
    dry = harvest(clean_store, tmp_path, [system_row(1, Driftsmodell="PaaS")] + rows[1:], dry_run=True,
                  observed_at=date(2026, 2, 15))
    assert dry.status == "succeeded" and dry.updated == 1, dry.errors
    assert clean_store.rows("MATCH (c:ChangeRecord) RETURN count(c) AS n")[0]["n"] == length
    dropped = harvest(clean_store, tmp_path, changed[1:], observed_at=date(2026, 3, 1))
    back = harvest(clean_store, tmp_path, changed, observed_at=date(2026, 4, 1))
    runs = [first, second, dropped, back]
    assert [run.status for run in runs] == ["succeeded"] * 4, [run.errors for run in runs]

    def oldest_first(entity_id: str) -> list[dict]:
        answer = session_client.get(f"/api/v1/history/{entity_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()["items"][::-1]

    system = oldest_first(sid(1))
    assert [(c["action"], c["run_id"], c["actor"]) for c in system] == [
        ("create", first.id, "harvest:inventory"), ("update", second.id, "harvest:inventory"),
        ("close", dropped.id, "harvest:inventory"), ("reopen", back.id, "harvest:inventory")]
    created, updated, _, reopened = system
    assert created["before"] is None
    assert {k: json.loads(created["after"])[k] for k in ("name", "hosting")} == {"name": "System 1", "hosting": "saas"}
    assert (json.loads(updated["before"]), json.loads(updated["after"])) == ({"hosting": "saas"}, {"hosting": "iaas"})
    assert json.loads(reopened["before"])["closed"] == "2026-03-01" and json.loads(reopened["after"])["closed"] is None
    # The ownership comes back as a new interval of the same fact, recorded under the fact's id.
    ownership = oldest_first(owner["id"])
    assert [(c["action"], c["run_id"]) for c in ownership] == [("create", first.id), ("close", dropped.id),
                                                               ("reopen", back.id)]
    closed, again = json.loads(ownership[2]["before"]), json.loads(ownership[2]["after"])
    assert (closed["id"], closed["valid_from"], closed["valid_to"]) == (owner["id"], "2026-01-01", "2026-03-01")
    assert again["id"] != owner["id"] and again["valid_from"] == "2026-04-01" and again["role"] == "systemeier"
    # The systems no run changed were recorded once, when they came; the change run recorded only its change.
    for n in range(2, 11):
        assert [(c["action"], c["run_id"]) for c in oldest_first(sid(n))] == [("create", first.id)]
    by_second = session_client.get("/api/v1/history", params={"actor": "harvest:inventory", "limit": 500}).json()
    assert [(c["action"], c["entity_id"]) for c in by_second["items"] if c["run_id"] == second.id] == [
        ("harvest", "inventory"), ("update", sid(1))]
    assert history.verify(clean_store).intact


def test_a_load_records_only_what_it_wrote_and_a_value_a_person_set_is_a_conflict_not_a_change(clean_store,
                                                                                               session_client):
    def records(run_id: str) -> list[tuple[str, str, dict | None, dict | None]]:
        rows = clean_store.rows("MATCH (c:ChangeRecord {run_id: $run}) RETURN c {.*} AS c ORDER BY c.seq", run=run_id)
        return [(c["c"]["action"], c["c"]["entity_id"], json.loads(c["c"].get("before") or "null"),
                 json.loads(c["c"].get("after") or "null")) for c in rows]

    load = {"source": "register", "actor": "harvest:register"}
    systems = [NodeRecord("System", f"s{n}", {"name": f"S{n}", "hosting": "saas"}) for n in (1, 2)]
    load_nodes(clean_store, "System", systems, run_id="run-1", **load)
    load_nodes(clean_store, "StorageLocation", [NodeRecord("StorageLocation", "oslo", {"name": "Oslo"})],
               run_id="run-1", **load)
    # An edge whose end is missing is not written, and not recorded.
    edges = [RelRecord("STORED_IN", "s1", "oslo"), RelRecord("STORED_IN", "s2", "nowhere")]
    assert load_rels(clean_store, "STORED_IN", edges, run_id="run-1", **load).skipped == 1
    [stored] = clean_store.rows("MATCH (:System {id: 's1'})-[r:STORED_IN]->() RETURN r.id AS id")
    assert records("run-1") == [
        # match_keys: what the ontology derives from the name, to match other sources' names on.
        ("create", "s1", None, {"id": "s1", "source": "register", "name": "S1", "hosting": "saas", "match_keys": ["s1"]}),
        ("create", "s2", None, {"id": "s2", "source": "register", "name": "S2", "hosting": "saas", "match_keys": ["s2"]}),
        ("create", "oslo", None, {"id": "oslo", "source": "register", "name": "Oslo"}),
        ("create", stored["id"], None, {"id": stored["id"], "source": "register", "source_id": "s1",
                                        "target_id": "oslo"})]
    # A person sets s1's hosting; the source disagrees with it and changes s2's.
    assert session_client.patch("/api/v1/systems/s1", json={"hosting": "on-premises"}).status_code == 200
    changed = [NodeRecord("System", "s1", {"name": "S1", "hosting": "iaas"}),
               NodeRecord("System", "s2", {"name": "S2", "hosting": "iaas"})]
    counts = load_nodes(clean_store, "System", changed, run_id="run-2", **load)
    assert [c["field"] for c in counts.conflicts] == ["hosting"] and counts.updated == 1
    assert records("run-2") == [("update", "s2", {"hosting": "saas"}, {"hosting": "iaas"})]
    # The same rows again change nothing and record nothing.
    load_nodes(clean_store, "System", changed, run_id="run-3", **load)
    assert records("run-3") == []
    assert history.verify(clean_store).intact
