"""The governance register's reports, on a small hand-built county whose every expected row is
written out here, and on the demo county (each report has rows; the two EEA exposures that only
a subprocessor or an integration reveals are found)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from catalog.demo.load import load
from tests.api.test_entities import assert_problem
from tests.conftest import wipe

DAY = "2026-12-01"


def _post(api, path: str, body: dict) -> dict:
    response = api.post(f"/api/v1/{path}", json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def county(session_client, store):
    """Five systems, five processing activities, four agreements, five assessments."""
    wipe(store)
    api = session_client
    ids = {}
    for key, name, orgnr, country in (("county", "Fylket", "921000006", "NO"), ("vendor", "Leverandør A", "921000014", "NO"),
                                      ("cloud", "Sky Inc.", "921000022", "US"), ("sub_us", "Underleverandør US", "921000030", "US"),
                                      ("sub_se", "Underleverandør SE", "921000049", "SE")):
        ids[key] = _post(api, "organizations", {"name": name, "orgnr": orgnr, "country": country})["id"]
    ids["unit"] = _post(api, "org-units", {"name": "Enhet 1", "parent": ids["county"]})["id"]
    ids["subunit"] = _post(api, "org-units", {"name": "Enhet 1.1", "parent": ids["unit"]})["id"]
    ids["other_unit"] = _post(api, "org-units", {"name": "Enhet 2", "parent": ids["county"]})["id"]
    ids["kari"] = _post(api, "people", {"name": "Kari", "org_unit": ids["subunit"]})["id"]
    ids["ola"] = _post(api, "people", {"name": "Ola", "org_unit": ids["other_unit"]})["id"]
    ids["group"] = _post(api, "groups", {"name": "Saksbehandlere"})["id"]
    ids["no"] = _post(api, "locations", {"name": "Lagring NO", "country": "NO"})["id"]
    ids["us"] = _post(api, "locations", {"name": "Lagring US", "country": "US"})["id"]
    ids["s1"] = _post(api, "systems", {"name": "Skolesystem", "vendor": "Leverandør A", "vendor_country": "NO",
                                       "lifecycle": "in-use", "storage_locations": [ids["no"]],
                                       "end_of_life": "2028-06-30"})["id"]
    ids["s2"] = _post(api, "systems", {"name": "Læringsplattform", "vendor_country": "NO",
                                       "storage_locations": [ids["no"]]})["id"]
    ids["s3"] = _post(api, "systems", {"name": "Skylagring", "vendor": "Sky Inc", "vendor_country": "US",
                                       "storage_locations": [ids["us"]]})["id"]
    ids["s4"] = _post(api, "systems", {"name": "Arkiv", "storage_locations": [ids["no"]], "end_of_life": "2027-03-31"})["id"]
    ids["s5"] = _post(api, "systems", {"name": "Gammelt fagsystem", "lifecycle": "phasing-out",
                                       "storage_locations": [ids["no"]], "end_of_life": "2027-05-31",
                                       "replaced_by": ids["s1"]})["id"]
    ids["d1"] = _post(api, "datasets", {"name": "Elever", "system": ids["s1"], "personal_data": True})["id"]
    ids["d2"] = _post(api, "datasets", {"name": "Innleveringer", "system": ids["s2"], "personal_data": True})["id"]
    ids["d3"] = _post(api, "datasets", {"name": "Filer", "system": ids["s3"], "personal_data": True})["id"]
    ids["d5"] = _post(api, "datasets", {"name": "Gamle saker", "system": ids["s5"], "personal_data": False})["id"]
    ids["i1"] = _post(api, "integrations", {"name": "Elever til sky", "mechanism": "api", "source_system": ids["s1"],
                                            "target_system": ids["s3"], "datasets": [ids["d1"]]})["id"]
    ids["i2"] = _post(api, "integrations", {"name": "Gamle saker til skolesystemet", "mechanism": "file-transfer",
                                            "source_system": ids["s5"], "target_system": ids["s1"],
                                            "datasets": [ids["d5"]]})["id"]
    _post(api, "ownerships", {"owner_id": ids["kari"], "resource_id": ids["s1"], "role": "systemeier"})
    _post(api, "ownerships", {"owner_id": ids["unit"], "resource_id": ids["d1"], "role": "dataeier"})
    _post(api, "access-grants", {"principal_id": ids["ola"], "resource_id": ids["s4"], "level": "read"})
    _post(api, "access-grants", {"principal_id": ids["ola"], "resource_id": ids["s5"], "level": "read"})
    _post(api, "memberships", {"member_id": ids["kari"], "group_id": ids["group"]})
    _post(api, "access-grants", {"principal_id": ids["group"], "resource_id": ids["s5"], "level": "write"})
    for key, body in (
        ("a1", {"name": "DBA skolesystem", "kind": "databehandleravtale", "reference": "A-1", "counterpart": ids["vendor"],
                "start_date": "2020-01-01", "systems": [ids["s1"]]}),
        ("a2", {"name": "DBA læringsplattform", "kind": "databehandleravtale", "reference": "A-2",
                "counterpart": ids["vendor"], "start_date": "2021-01-01", "end_date": "2027-01-15",
                "systems": [ids["s2"]], "subprocessors": [ids["sub_us"], ids["sub_se"]]}),
        ("a3", {"name": "Lisens skylagring", "kind": "licence", "reference": "A-3", "counterpart": ids["cloud"],
                "start_date": "2022-01-01", "end_date": "2028-01-01", "notice_date": "2026-12-20", "systems": [ids["s3"]]}),
        ("a5", {"name": "DBA gammelt fagsystem", "kind": "databehandleravtale", "reference": "A-5",
                "counterpart": ids["vendor"], "start_date": "2015-01-01", "end_date": "2025-12-31",
                "systems": [ids["s5"]]}),
    ):
        ids[key] = _post(api, "agreements", body)["id"]
    for key, body in (
        ("p1", {"name": "Elevadministrasjon", "purpose": "Føre elevregister.", "art6_basis": "public-task",
                "data_subject_categories": ["pupils"], "personal_data_categories": ["identifying", "education"],
                "retention": "Fem år etter skoleslutt.", "security_measures": "Tilgangsstyring.",
                "controller": ids["county"], "responsible_unit": ids["unit"], "systems": [ids["s1"]],
                "recipients": ["Utdanningsdirektoratet", "Lånekassen"], "status": "in-effect"}),
        ("p2", {"name": "Spesialundervisning", "art6_basis": "public-task", "personal_data_categories": ["health"],
                "responsible_unit": ids["unit"], "systems": [ids["s2"]], "status": "in-effect"}),
        ("p3", {"name": "Nyhetsbrev", "personal_data_categories": ["contact"], "responsible_unit": ids["other_unit"],
                "systems": [ids["s3"]], "third_countries": ["US"], "status": "in-effect"}),
        ("p4", {"name": "Avsluttet", "responsible_unit": ids["other_unit"], "status": "ended"}),
        ("p5", {"name": "Gammel behandling", "art6_basis": "contract", "responsible_unit": ids["other_unit"],
                "systems": [ids["s5"]], "status": "in-effect"}),
    ):
        ids[key] = _post(api, "processing-activities", body)["id"]
    for key, body in (
        ("r1", {"name": "ROS skolesystem", "kind": "ros", "assessed_on": "2026-03-01", "next_due": "2027-03-01",
                "assesses": [ids["s1"]]}),
        ("r2", {"name": "ROS læringsplattform", "kind": "ros", "assessed_on": "2025-06-01", "next_due": "2026-06-01",
                "assesses": [ids["s2"]]}),
        ("r3", {"name": "ROS skylagring", "kind": "ros", "assessed_on": "2025-01-10", "assesses": [ids["s3"]]}),
        ("r4", {"name": "DPIA elevadministrasjon", "kind": "dpia", "assessed_on": "2026-06-01", "next_due": "2027-06-01",
                "residual_risk": "medium", "assesses": [ids["p1"]]}),
        ("r5", {"name": "ROS arkiv", "kind": "ros", "status": "planned", "assesses": [ids["s4"]]}),
    ):
        ids[key] = _post(api, "risk-assessments", body)["id"]
    yield api, ids
    wipe(store)


def rows(api, name: str, **params) -> list[dict]:
    response = api.get(f"/api/v1/reports/{name}", params={"as_of": DAY, **params})
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def test_record_of_processing_lists_every_activity_in_the_template_columns(county):
    api, ids = county
    record = rows(api, "record-of-processing")
    assert [r["name"] for r in record] == ["Avsluttet", "Elevadministrasjon", "Gammel behandling", "Nyhetsbrev",
                                           "Spesialundervisning"]
    p1 = record[1]
    assert {k: p1[k] for k in ("controller", "controller_orgnr", "responsible_unit", "purpose", "art6_basis", "recipients",
                               "systems", "special_categories", "retention")} == {
        "controller": "Fylket", "controller_orgnr": "921000006", "responsible_unit": "Enhet 1", "purpose": "Føre elevregister.",
        "art6_basis": "public-task", "recipients": ["Utdanningsdirektoratet", "Lånekassen"], "systems": ["Skolesystem"], "special_categories": [],
        "retention": "Fem år etter skoleslutt."}
    assert record[4]["special_categories"] == ["health"] and record[3]["third_countries"] == ["US"]

    xlsx = api.get("/api/v1/reports/record-of-processing", params={"as_of": DAY, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    headings = [c.value for c in sheet[3]]
    # Datatilsynet's template: controller, purpose, data subjects, personal data, recipients,
    # third countries, erasure and security measures, in that order.
    template = ["Behandlingsansvarlig", "Formål med behandlingen", "Kategorier av registrerte",
                "Kategorier av personopplysninger", "Kategorier av mottakere", "Overføring til tredjeland",
                "Planlagte tidsfrister for sletting", "Tekniske og organisatoriske sikkerhetstiltak"]
    assert [h for h in headings if h in template] == template
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert len(body) == 5 and [row[headings.index("ID")] for row in body] == [r["id"] for r in record]
    assert body[1][headings.index("Kategorier av mottakere")] == "Utdanningsdirektoratet; Lånekassen"


def test_processing_without_legal_basis(county):
    api, ids = county
    assert rows(api, "processing-without-legal-basis") == [
        {"id": ids["p3"], "name": "Nyhetsbrev", "status": "in-effect", "responsible_unit": "Enhet 2", "art6_basis": None,
         "special_categories": [], "missing": ["art6_basis"]},
        {"id": ids["p2"], "name": "Spesialundervisning", "status": "in-effect", "responsible_unit": "Enhet 1",
         "art6_basis": "public-task", "special_categories": ["health"], "missing": ["art9_condition"]},
    ]


def test_personal_data_outside_eea_with_the_path_of_each_exposure(county):
    api, ids = county
    assert rows(api, "personal-data-outside-eea") == [
        {"system_id": ids["s2"], "system": "Læringsplattform", "how": "subprocessor", "country": "US",
         "path": "Læringsplattform → COVERED_BY → DBA læringsplattform → HAS_SUBPROCESSOR → Underleverandør US (US)"},
        {"system_id": ids["s1"], "system": "Skolesystem", "how": "integration", "country": "US",
         "path": f"Skolesystem → SENDS → {ids['i1']} → RECEIVES → Skylagring → STORED_IN → Lagring US (US)"},
        {"system_id": ids["s3"], "system": "Skylagring", "how": "storage", "country": "US",
         "path": "Skylagring → STORED_IN → Lagring US (US)"},
        {"system_id": ids["s3"], "system": "Skylagring", "how": "vendor", "country": "US",
         "path": "Skylagring → COVERED_BY → Lisens skylagring → AGREED_WITH → Sky Inc. (US)"},
        {"system_id": ids["s3"], "system": "Skylagring", "how": "vendor", "country": "US",
         "path": "Skylagring → vendor → Sky Inc (US)"},
    ]
    # Once the agreement has ended, its subprocessor is no longer a way out.
    assert ids["s2"] not in {r["system_id"] for r in rows(api, "personal-data-outside-eea", as_of="2027-02-01")}


def test_processing_without_dpa_as_of_a_day(county):
    api, ids = county
    assert rows(api, "processing-without-dpa") == [
        {"id": ids["s5"], "name": "Gammelt fagsystem", "vendor": None, "hosting": None,
         "reason": "not in force on the day", "agreements": ["DBA gammelt fagsystem (2015-01-01–2025-12-31)"]},
        {"id": ids["s3"], "name": "Skylagring", "vendor": "Sky Inc", "hosting": None, "reason": "none", "agreements": []},
    ]
    later = rows(api, "processing-without-dpa", as_of="2027-02-01")
    assert [r["name"] for r in later] == ["Gammelt fagsystem", "Læringsplattform", "Skylagring"]


def test_agreements_ending_within_days(county):
    api, ids = county
    assert [(r["id"], r["due"], r["due_date"], r["days_left"], r["counterpart"], r["systems"])
            for r in rows(api, "agreements-ending", days=60)] == [
        (ids["a3"], "notice", "2026-12-20", 19, "Sky Inc.", ["Skylagring"]),
        (ids["a2"], "end", "2027-01-15", 45, "Leverandør A", ["Læringsplattform"]),
    ]
    assert [r["id"] for r in rows(api, "agreements-ending", days=10)] == []


def test_risk_assessments_due(county):
    api, ids = county
    assert [(r["id"], r["reason"], r["assessed_on"]) for r in rows(api, "risk-assessments-due")] == [
        (ids["p5"], "none", None),
        (ids["p3"], "none", None),
        (ids["p2"], "none", None),
        (ids["s4"], "none", None),
        (ids["s5"], "none", None),
        (ids["s2"], "past next due date", "2025-06-01"),
        (ids["s3"], "older than 12 months", "2025-01-10"),
    ]
    # Allowed two years, the old assessment without a due date passes.
    assert ids["s3"] not in {r["id"] for r in rows(api, "risk-assessments-due", months=24)}


def test_phase_out_impact(county):
    api, ids = county
    assert rows(api, "phase-out-impact", months=6) == [
        {"id": ids["s4"], "name": "Arkiv", "end_of_life": "2027-03-31", "lifecycle": None, "replaced_by": None,
         "replacement_named": False, "integrations": [], "downstream_systems": [], "datasets": [],
         "processing_activities": [], "people_with_access": 1},
        {"id": ids["s5"], "name": "Gammelt fagsystem", "end_of_life": "2027-05-31", "lifecycle": "phasing-out",
         "replaced_by": "Skolesystem", "replacement_named": True, "integrations": ["Gamle saker til skolesystemet"],
         "downstream_systems": ["Skolesystem", "Skylagring"], "datasets": ["Gamle saker"],
         "processing_activities": ["Gammel behandling"], "people_with_access": 2},
    ]
    assert [r["id"] for r in rows(api, "phase-out-impact", months=24)] == [ids["s4"], ids["s5"], ids["s1"]]


def test_completeness_of_a_unit_and_the_units_under_it(county):
    api, ids = county
    assert rows(api, "completeness", org_unit=ids["unit"]) == [
        {"id": ids["d1"], "type": "Dataset", "name": "Elever", "owners": ["Enhet 1 (dataeier)"], "score": 33,
         "filled": 1, "expected": 3, "missing": ["description", "storage_locations"]},
        {"id": ids["p2"], "type": "ProcessingActivity", "name": "Spesialundervisning", "owners": [], "score": 40,
         "filled": 4, "expected": 10,
         "missing": ["purpose", "data_subject_categories", "retention", "security_measures", "controller",
                     "risk_assessments"]},
        {"id": ids["s1"], "type": "System", "name": "Skolesystem", "owners": ["Kari (systemeier)"], "score": 75,
         "filled": 6, "expected": 8, "missing": ["criticality", "owner:systemansvarlig"]},
        {"id": ids["p1"], "type": "ProcessingActivity", "name": "Elevadministrasjon", "owners": [], "score": 100,
         "filled": 10, "expected": 10, "missing": []},
    ]
    assert [r["id"] for r in rows(api, "completeness", owner=ids["kari"])] == [ids["s1"]]
    everything = rows(api, "completeness")
    assert len(everything) == 5 + 4 + 5 + 4  # systems, datasets, processing activities, agreements
    assert_problem(api.get("/api/v1/reports/completeness", params={"org_unit": "unit-nowhere"}), 404)


@pytest.mark.parametrize("params", [{"months": 0}, {"months": 241}, {"days": 0}])
def test_bad_report_parameters_are_422(county, params):
    api, _ = county
    assert_problem(api.get("/api/v1/reports/phase-out-impact", params=params), 422)


@pytest.fixture(scope="module")
def demo(session_client, store):
    wipe(store)
    load(store)
    yield session_client
    wipe(store)


GOVERNANCE_REPORTS = ["record-of-processing", "processing-without-legal-basis", "personal-data-outside-eea",
                      "processing-without-dpa", "agreements-ending", "risk-assessments-due", "phase-out-impact",
                      "completeness"]


@pytest.mark.parametrize("name", GOVERNANCE_REPORTS)
def test_every_governance_report_has_rows_on_the_demo_county_in_every_format(demo, name):
    report = rows(demo, name)
    assert report, name
    as_csv = demo.get(f"/api/v1/reports/{name}", params={"as_of": DAY, "format": "csv"})
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(lines) == 1 + len(report)
    sheet = load_workbook(io.BytesIO(demo.get(f"/api/v1/reports/{name}",
                                              params={"as_of": DAY, "format": "xlsx"}).content)).active
    assert sheet.max_row == 3 + len(report)


def test_demo_exposures_found_only_through_a_subprocessor_or_an_integration(demo):
    exposures = rows(demo, "personal-data-outside-eea")
    by_system = lambda system: [(r["how"], r["path"]) for r in exposures if r["system_id"] == system]  # noqa: E731
    assert by_system("system-itslearning") == [
        ("subprocessor", "itslearning → COVERED_BY → Databehandleravtale itslearning → HAS_SUBPROCESSOR → "
                         "Zendesk Inc. (demo) (US)")]
    assert by_system("system-visma-inschool") == [
        ("integration", "Visma InSchool → SENDS → integration-006 → RECEIVES → Google Workspace for Education → "
                        "STORED_IN → Google Cloud us-central1 (US)")]


def test_demo_record_of_processing_has_one_spreadsheet_row_per_activity(demo):
    total = demo.get("/api/v1/processing-activities", params={"limit": 500}).json()["total"]
    assert total >= 25 and demo.get("/api/v1/agreements").json()["total"] >= 15
    sheet = load_workbook(io.BytesIO(demo.get("/api/v1/reports/record-of-processing",
                                              params={"format": "xlsx"}).content)).active
    ids = [row[0].value for row in sheet.iter_rows(min_row=4)]
    assert len(ids) == len(set(ids)) == total
