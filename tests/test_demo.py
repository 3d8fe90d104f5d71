"""The demo county loads, is big enough to be realistic, and loading twice leaves the same graph."""

from __future__ import annotations

from typer.testing import CliRunner

from catalog.cli import app as cli
from catalog.demo.load import MANUAL_EDIT, load
from catalog.settings import get_settings

VOLATILE = {"last_seen", "run_id"}


def _snapshot(store) -> tuple[list, list]:
    nodes = store.rows("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props ORDER BY n.id")
    edges = store.rows("MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS type, properties(r) AS props, b.id AS b "
                       "ORDER BY a, type, b, r.id")
    strip = lambda row: {**row, "props": {k: v for k, v in row["props"].items() if k not in VOLATILE}}  # noqa: E731
    return [strip(n) for n in nodes], [strip(e) for e in edges]


def test_demo_loads_twice_to_the_same_graph(clean_store):
    first = load(clean_store)
    snapshot = _snapshot(clean_store)
    again = load(clean_store)
    assert first.created > 0 and again.created == 0 and again.updated == 0
    assert _snapshot(clean_store) == snapshot


def test_demo_county_is_realistic_and_has_deliberate_gaps(clean_store, session_client):
    load(clean_store)
    api = session_client
    assert api.get("/api/v1/systems").json()["total"] >= 40
    assert api.get("/api/v1/people").json()["total"] >= 200
    county = api.get("/api/v1/organizations/org-eksempel-fylkeskommune").json()
    assert county["orgnr"] == "921000006" and len(county["units"]) >= 5
    names = {s["name"] for s in api.get("/api/v1/systems", params={"limit": 500}).json()["items"]}
    assert {"Visma InSchool", "Visma Enterprise HRM", "Public 360", "Unit4 ERP", "Feide", "Microsoft Entra ID",
            "VIGO", "Acos WebSak"} <= names
    outside = api.get("/api/v1/locations", params={"in_eea": "false"}).json()["items"]
    assert outside and all(loc["country"] not in ("NO", "SE", "NL") for loc in outside)
    assert api.get("/api/v1/fint-components").json()["total"] >= 8
    inschool = api.get("/api/v1/systems/system-visma-inschool").json()
    assert {o["role"] for o in inschool["owners"]} >= {"systemeier", "systemansvarlig", "databehandler"}
    assert len(inschool["integrations_out"]) >= 8
    without_owner = [s for s in api.get("/api/v1/systems", params={"limit": 500}).json()["items"]
                     if "systemeier" not in {o["role"] for o in s["owners"]}]
    assert without_owner
    no_basis = [d for d in api.get("/api/v1/datasets", params={"personal_data": "true", "limit": 500}).json()["items"]
                if not d["legal_basis"]]
    assert no_basis


def test_demo_records_obey_the_ontology():
    """The demo loads through the ingest path, which trusts its records; check them like a harvest."""
    from catalog.demo.county import records
    from ontology.api_models import NODE_MODELS
    from ontology.records import NodeRecord

    for record in records():
        if isinstance(record, NodeRecord):
            model = NODE_MODELS[record.label].patch
            model.model_validate({k: v for k, v in record.props.items() if k in model.model_fields})


def _cli(neo4j_server, *args: str) -> tuple[int, str]:
    """The real command line against the test Neo4j; its output with line wrapping undone."""
    uri, _ = neo4j_server
    get_settings.cache_clear()  # the CLI reads NEO4J_URI afresh
    result = CliRunner().invoke(cli, list(args), env={"NEO4J_URI": uri})
    get_settings.cache_clear()
    return result.exit_code, " ".join(result.output.split())


def test_history_verify_on_the_demo_passes_then_names_a_record_edited_in_neo4j(clean_store, neo4j_server):
    code, output = _cli(neo4j_server, "load-demo")
    assert code == 0, output
    written = clean_store.rows("MATCH (c:ChangeRecord) RETURN count(c) AS n")[0]["n"]
    code, output = _cli(neo4j_server, "history", "verify")
    assert code == 0, output
    assert f"history intact: {written} record(s)" in output
    # Someone covers the tracks of the demo's manual edit, in Neo4j itself, past the catalog.
    _, entity_id, _, editor = MANUAL_EDIT
    [edit] = clean_store.rows("MATCH (c:ChangeRecord {entity_id: $id, actor: $actor}) RETURN c.id AS id, c.seq AS seq",
                              id=entity_id, actor=editor)
    clean_store.execute("MATCH (c:ChangeRecord {id: $id}) SET c.actor = 'someone-else'", id=edit["id"])
    try:
        code, output = _cli(neo4j_server, "history", "verify")
        assert code != 0, output
        assert f"broken at record {edit['seq']} ({edit['id']})" in output and "edited" in output, output
        assert f"{edit['seq'] - 1} record(s) before it hold" in output
    finally:
        clean_store.execute("MATCH (c:ChangeRecord {id: $id}) SET c.actor = $actor", id=edit["id"], actor=editor)
    code, output = _cli(neo4j_server, "history", "verify")
    assert code == 0 and f"history intact: {written} record(s)" in output, output
