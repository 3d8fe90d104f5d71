"""DCAT-AP-NO export validated by Digdir's own shapes, the lossless RDF round trip, the DCAT
import of the profile's examples, and controlled vocabularies on input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF, RDFS, SH, SKOS

from catalog.demo.load import edit_and_harvest, load
from catalog.store import backup as backup_store
from catalog.store import history
from catalog.harvest.service import run_source
from catalog.harvest.sources import SourceSettings
from ontology import vocabularies
from ontology.rdf import CAT, controlled_value, vocabulary
from tests.api.test_entities import assert_problem
from tests.conftest import SHARED, wipe

STANDARDS = SHARED / "standards"
needs_standards = pytest.mark.skipif(not STANDARDS.exists(), reason="../shared/standards is not beside the project")


@pytest.fixture(scope="module")
def demo(session_client, store):
    wipe(store)
    load(store)
    edit_and_harvest(store)
    yield session_client
    wipe(store)


def violations(turtle: str) -> list[str]:
    """Validate as Felles datakatalog does: the vocabularies merged into the data graph."""
    from pyshacl import validate

    data = Graph().parse(data=turtle, format="turtle")
    for vocabulary_file in (STANDARDS / "vocabularies").glob("*.ttl"):
        data.parse(vocabulary_file)
    shapes = Graph().parse(STANDARDS / "dcat-ap-no" / "dcat-ap-no-shacl-shapes-2.00.ttl")
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True)
    return [f"{report.value(r, SH.focusNode)} {report.value(r, SH.resultPath)}: {report.value(r, SH.resultMessage)}"
            for r in report.subjects(SH.resultSeverity, SH.Violation)]


@needs_standards
def test_demo_dcat_export_has_zero_violations(demo):
    response = demo.get("/api/v1/export/dcat")
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) >= 5
    assert len(set(graph.subjects(RDF.type, DCAT.DataService))) >= 5
    assert violations(response.text) == []
    for fmt, media in (("jsonld", "application/ld+json"), ("xml", "application/rdf+xml")):
        other = demo.get("/api/v1/export/dcat", params={"format": fmt})
        assert other.headers["content-type"].startswith(media)
        assert len(Graph().parse(data=other.text, format={"jsonld": "json-ld"}.get(fmt, fmt))) == len(graph)


@needs_standards
def test_the_dcat_connector_reads_back_what_the_export_wrote(demo):
    """One mapping both ways: every published dataset's DCAT fields survive export and import."""
    from connectors.dcat import DcatConnector

    exported = Graph().parse(data=demo.get("/api/v1/export/dcat").text, format="turtle")
    harvest = DcatConnector().transform(exported, DcatConnector.Config(path="unused.ttl"))
    read_back = {r.props["name"]: r.props for r in harvest.nodes if r.label == "Dataset"}
    published = [d for d in demo.get("/api/v1/datasets", params={"limit": 500}).json()["items"] if d["name"] in read_back]
    assert len(published) == len(read_back) > 0
    fields = ("description", "themes", "keywords", "access_rights", "frequency", "licence", "landing_page")
    for dataset in published:
        expected = {f: dataset[f] or None for f in fields}
        expected["themes"], expected["keywords"] = (sorted(dataset[f]) if dataset[f] else None for f in ("themes", "keywords"))
        assert {f: read_back[dataset["name"]][f] for f in fields} == expected


def test_the_validation_catches_an_invalid_catalogue():
    invalid = (STANDARDS / "dcat-ap-no" / "example-invalid-catalog.ttl").read_text()
    assert violations(invalid)


def test_readiness_report_names_the_missing_fields(demo):
    rows = {r["id"]: r for r in demo.get("/api/v1/reports/dcat-readiness").json()["rows"]}
    timeplan = rows["dataset-timeplan"]
    assert "theme" not in timeplan["missing_mandatory"] and "licence" in timeplan["missing_recommended"]
    harvested = next(r for r in rows.values() if r["name"] == "Arrangører")
    assert {"description", "theme"} <= set(harvested["missing_mandatory"]) and harvested["ready"] is False


