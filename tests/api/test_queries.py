"""The query endpoints on the demo county, and their bad inputs."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from catalog.demo.load import load
from tests.api.test_entities import assert_problem
from tests.conftest import wipe


@pytest.fixture(scope="module")
def demo(session_client, store):
    wipe(store)
    load(store)
    yield session_client
    wipe(store)


def test_lineage_of_inschool_reaches_fint_consumers_and_bi(demo):
    graph = demo.get("/api/v1/lineage/system-visma-inschool", params={"direction": "downstream", "depth": 3}).json()
    ids = {n["id"] for n in graph["nodes"]}
    assert {"system-itslearning", "system-entra-id", "system-datavarehus", "system-power-bi"} <= ids
    assert all(set(n) <= {"id", "type", "name", "distance"} for n in graph["nodes"])  # no internal fields
    assert set(graph["root"]) == {"id", "type", "name"}
    fint = [e for e in graph["edges"] if e["source"] == "system-visma-inschool" and e["target"] == "system-itslearning"]
    assert fint and fint[0]["type"] == "integration" and fint[0]["kind"] == "declared" and fint[0]["via"]
    shallow = demo.get("/api/v1/lineage/system-visma-inschool", params={"direction": "downstream", "depth": 1}).json()
    assert shallow["truncated"] is True and graph["truncated"] is False


def test_lineage_upstream_and_depth_bound(demo):
    graph = demo.get("/api/v1/lineage/system-power-bi", params={"direction": "upstream", "depth": 25}).json()
    assert "system-visma-inschool" in {n["id"] for n in graph["nodes"]} and graph["truncated"] is False
    # Edges point the way the data moves, also when the question is asked upstream.
    assert any(e["source"] == "system-datavarehus" and e["target"] == "system-power-bi" for e in graph["edges"])
    assert any(e["source"] == "system-vigo" and e["target"] == "system-visma-inschool" for e in graph["edges"])


def test_lineage_as_of_drops_integrations_not_yet_or_no_longer_valid(demo):
    now = demo.get("/api/v1/lineage/system-visma-hrm", params={"direction": "downstream", "depth": 1}).json()
    then = demo.get("/api/v1/lineage/system-visma-hrm", params={"direction": "downstream", "depth": 1,
                                                                 "as_of": "2022-01-01"}).json()
    assert "system-kompetanseportal" not in {n["id"] for n in now["nodes"]}
    assert "system-kompetanseportal" in {n["id"] for n in then["nodes"]}


@pytest.mark.parametrize("params", [{"depth": 0}, {"depth": 26}, {"direction": "sideways"}, {"as_of": "2026-13-01"},
                                    {"as_of": "yesterday"}])
def test_lineage_bad_parameters_are_422(demo, params):
    assert_problem(demo.get("/api/v1/lineage/system-visma-inschool", params=params), 422)


def test_unknown_ids_are_404(demo):
    assert_problem(demo.get("/api/v1/lineage/nothing"), 404)
    assert_problem(demo.get("/api/v1/impact/nothing"), 404)
    assert_problem(demo.get("/api/v1/access/who", params={"resource": "nothing"}), 404)
    assert_problem(demo.get("/api/v1/access/what", params={"principal": "nothing"}), 404)
    assert_problem(demo.get("/api/v1/access/path", params={"from": "nothing", "to": "system-feide"}), 404)


def test_impact_lists_downstream_with_distance_and_people_to_notify(demo):
    impact = demo.get("/api/v1/impact/system-visma-hrm").json()
    by_id = {item["id"]: item for item in impact["items"]}
    entra = by_id["system-entra-id"]
    assert entra["distance"] == 1 and {n["role"] for n in entra["notify"]} >= {"systemeier", "systemansvarlig"}
    assert by_id["system-microsoft-365"]["distance"] == 2
    assert any(item["type"] == "Integration" for item in impact["items"])
    assert any(item["type"] == "Dataset" and item["notify"] for item in impact["items"])
    distances = [item["distance"] for item in impact["items"]]
    assert distances == sorted(distances)


def test_who_can_read_pupil_data_including_copies(demo):
    direct = demo.get("/api/v1/access/who", params={"resource": "dataset-elevregister", "limit": 1000}).json()
    copies = demo.get("/api/v1/access/who", params={"resource": "dataset-elevregister", "include_lineage": "true",
                                                     "limit": 1000}).json()
    assert 0 < direct["total"] < copies["total"] == len(copies["principals"])
    teacher = direct["principals"][0]
    path = teacher["paths"][0]
    assert path[0]["id"] == teacher["id"] and path[-1]["id"] == "dataset-elevregister"
    assert "HOLDS" in [step.get("relationship") for step in path]
    extra = {p["id"] for p in copies["principals"]} - {p["id"] for p in direct["principals"]}
    copied = next(p for p in copies["principals"] if p["id"] in extra)
    hops = [step for step in copied["paths"][0] if step.get("relationship") == "COPY_OF"]
    assert hops and hops[0]["via"].startswith("integration-")


def test_fint_clients_reading_pupils_are_among_who_can_read_pupil_data(demo):
    direct = demo.get("/api/v1/access/who", params={"resource": "dataset-elevregister", "limit": 1000}).json()
    copies = demo.get("/api/v1/access/who", params={"resource": "dataset-elevregister", "include_lineage": "true",
                                                     "limit": 1000}).json()
    # The demo's FINT clients reading utdanning-elev (its table of service accounts), which the
    # integrations out of Visma InSchool carrying the pupil register pass; the FINT client of
    # arkiv-noark (which carries grades, not the register) is not among them.
    service_accounts = {p["id"] for p in copies["principals"] if p["type"] == "ServiceAccount"}
    assert {"sa-fint-itslearning", "sa-fint-google"} <= service_accounts
    assert "sa-fint-arkiv" not in service_accounts
    assert not {"sa-fint-itslearning", "sa-fint-google"} & {p["id"] for p in direct["principals"]}
    client = next(p for p in copies["principals"] if p["id"] == "sa-fint-itslearning")
    path = client["paths"][0]
    assert client["level"] == "read"
    assert [step["relationship"] if "relationship" in step else step["id"] for step in path] == [
        "sa-fint-itslearning", "HAS_ACCESS", "fint-utdanning-elev", "VIA", "system-visma-inschool", "HOLDS",
        "dataset-elevregister"]
    # The hop names the integration that passes the component, by id and by name.
    assert path[3]["via"].startswith("integration-") and path[3]["via_name"].startswith("Visma InSchool → ")
    assert path[3]["dataset"] == "dataset-elevregister"


def test_who_pages_with_cursor_and_filters_by_level(demo):
    first = demo.get("/api/v1/access/who", params={"resource": "system-visma-inschool", "limit": 10}).json()
    assert len(first["principals"]) == 10 and first["total"] > 10 and first["next_cursor"]
    second = demo.get("/api/v1/access/who", params={"resource": "system-visma-inschool", "limit": 10,
                                                     "cursor": first["next_cursor"]}).json()
    assert not {p["id"] for p in first["principals"]} & {p["id"] for p in second["principals"]}
    admins = demo.get("/api/v1/access/who", params={"resource": "system-visma-inschool", "level": "admin"}).json()
    assert admins["total"] >= 2 and all(p["level"] == "admin" for p in admins["principals"])
    assert_problem(demo.get("/api/v1/access/who", params={"resource": "system-visma-inschool", "cursor": "bogus"}), 422)
    assert_problem(demo.get("/api/v1/access/who", params={"resource": "system-visma-inschool", "limit": 0}), 422)
    assert_problem(demo.get("/api/v1/access/who", params={"resource": "person-0001"}), 422)


def test_time_limited_grant_counts_only_while_valid(demo):
    consultant_grant = demo.get("/api/v1/access-grants", params={"resource_id": "system-visma-inschool"}).json()
    dated = [g for g in consultant_grant["items"] if g.get("valid_from") == "2026-09-01"][0]
    person = dated["principal_id"]
    during = demo.get("/api/v1/access/path", params={"from": person, "to": "system-visma-inschool",
                                                      "as_of": "2026-10-01"}).json()
    before = demo.get("/api/v1/access/path", params={"from": person, "to": "system-visma-inschool",
                                                      "as_of": "2026-08-01"}).json()
    assert during["level"] == "admin" and before["level"] != "admin"


def test_what_a_principal_reaches(demo):
    reached = demo.get("/api/v1/access/what", params={"principal": "sa-fint-itslearning"}).json()
    ids = {r["id"]: r for r in reached["resources"]}
    assert ids["fint-utdanning-elev"]["level"] == "read"
    assert_problem(demo.get("/api/v1/access/what", params={"principal": "system-feide"}), 422)


@pytest.mark.parametrize("name", ["systems-without-owner", "personal-data-without-legal-basis", "data-outside-eea",
                                  "integrations-without-owner", "stale"])
def test_reports_have_rows_in_every_format(demo, name):
    report = demo.get(f"/api/v1/reports/{name}", params={"days": 1} if name == "stale" else {}).json()
    assert report["name"] == name and set(report["columns"]) >= set(report["rows"][0] if report["rows"] else [])
    if name != "stale":  # the demo has no stale facts; tests/api/test_stale_report.py holds some
        assert report["rows"], name
    as_csv = demo.get(f"/api/v1/reports/{name}", params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert header == report["columns"]


def test_governance_reports_find_the_demo_gaps(demo):
    owners = {r["id"]: r for r in demo.get("/api/v1/reports/systems-without-owner").json()["rows"]}
    assert "systemeier" in owners["system-zoom"]["missing_roles"]
    outside = demo.get("/api/v1/reports/data-outside-eea").json()["rows"]
    assert {"copy", "held"} <= {r["how"] for r in outside}
    assert any(r["id"] == "dataset-elevregister" and r["system"] == "Google Workspace for Education" for r in outside)


def test_access_review_opens_as_xlsx_and_csv(demo):
    params = {"resource": "dataset-tilrettelegging"}
    data = demo.get("/api/v1/reports/access-review", params=params).json()
    assert data["rows"] and all(r["path"] and r["level"] for r in data["rows"])
    xlsx = demo.get("/api/v1/reports/access-review", params={**params, "format": "xlsx"})
    assert xlsx.headers["content-disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[3]] == data["columns"]
    assert sheet.max_row == 3 + len(data["rows"])
    rows = list(csv.DictReader(io.StringIO(demo.get("/api/v1/reports/access-review",
                                                    params={**params, "format": "csv"}).content.decode("utf-8-sig"))))
    assert [r["principal_id"] for r in rows] == [r["principal_id"] for r in data["rows"]]
    assert_problem(demo.get("/api/v1/reports/access-review"), 422)
    assert_problem(demo.get("/api/v1/reports/no-such-report"), 404)
    assert_problem(demo.get("/api/v1/reports/stale", params={"days": 0}), 422)
