"""The governance register's resources take only the controlled values the ontology declares,
and say which field and which list item is wrong."""

from __future__ import annotations

from tests.api.test_entities import assert_problem


def test_controlled_values_of_processing_activities_are_checked_item_by_item(client):
    problem = assert_problem(client.post("/api/v1/processing-activities", json={
        "name": "X", "personal_data_categories": ["health", "shoe-size"]}), 422)
    assert problem["errors"][0]["loc"] == ["body", "personal_data_categories", 1]
    problem = assert_problem(client.post("/api/v1/processing-activities", json={"name": "X", "art6_basis": "6e"}), 422)
    assert problem["errors"][0]["loc"] == ["body", "art6_basis"] and "public-task" in problem["errors"][0]["msg"]
    problem = assert_problem(client.post("/api/v1/processing-activities", json={"name": "X", "third_countries": ["USA"]}), 422)
    assert problem["errors"][0]["loc"] == ["body", "third_countries", 0]
    created = client.post("/api/v1/processing-activities", json={"name": "Y", "third_countries": ["us"],
                                                                 "personal_data_categories": ["health"]})
    assert created.status_code == 201 and created.json()["third_countries"] == ["US"]
    assert client.get("/api/v1/processing-activities", params={"personal_data_categories": "health"}).json()["total"] == 1


def test_agreements_need_a_kind_and_real_dates(client):
    assert assert_problem(client.post("/api/v1/agreements", json={"name": "A"}), 422)["errors"][0]["loc"] == ["body", "kind"]
    problem = assert_problem(client.post("/api/v1/agreements", json={"name": "A", "kind": "databehandleravtale",
                                                                     "end_date": "2027-02-30"}), 422)
    assert problem["errors"][0]["loc"] == ["body", "end_date"]
    assert assert_problem(client.post("/api/v1/risk-assessments", json={"name": "R", "kind": "ros",
                                                                        "residual_risk": "extreme"}), 422)


def test_a_system_names_its_replacement_and_the_replacement_shows_it(client):
    new = client.post("/api/v1/systems", json={"name": "Nytt"}).json()
    old = client.post("/api/v1/systems", json={"name": "Gammelt", "replaced_by": new["id"], "end_of_life": "2027-06-30",
                                               "vendor_country": "se"}).json()
    assert old["replaced_by"] == new["id"] and old["vendor_country"] == "SE"
    assert client.get(f"/api/v1/systems/{new['id']}").json()["replaces"] == [
        {"id": old["id"], "type": "System", "name": "Gammelt"}]