@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_round_trip_export_empty_import_is_lossless(demo, store, fmt):
    before_nodes, before_edges = backup_store.nodes(store), backup_store.edges(store)
    before_flows, before_head = flow_edges(store), history.head(store)
    assert before_flows and before_head["seq"] == history_length(before_nodes)
    assert any(n["label"] == "HarvestRun" for n in before_nodes) and any(n["label"] == "Conflict" for n in before_nodes)
    # The governance register travels too: its types, list and date values, and its links.
    assert {"ProcessingActivity", "Agreement", "RiskAssessment"} <= {n["label"] for n in before_nodes}
    assert {"HAS_SUBPROCESSOR", "COVERS", "ASSESSES", "PROCESSED_IN", "REPLACED_BY"} <= {e["type"] for e in before_edges}
    exported = demo.get("/api/v1/export/rdf", params={"format": fmt})
    assert exported.status_code == 200
    wipe(store)
    media = "application/ld+json" if fmt == "json-ld" else "text/turtle"
    imported = demo.post("/api/v1/import/rdf", content=exported.content, headers={"content-type": media})
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"nodes": len(before_nodes), "edges": len(before_edges)}
    after_nodes, after_edges = backup_store.nodes(store), backup_store.edges(store)
    # The history came back whole, and the import appended one record of its own to it.
    appended = [n for n in after_nodes if n not in before_nodes and n["label"] != "HistoryHead"]
    assert [(n["label"], n["props"]["action"], n["props"]["seq"]) for n in appended] == \
        [("ChangeRecord", "import", history_length(before_nodes) + 1)]
    assert history.verify(store).intact
    unchanged = [n for n in after_nodes if n not in appended and n["label"] != "HistoryHead"]
    assert len(unchanged) == len(before_nodes) - 1
    for before, after in zip([n for n in before_nodes if n["label"] != "HistoryHead"], unchanged):
        assert before == after  # label and every property, types included
    assert after_edges == before_edges
    # The lineage edges, not in the file, are drawn again as they were.
    assert flow_edges(store) == before_flows
    # The head moved on by the import's record alone, which chains onto the head the backup had.
    import_record = appended[0]["props"]
    assert import_record["previous_hash"] == before_head["hash"]
    assert history.head(store) == {"seq": before_head["seq"] + 1, "hash": import_record["hash"]}
    labels = store.rows("MATCH (n:Entity) RETURN count(n) AS n")[0]["n"]
    assert labels == sum(1 for n in before_nodes if n["label"] in backup_store.CATALOG_LABELS)


def history_length(nodes: list[dict]) -> int:
    return sum(n["label"] == "ChangeRecord" for n in nodes)


def flow_edges(store) -> list[dict]:
    """The derived FLOWS_TO edges, each with its ends and every property, in a stable order."""
    rows = store.rows("MATCH (a)-[f:FLOWS_TO]->(b) RETURN a.id AS source, b.id AS target, properties(f) AS props")
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


def test_an_import_never_alters_the_history_and_a_tampered_one_is_refused(demo, store):
    exported = demo.get("/api/v1/export/rdf", params={"format": "turtle"}).text
    records = store.rows("MATCH (c:ChangeRecord) RETURN c {.*} AS c ORDER BY c.seq")
    assert len(records) >= 3 and 'cat:actor "harvest:' in exported
    tampered = exported.replace('cat:actor "harvest:', 'cat:actor "forged:')
    # Into a store that has a history, a file's history is left out: nothing is rewritten.
    assert demo.post("/api/v1/import/rdf", content=tampered.encode(), headers={"content-type": "text/turtle"}).status_code == 200
    after = store.rows("MATCH (c:ChangeRecord) RETURN c {.*} AS c ORDER BY c.seq")
    assert after[:len(records)] == records and [c["c"]["action"] for c in after[len(records):]] == ["import"]
    assert history.verify(store).intact
    # Into an empty store, a history whose chain is broken is refused, and nothing is written.
    wipe(store)
    try:
        problem = assert_problem(demo.post("/api/v1/import/rdf", content=tampered.encode(),
                                           headers={"content-type": "text/turtle"}), 422)
        assert "history" in problem["detail"] and "broken at record" in problem["detail"]
        assert store.rows("MATCH (n) WHERE NOT n:ApiToken RETURN count(n) AS n")[0]["n"] == 0
    finally:
        restored = demo.post("/api/v1/import/rdf", content=exported.encode(), headers={"content-type": "text/turtle"})
        assert restored.status_code == 200, restored.text
    assert history.verify(store).intact


def test_import_rejects_what_is_not_a_catalog_export(demo):
    assert_problem(demo.post("/api/v1/import/rdf", content=b"@prefix : <x> . :a :b", headers={"content-type": "text/turtle"}), 422)


