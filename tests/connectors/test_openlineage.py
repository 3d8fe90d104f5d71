"""OpenLineage events from the compatibility suite, posted as the HTTP transport would."""

from __future__ import annotations

import json

import pytest

from tests.api.test_entities import assert_problem
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures" / "openlineage"
pytestmark = pytest.mark.skipif(not FIXTURES.exists(), reason="../shared/fixtures/openlineage is not beside the project")


def events(folder: str) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted((FIXTURES / folder).glob("*.json"),
                                                            key=lambda p: p.stem.zfill(3))]


def test_column_lineage_events_become_observed_lineage(client):
    for event in events("column-lineage"):
        response = client.post("/api/v1/lineage", json=event)
        assert response.status_code == 201, response.text
    datasets = {d["name"]: d for d in client.get("/api/v1/datasets", params={"limit": 100}).json()["items"]}
    table = datasets["/tmp/cll_test/tbl1"]
    sources = {datasets["/tmp/cll_test/cll_source1"]["id"], datasets["/tmp/cll_test/cll_source2"]["id"]}
    assert set(table["derived_from"]) == sources
    lineage = client.get(f"/api/v1/lineage/{table['id']}", params={"direction": "upstream"}).json()
    derivations = [e for e in lineage["edges"] if e["type"] == "derivation"]
    assert {e["source"] for e in derivations} == sources
    assert all(e["kind"] == "observed" and e["via"].endswith("default_tbl1") for e in derivations)
    # The unmapped namespace 'file' got a placeholder system holding all three.
    systems = client.get("/api/v1/systems", params={"limit": 100}).json()["items"]
    placeholder = client.get(f"/api/v1/systems/{next(s['id'] for s in systems if s['name'] == 'file')}").json()
    assert len(placeholder["datasets"]) == 3 and "Placeholder" in placeholder["description"]


def test_simple_run_event_makes_an_observed_integration_with_run_state(client):
    event = events("simple")[0]
    assert client.post("/api/v1/lineage", json=event).status_code == 201
    integrations = client.get("/api/v1/integrations", params={"kind": "observed"}).json()["items"]
    assert len(integrations) == 0  # input and output share the 'bigquery' namespace: one system, no hop
    output = next(d for d in client.get("/api/v1/datasets").json()["items"] if d["name"] == "test.table.output")
    assert len(output["derived_from"]) == 1
    other = {**event, "inputs": [{"namespace": "postgres://source:5432", "name": "public.elev"}]}
    assert client.post("/api/v1/lineage", json=other).status_code == 201
    integration = client.get("/api/v1/integrations", params={"kind": "observed"}).json()["items"][0]
    assert integration["last_run_state"] == "COMPLETE" and integration["mechanism"] == "pipeline"
    assert integration["last_run_at"].startswith("2023-04-04T13:21:16")


def test_duplicate_events_change_nothing(client):
    event = events("column-lineage")[7]
    first = client.post("/api/v1/lineage", json=event).json()
    again = client.post("/api/v1/lineage", json=event).json()
    assert first["created"] > 0 and again["created"] == 0 and again["updated"] == 0


@pytest.mark.parametrize("mutate, field", [
    (lambda e: e.pop("eventTime"), "eventTime"),
    (lambda e: e["run"].pop("runId"), "runId"),
    (lambda e: e.update(eventType="EXPLODED"), "eventType"),
    (lambda e: e["job"].pop("name"), "name"),
    (lambda e: e.pop("producer"), "producer"),
    (lambda e: e.update(inputs="everything"), "inputs"),
])
def test_invalid_events_are_422_with_the_reason(client, mutate, field):
    event = events("simple")[0]
    mutate(event)
    problem = assert_problem(client.post("/api/v1/lineage", json=event), 422)
    assert any(field in [str(part) for part in error["loc"]] for error in problem["errors"])


def test_dataset_and_job_events_are_accepted(client):
    base = {"eventTime": "2024-01-01T00:00:00Z", "producer": "https://example.org/p",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent"}
    assert client.post("/api/v1/lineage", json={**base, "dataset": {"namespace": "s3://bucket", "name": "elever.csv"}}).status_code == 201
    job = {**base, "job": {"namespace": "dbt", "name": "build"}, "inputs": [{"namespace": "a", "name": "x"}],
           "outputs": [{"namespace": "b", "name": "y"}]}
    assert client.post("/api/v1/lineage", json=job).status_code == 201
    assert client.get("/api/v1/integrations", params={"kind": "observed"}).json()["total"] == 1
