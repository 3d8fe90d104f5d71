"""The harvesting service's promises, shown with the inventory connector on real CSV files."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from catalog.cli import app as cli
from catalog.settings import get_settings
from catalog.harvest.service import run_source
from catalog.harvest.sources import SourceSettings
from ontology.records import id_for
from tests.factory import create
from tests.conftest import wipe

HEADER = ["System", "Leverandør", "Systemeier", "Systemansvarlig", "Driftsmodell", "Lagringssted", "Land",
          "Personopplysninger", "Behandlingsgrunnlag", "Dataformat", "Datasett", "Integrasjoner"]


def system_row(n: int, **overrides) -> dict:
    row = {"System": f"System {n}", "Leverandør": f"Leverandør {n}", "Systemeier": f"Eier {n} <eier{n}@fylke.no>",
           "Systemansvarlig": "", "Driftsmodell": "SaaS", "Lagringssted": "Azure Norway East", "Land": "Norge",
           "Personopplysninger": "Nei", "Behandlingsgrunnlag": "", "Dataformat": "", "Datasett": "",
           "Integrasjoner": ""}
    return {**row, **overrides}


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, HEADER, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)


def source(**settings) -> SourceSettings:
    return SourceSettings(id="inventory", connector="inventory", settings={"path": "inventory.csv", **settings})


def harvest(store, tmp_path, rows, **options):
    write(tmp_path / "inventory.csv", rows)
    return run_source(store, options.pop("source", None) or source(), tmp_path, **options)


def count(store, cypher: str, **params) -> int:
    return store.rows(cypher, **params)[0]["n"]


def sid(n: int) -> str:
    """The id the inventory gives the system of system_row(n)."""
    return id_for("System", f"System {n}")


def snapshot(store) -> list:
    rows = store.rows("MATCH (n:Entity) RETURN n.id AS id, properties(n) AS p ORDER BY id")
    return [(r["id"], {k: v for k, v in r["p"].items() if k not in ("last_seen", "run_id", "seen")}) for r in rows]


def test_harvesting_twice_changes_nothing_the_second_time(clean_store, tmp_path):
    rows = [system_row(n, Integrasjoner="→ System 2 (fint)" if n == 1 else "") for n in range(1, 6)]
    first = harvest(clean_store, tmp_path, rows)
    assert first.status == "succeeded" and first.created > 0
    before = snapshot(clean_store)
    second = harvest(clean_store, tmp_path, rows)
    assert (second.status, second.created, second.updated, second.deleted) == ("succeeded", 0, 0, 0)
    assert snapshot(clean_store) == before
    system = clean_store.rows("MATCH (n:System {id: $id}) RETURN properties(n) AS p", id=sid(1))[0]["p"]
    assert system["source"] == "inventory" and system["first_seen"] and system["run_id"] == second.id
    assert system["seen"] == [f"inventory|{second.id}"]


def test_removed_row_is_closed_and_kept_unless_a_person_edited_it(clean_store, tmp_path, session_client):
    rows = [system_row(n) for n in range(1, 11)]
    harvest(clean_store, tmp_path, rows)
    session_client.patch(f"/api/v1/systems/{sid(2)}", json={"description": "Kept by hand"})
    run = harvest(clean_store, tmp_path, rows[2:] + [rows[0]])  # rows 2 gone (edited) — and 3..10 stay
    run = harvest(clean_store, tmp_path, [rows[0]] + rows[2:9])  # now system 10 is gone too
    assert run.status == "succeeded" and run.closed >= 2
    [gone] = clean_store.rows("MATCH (o:Person)-[r:OWNS]->(n:System {id: $id}) "
                              "RETURN n.closed AS node, r.closed AS closed, r.valid_from AS since, r.valid_to AS until",
                              id=sid(10))
    assert gone == {"node": run.observed_at, "closed": run.observed_at, "since": run.observed_at, "until": run.observed_at}
    kept = clean_store.rows("MATCH (n:System {id: $id}) RETURN n.closed AS closed, n.seen AS seen", id=sid(2))
    assert kept == [{"closed": None, "seen": []}]


def test_a_run_that_would_remove_half_is_held_until_confirmed(clean_store, tmp_path):
    rows = [system_row(n) for n in range(1, 11)]
    harvest(clean_store, tmp_path, rows)
    before = count(clean_store, "MATCH (n:System) RETURN count(n) AS n")
    held = harvest(clean_store, tmp_path, rows[:5])
    assert held.status == "needs-confirmation" and held.deleted == 0 and held.would_delete > 0
    assert count(clean_store, "MATCH (n:System) RETURN count(n) AS n") == before
    confirmed = harvest(clean_store, tmp_path, rows[:5], allow_mass_delete=True)
    assert confirmed.status == "succeeded" and confirmed.closed > 0
    assert count(clean_store, "MATCH (n:System) WHERE n.closed IS NULL RETURN count(n) AS n") == 5


def test_the_web_page_s_confirmation_runs_under_the_source_s_lease(clean_store, tmp_path, tokens, monkeypatch):
    """Confirming a held run from the harvest page is a run by hand like any other: refused while
    another run of the source holds the lease, and then the cleanup it confirms."""
    from fastapi.testclient import TestClient

    from catalog.app import create_app
    from catalog.services.scheduler import hold_for_hand_run

    rows = [system_row(n) for n in range(1, 11)]
    harvest(clean_store, tmp_path, rows)
    held = harvest(clean_store, tmp_path, rows[:5])
    assert held.status == "needs-confirmation"
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: inventory\n    connector: inventory\n    settings: {path: inventory.csv}\n")
    monkeypatch.setenv("CATALOG_SOURCES_FILE", str(tmp_path / "sources.yaml"))
    get_settings.cache_clear()
    try:
        with TestClient(create_app(clean_store), headers={"Authorization": f"Bearer {tokens['admin']}"},
                        raise_server_exceptions=False) as pages:
            release = hold_for_hand_run(clean_store, get_settings(), "inventory")  # a run going on elsewhere
            refused = pages.post(f"/harvest/runs/{held.id}/confirm", follow_redirects=False)
            assert refused.status_code == 409, refused.text
            assert count(clean_store, "MATCH (n:System) WHERE n.closed IS NULL RETURN count(n) AS n") == 10
            release()
            confirmed = pages.post(f"/harvest/runs/{held.id}/confirm", follow_redirects=False)
            assert confirmed.status_code == 303 and confirmed.headers["location"] == "/harvest/"
    finally:
        get_settings.cache_clear()
    latest = clean_store.rows("MATCH (r:HarvestRun) RETURN r.status AS status, r.closed AS closed "
                              "ORDER BY r.started DESC, r.finished DESC LIMIT 1")[0]
    assert latest["status"] == "succeeded" and latest["closed"] > 0
    assert count(clean_store, "MATCH (n:System) WHERE n.closed IS NULL RETURN count(n) AS n") == 5


def test_a_source_that_fails_halfway_deletes_nothing(clean_store, tmp_path, session_client):
    rows = [system_row(n) for n in range(1, 11)]
    harvest(clean_store, tmp_path, rows)
    # An id the integration of row 1 will want is taken by a dataset, so loading integrations
    # fails after systems and people were written.
    create(session_client, "Dataset", id=id_for("Integration", (sid(1), sid(2))), name="Squatter")
    failed = harvest(clean_store, tmp_path, [system_row(1, Integrasjoner="→ System 2")] + rows[1:8])
    assert failed.status == "failed" and failed.errors
    assert count(clean_store, "MATCH (n:System) RETURN count(n) AS n") == 10
    missing = harvest(clean_store, tmp_path, rows, source=source(path="no-such-file.csv"))
    assert missing.status == "failed" and "no-such-file" in missing.errors[0]
    assert count(clean_store, "MATCH (n:System) RETURN count(n) AS n") == 10


def test_malformed_rows_are_reported_and_skipped_or_fail_the_run(clean_store, tmp_path):
    rows = [system_row(1), system_row(2, Land="Atlantis"), system_row(3, Driftsmodell="I skyen et sted"),
            system_row(4, System=""), system_row(5, Personopplysninger="kanskje")]
    run = harvest(clean_store, tmp_path, rows)
    # A row without a system is skipped; a bad cell only leaves its field empty.
    assert run.status == "succeeded" and run.rows_skipped == 1
    assert run.errors == ["row 5: column 'System' is empty; a row needs the system's name"]
    assert [w.split(":")[0] for w in run.warnings] == ["row 3", "row 4", "row 6"]
    assert count(clean_store, "MATCH (n:System) RETURN count(n) AS n") == 4
    assert count(clean_store, "MATCH (n:System {name: 'System 3'}) WHERE n.hosting IS NULL RETURN count(n) AS n") == 1
    strict = SourceSettings(id="strict", connector="inventory", on_error="fail", settings={"path": "inventory.csv"})
    wipe(clean_store)
    failed = harvest(clean_store, tmp_path, rows, source=strict)
    assert failed.status == "failed"
    assert count(clean_store, "MATCH (n:Entity) RETURN count(n) AS n") == 0


def test_identity_resolution_makes_one_node_per_person_and_system(clean_store, tmp_path, session_client):
    person = create(session_client, "Person", name="Kari Berg", email="Kari.Berg@Fylke.no", employee_id="E77", upn="kb@fylke.no")
    system = create(session_client, "System", name="Public 360", aliases=["P360"])
    rows = [system_row(1, System="public-360", Systemeier="Kari B <KARI.BERG@fylke.no>"),
            system_row(2, System="P360 ", Systemeier="", Systemansvarlig="kari.berg@fylke.no"),
            system_row(3, System="Sak-arkiv", Systemeier="Kari <kari.berg@fylke.no>")]
    run = harvest(clean_store, tmp_path, rows, source=source(aliases={"Sak-arkiv": "Public 360"}))
    assert run.status == "succeeded", run.errors
    assert count(clean_store, "MATCH (n:Person) RETURN count(n) AS n") == 1
    assert count(clean_store, "MATCH (n:System) RETURN count(n) AS n") == 1
    owners = session_client.get(f"/api/v1/systems/{system['id']}").json()["owners"]
    assert {(o["id"], o["role"]) for o in owners} == {(person["id"], "systemeier"), (person["id"], "systemansvarlig")}


def test_manual_edits_win_and_conflicts_are_listed(clean_store, tmp_path, session_client):
    harvest(clean_store, tmp_path, [system_row(1)])
    session_client.patch(f"/api/v1/systems/{sid(1)}", json={"vendor": "Riktig leverandør"})
    run = harvest(clean_store, tmp_path, [system_row(1, Leverandør="Feil leverandør", Driftsmodell="IaaS")])
    assert run.conflicts == 1
    system = session_client.get(f"/api/v1/systems/{sid(1)}").json()
    assert system["vendor"] == "Riktig leverandør" and system["hosting"] == "iaas"
    conflicts = session_client.get("/api/v1/harvest/conflicts", params={"entity_id": sid(1)}).json()
    assert conflicts["items"][0]["manual_value"] == "Riktig leverandør"
    assert conflicts["items"][0]["source_value"] == "Feil leverandør"
    # A manual ownership is never removed by the source, even when the source drops the row.
    person = create(session_client, "Person")
    session_client.post("/api/v1/ownerships", json={"owner_id": person["id"], "resource_id": sid(1),
                                                    "role": "dataeier"})
    harvest(clean_store, tmp_path, [system_row(2)], allow_mass_delete=True)
    assert count(clean_store, "MATCH (:Person)-[r:OWNS {role: 'dataeier'}]->(:System) RETURN count(r) AS n") == 1


def test_dry_run_reports_the_diff_and_writes_nothing(clean_store, tmp_path):
    harvest(clean_store, tmp_path, [system_row(n) for n in range(1, 6)])
    before = snapshot(clean_store)
    runs_before = count(clean_store, "MATCH (r:HarvestRun) RETURN count(r) AS n")
    rows = [system_row(1, Leverandør="Ny"), system_row(2), system_row(3), system_row(4), system_row(9)]
    run = harvest(clean_store, tmp_path, rows, dry_run=True)
    assert run.status == "succeeded" and run.dry_run is True
    assert run.diff["System"] == {"created": 1, "updated": 1, "unchanged": 3, "would_delete": 1}
    assert snapshot(clean_store) == before
    assert count(clean_store, "MATCH (r:HarvestRun) RETURN count(r) AS n") == runs_before + 1


def test_cli_and_api_run_sources_from_sources_yaml(clean_store, tmp_path, neo4j_server, session_client, monkeypatch):
    write(tmp_path / "inventory.csv", [system_row(n) for n in range(1, 4)])
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: inventory\n    connector: inventory\n    settings: {path: inventory.csv}\n")
    uri, _ = neo4j_server
    get_settings.cache_clear()  # the CLI reads NEO4J_URI afresh
    result = CliRunner().invoke(cli, ["harvest", "inventory", "--sources", str(tmp_path / "sources.yaml"), "--dry-run"],
                                env={"NEO4J_URI": uri})
    assert result.exit_code == 0, result.output
    assert "System" in result.output and "would delete" in result.output
    assert count(clean_store, "MATCH (n:System) RETURN count(n) AS n") == 0
    result = CliRunner().invoke(cli, ["harvest", "nope", "--sources", str(tmp_path / "sources.yaml")],
                                env={"NEO4J_URI": uri})
    assert result.exit_code != 0 and "no source 'nope'" in result.output

    monkeypatch.setenv("CATALOG_SOURCES_FILE", str(tmp_path / "sources.yaml"))
    get_settings.cache_clear()
    try:
        started = session_client.post("/api/v1/harvest/inventory")
        assert started.status_code == 202
        run = session_client.get(f"/api/v1/harvest/runs/{started.json()['run_id']}").json()
        assert run["status"] == "succeeded" and run["created"] > 0
        assert session_client.get("/api/v1/harvest/runs", params={"source": "inventory"}).json()["total"] >= 1
        assert session_client.post("/api/v1/harvest/unknown").status_code == 404
    finally:
        get_settings.cache_clear()


def test_the_cli_runs_under_the_source_s_lease_and_ends_a_run_left_running(clean_store, tmp_path, neo4j_server):
    """`catalog harvest` takes the lease as the API and the scheduler do: refused while another run
    holds it, and the first to take it ends as failed a run that a stopped process left running."""
    from catalog.services.scheduler import hold_for_hand_run
    from catalog.store.harvest import get_run, save_run

    write(tmp_path / "inventory.csv", [system_row(n) for n in range(1, 4)])
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: inventory\n    connector: inventory\n    settings: {path: inventory.csv}\n")
    uri, _ = neo4j_server
    harvest = ["harvest", "inventory", "--sources", str(tmp_path / "sources.yaml")]
    try:
        release = hold_for_hand_run(clean_store, get_settings(), "inventory")  # a run going on elsewhere
        get_settings.cache_clear()  # the CLI reads NEO4J_URI afresh
        refused = CliRunner().invoke(cli, harvest, env={"NEO4J_URI": uri})
        assert refused.exit_code == 1 and "running already" in refused.output, refused.output
        assert count(clean_store, "MATCH (r:HarvestRun) RETURN count(r) AS n") == 0
        release()
        save_run(clean_store, {"id": "run-left-running", "source": "inventory", "connector": "inventory",
                               "status": "running", "started": "2026-01-01T00:00:00+00:00"})
        for _ in range(2):  # one after the other within a second, each under the lease
            result = CliRunner().invoke(cli, harvest, env={"NEO4J_URI": uri})
            assert result.exit_code == 0, result.output
    finally:
        get_settings.cache_clear()
    left = get_run(clean_store, "run-left-running")
    assert left["status"] == "failed" and left["errors"][0].startswith("abandoned")
    statuses = [row["status"] for row in clean_store.rows(
        "MATCH (r:HarvestRun) WHERE r.id <> 'run-left-running' RETURN r.status AS status")]
    assert statuses == ["succeeded", "succeeded"]
    assert count(clean_store, "MATCH (n:System) RETURN count(n) AS n") == 3
    for _ in range(3):  # hand runs one after the other within a second: each is let in
        hold_for_hand_run(clean_store, get_settings(), "inventory")()


def test_a_bad_sources_yaml_is_a_configuration_error_naming_what_is_wrong(session_client, tmp_path, monkeypatch):
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - id: inventory\n    connecter: inventory\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("sources: [unclosed\n")
    monkeypatch.setenv("CATALOG_SOURCES_FILE", str(bad))
    get_settings.cache_clear()
    try:
        for response in (session_client.get("/api/v1/harvest/sources"), session_client.post("/api/v1/harvest/inventory"),
                         session_client.post("/api/v1/lineage", json={
                             "eventTime": "2024-01-01T00:00:00Z", "producer": "https://example.org/p",
                             "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json",
                             "dataset": {"namespace": "s3://bucket", "name": "elever.csv"}})):
            assert response.status_code == 503 and response.headers["content-type"] == "application/problem+json"
            problem = response.json()
            assert problem["title"] == "Configuration error" and str(bad) in problem["detail"]
            assert {tuple(e["loc"]) for e in problem["errors"]} == {("sources", 0, "connector"), ("sources", 0, "connecter")}
        monkeypatch.setenv("CATALOG_SOURCES_FILE", str(broken))
        get_settings.cache_clear()
        problem = session_client.get("/api/v1/harvest/sources").json()
        assert problem["title"] == "Configuration error" and "cannot be read" in problem["detail"]
    finally:
        get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["harvest", "--all", "--sources", str(bad)])
    assert result.exit_code == 1 and "sources.0.connecter" in result.output and "sources.0.connector" in result.output


def test_the_harvest_run_keeps_what_the_ontology_declares_of_it():
    from catalog.harvest.service import HarvestRun
    from ontology import ONTOLOGY

    declared = next(node for node in ONTOLOGY.operational if node.label == "HarvestRun")
    stored = HarvestRun(source="s", connector="c").record()
    assert set(stored) == {"id"} | {p.name for p in declared.props}


def test_records_of_one_run_that_share_an_id_but_disagree_are_refused_naming_both(clean_store):
    import pytest

    from catalog.harvest.service import receive
    from connectors.contract import Harvest, HarvestFailed
    from ontology.records import NodeRecord

    push = SourceSettings(id="push", connector="openlineage")
    twins = Harvest(nodes=[NodeRecord("Person", "person-x", {"name": "Ola Nordmann", "upn": "ola.nordmann@fylke.no"}),
                           NodeRecord("Person", "person-x", {"name": "Ola Nordmann", "upn": "ola-nordmann@fylke.no"})])
    with pytest.raises(HarvestFailed, match="'ola.nordmann@fylke.no' ≠ 'ola-nordmann@fylke.no'"):
        receive(clean_store, push, twins)
    assert count(clean_store, "MATCH (n:Person) RETURN count(n) AS n") == 0
    # The same fact twice is one fact: counted once.
    same = Harvest(nodes=[NodeRecord("OrgUnit", "unit-x", {"name": "Opplæring"})] * 3)
    assert receive(clean_store, push, same).created == 1
    # Two records of different people that the matching rules would put on one node are refused too.
    create_person = {"name": "Kari", "upn": "kari@fylke.no", "email": "kari.berg@fylke.no"}
    clean_store.execute("CREATE (p:Person:Entity {id: 'person-kari', version: 1, source: 'manual'}) SET p += $props",
                        props=create_person)
    both = Harvest(nodes=[NodeRecord("Person", "person-a", {"name": "Kari", "upn": "kari@fylke.no"}),
                          NodeRecord("Person", "person-b", {"name": "Kari B", "upn": "kari.b@fylke.no",
                                                            "email": "kari.berg@fylke.no"})])
    with pytest.raises(HarvestFailed, match="resolve to the existing 'person-kari'"):
        receive(clean_store, push, both)
    assert count(clean_store, "MATCH (n:Person) RETURN count(n) AS n") == 1