def test_import_checks_node_and_edge_properties_and_writes_nothing_when_one_breaks(demo, store):
    exported = demo.get("/api/v1/export/rdf", params={"format": "turtle"}).text
    assert 'cat:level "read"' in exported and 'cat:hosting "saas"' in exported
    broken = exported.replace('cat:level "read"', 'cat:level "owner"', 1).replace('cat:hosting "saas"', 'cat:hosting "sky"', 1)
    wipe(store)
    try:
        problem = assert_problem(demo.post("/api/v1/import/rdf", content=broken.encode(),
                                           headers={"content-type": "text/turtle"}), 422)
        assert {e["loc"][-1] for e in problem["errors"]} == {"level", "hosting"}
        assert store.rows("MATCH (n) WHERE NOT n:ApiToken RETURN count(n) AS n")[0]["n"] == 0
    finally:
        restored = demo.post("/api/v1/import/rdf", content=exported.encode(), headers={"content-type": "text/turtle"})
        assert restored.status_code == 200, restored.text


@needs_standards
def test_profile_examples_import_through_the_dcat_connector(clean_store, session_client):
    examples = STANDARDS / "dcat-ap-no"
    source = SourceSettings(id="dcat-examples", connector="dcat", settings={"path": "examples-dcat-ap-no-2.0.ttl"})
    run = run_source(clean_store, source, examples)
    assert run.status == "succeeded", run.errors
    datasets = session_client.get("/api/v1/datasets").json()["items"]
    buildings = next(d for d in datasets if d["name"] == "Bygninger - et eksempeldatasett")
    assert buildings["themes"] == ["GOVE"] and buildings["description"] == "Et eksempeldatasett."
    assert buildings["owners"] == [{"id": "org-991825827", "type": "Organization", "name": "Organisasjon 991825827",
                                    "role": "dataeier"}]
    valid = run_source(clean_store, SourceSettings(id="dcat-valid", connector="dcat", settings={
        "path": "example-valid-catalog-with-distribution.ttl"}), examples)
    assert valid.status == "succeeded" and valid.created > 0
    test = next(d for d in session_client.get("/api/v1/datasets").json()["items"] if d["name"] == "Test dataset")
    assert test["licence"] == "CNRI_PYTHON" and "https://psi.norge.no/los/tema/barnehage" in test["themes"]
    again = run_source(clean_store, source, examples)
    assert again.created == 0 and again.updated == 0


def test_controlled_values_are_checked_on_input_naming_what_is_allowed(client):
    problem = assert_problem(client.post("/api/v1/datasets", json={"name": "X", "themes": ["SKOLE"]}), 422)
    assert problem["errors"][0]["loc"] == ["body", "themes", 0] and "EDUC" in problem["errors"][0]["msg"]
    problem = assert_problem(client.post("/api/v1/datasets", json={"name": "X", "licence": "MIT-ish"}), 422)
    assert "NLOD_2_0" in problem["errors"][0]["msg"] or "/api/v1/vocabularies/licence" in problem["errors"][0]["msg"]
    assert_problem(client.post("/api/v1/datasets", json={"name": "X", "frequency": "SOMETIMES"}), 422)
    assert_problem(client.post("/api/v1/formats", json={"name": "X", "file_type": "WORDPERFECT9"}), 422)
    ok = client.post("/api/v1/datasets", json={"name": "Y", "themes": ["EDUC", "https://psi.norge.no/los/tema/barnehage"],
                                               "licence": "NLOD_2_0", "frequency": "daily"})
    assert ok.status_code == 201 and ok.json()["frequency"] == "DAILY"
    assert "NLOD_2_0" in client.get("/api/v1/vocabularies/licence").json()["values"]
    assert_problem(client.get("/api/v1/vocabularies/colours"), 404)


def test_vocabulary_is_derived_from_the_ontology(client):
    turtle = client.get("/api/v1/ontology").text
    graph = Graph().parse(data=turtle, format="turtle")
    assert len(graph) == len(vocabulary())
    assert '"Datasett"@nb' in turtle and "rdfs:subClassOf dcat:Dataset" in turtle


def test_governance_terms_map_to_dpv_terms_that_exist():
    """Every DPV term the vocabulary names is one of the vendored DPV file's; the art. 6 and art. 9
    values map to the GDPR points they stand for."""
    graph = vocabulary()
    dpv_file = Graph().parse(Path(vocabularies.__file__).parent / "dpv.ttl")
    used = {o for o in graph.objects() if str(o).startswith("https://w3id.org/dpv")}
    assert used and used <= set(dpv_file.subjects())
    gdpr = "https://w3id.org/dpv/legal/eu/gdpr#"
    assert graph.value(controlled_value("art6_basis", "public-task"), SKOS.exactMatch) == URIRef(f"{gdpr}A6-1-e")
    assert graph.value(controlled_value("art9_condition", "health-social-care"), SKOS.exactMatch) == URIRef(f"{gdpr}A9-2-h")
    assert (CAT.ProcessingActivity, RDFS.subClassOf, URIRef("https://w3id.org/dpv#Process")) in graph
