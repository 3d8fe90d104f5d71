"""Every node type round-trips through the API, and every kind of bad input gets the right answer."""

from __future__ import annotations

import pytest

from ontology import ONTOLOGY
from tests.factory import create, payload

NODES = [pytest.param(node, id=node.label) for node in ONTOLOGY.nodes]
PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.mark.parametrize("node", NODES)
def test_round_trip(client, node):
    body = payload(client, node.label)
    created = client.post(f"/api/v1/{node.path}", json=body)
    assert created.status_code == 201, created.text
    entity = created.json()
    assert created.headers["location"] == f"/api/v1/{node.path}/{entity['id']}"
    for field, value in body.items():
        assert entity[field] == value, field
    assert entity["source"] == "manual" and entity["version"] == 1 and entity["first_seen"]

    fetched = client.get(f"/api/v1/{node.path}/{entity['id']}")
    assert fetched.status_code == 200 and fetched.json() == entity
    assert fetched.headers["etag"] == '"1"'

    listed = client.get(f"/api/v1/{node.path}", params={"q": body["name"]})
    assert [item["id"] for item in listed.json()["items"]] == [entity["id"]]

    patched = client.patch(f"/api/v1/{node.path}/{entity['id']}", json={"description": "Endret"},
                           headers={"If-Match": '"1"'})
    assert patched.status_code == 200, patched.text
    assert patched.json()["description"] == "Endret" and patched.json()["version"] == 2
    assert patched.json()["name"] == body["name"]

    replacement = {k: v for k, v in payload(client, node.label).items()}
    replaced = client.put(f"/api/v1/{node.path}/{entity['id']}", json=replacement)
    assert replaced.status_code == 200, replaced.text
    for field, value in replacement.items():
        assert replaced.json()[field] == value, field

    deleted = client.delete(f"/api/v1/{node.path}/{entity['id']}")
    assert deleted.status_code == 200, deleted.text
    assert client.get(f"/api/v1/{node.path}/{entity['id']}").status_code == 404


@pytest.mark.parametrize("node", NODES)
def test_unknown_id_is_404_everywhere(client, node):
    base = f"/api/v1/{node.path}/does-not-exist"
    assert_problem(client.get(base), 404)
    assert_problem(client.patch(base, json={"description": "x"}), 404)
    assert_problem(client.put(base, json=payload(client, node.label)), 404)
    assert_problem(client.delete(base), 404)


@pytest.mark.parametrize("node", NODES)
def test_missing_required_and_unknown_fields_are_422_with_field_detail(client, node):
    body = assert_problem(client.post(f"/api/v1/{node.path}", json={"description": "no name"}), 422)
    assert ["body", "name"] in [e["loc"] for e in body["errors"]]
    body = assert_problem(client.post(f"/api/v1/{node.path}", json={**payload(client, node.label), "colour": "red"}), 422)
    assert ["body", "colour"] in [e["loc"] for e in body["errors"]]


def test_wrong_choice_wrong_type_and_bad_orgnr_are_422(client):
    body = assert_problem(client.post("/api/v1/systems", json={"name": "X", "hosting": "cloud"}), 422)
    assert body["errors"][0]["loc"] == ["body", "hosting"]
    body = assert_problem(client.post("/api/v1/datasets", json={"name": "X", "personal_data": "kanskje"}), 422)
    assert body["errors"][0]["loc"] == ["body", "personal_data"]
    body = assert_problem(client.post("/api/v1/organizations", json={"name": "X", "orgnr": "123456789"}), 422)
    assert "check digit" in body["errors"][0]["msg"]
    body = assert_problem(client.post("/api/v1/organizations", json={"name": "X", "orgnr": "12345"}), 422)
    assert "nine digits" in body["errors"][0]["msg"]
    body = assert_problem(client.post("/api/v1/locations", json={"name": "X", "country": "Norge"}), 422)
    assert body["errors"][0]["loc"] == ["body", "country"]


def test_malformed_json_is_422(client):
    response = client.post("/api/v1/systems", content=b"{not json", headers={"content-type": "application/json"})
    assert_problem(response, 422)


def test_reference_to_missing_or_wrong_type_node_is_422_naming_it(client):
    body = assert_problem(client.post("/api/v1/datasets", json={"name": "Elevregister", "system": "system-nope"}), 422)
    assert "system-nope" in body["detail"] and body["errors"][0]["loc"] == ["body", "system"]
    person = create(client, "Person")
    body = assert_problem(client.post("/api/v1/datasets", json={"name": "X", "system": person["id"]}), 422)
    assert person["id"] in body["detail"]
    assert client.get("/api/v1/datasets", params={"q": "Elevregister"}).json()["total"] == 0


def test_refused_update_writes_nothing(client):
    system = create(client, "System", name="Visma InSchool")
    response = client.patch(f"/api/v1/systems/{system['id']}",
                            json={"description": "changed", "storage_locations": ["location-missing"]})
    assert_problem(response, 422)
    assert client.get(f"/api/v1/systems/{system['id']}").json() == system


def test_required_field_cannot_be_emptied(client):
    org = create(client, "Organization")
    body = assert_problem(client.patch(f"/api/v1/organizations/{org['id']}", json={"orgnr": None}), 422)
    assert body["errors"][0]["loc"] == ["body", "orgnr"]


def test_duplicate_id_and_duplicate_unique_value_are_409(client):
    system = create(client, "System", name="Public 360")
    assert system["id"] == "system-public-360"
    assert_problem(client.post("/api/v1/systems", json={"name": "Public 360"}), 409)
    # Ids are unique across types, so any id can be looked up alone.
    assert_problem(client.post("/api/v1/datasets", json={"id": "system-public-360", "name": "X"}), 409)
    org = create(client, "Organization")
    body = assert_problem(client.post("/api/v1/organizations", json={"name": "Copy", "orgnr": org["orgnr"]}), 409)
    assert body["errors"][0]["loc"] == ["body", "orgnr"]


def test_delete_with_dependants_refuses_then_cascades(client):
    system = create(client, "System")
    dataset = create(client, "Dataset", system=system["id"])
    other = create(client, "System")
    integration = create(client, "Integration", source_system=system["id"], target_system=other["id"])
    body = assert_problem(client.delete(f"/api/v1/systems/{system['id']}"), 409)
    assert {d["id"] for d in body["dependants"]} == {dataset["id"], integration["id"]}
    assert client.get(f"/api/v1/datasets/{dataset['id']}").status_code == 200

    deleted = client.delete(f"/api/v1/systems/{system['id']}", params={"cascade": "true"})
    assert deleted.status_code == 200
    assert {d["id"] for d in deleted.json()["deleted"]} == {system["id"], dataset["id"], integration["id"]}
    assert client.get(f"/api/v1/datasets/{dataset['id']}").status_code == 404
    assert client.get(f"/api/v1/systems/{other['id']}").status_code == 200


def test_nested_org_units_cascade_transitively(client):
    org = create(client, "Organization")
    etat = create(client, "OrgUnit", parent=org["id"], level="etat")
    avdeling = create(client, "OrgUnit", parent=etat["id"], level="avdeling")
    seksjon = create(client, "OrgUnit", parent=avdeling["id"], level="seksjon")
    body = assert_problem(client.delete(f"/api/v1/organizations/{org['id']}"), 409)
    assert {d["id"] for d in body["dependants"]} == {etat["id"], avdeling["id"], seksjon["id"]}
    assert client.get(f"/api/v1/org-units/{etat['id']}").json()["units"] == [
        {"id": avdeling["id"], "type": "OrgUnit", "name": avdeling["name"]}]


def test_self_reference_is_refused(client):
    org = create(client, "Organization")
    unit = create(client, "OrgUnit", parent=org["id"])
    assert_problem(client.patch(f"/api/v1/org-units/{unit['id']}", json={"parent": unit["id"]}), 422)


def test_stale_if_match_is_412(client):
    system = create(client, "System")
    assert client.patch(f"/api/v1/systems/{system['id']}", json={"vendor": "A"}, headers={"If-Match": '"1"'}).status_code == 200
    assert_problem(client.patch(f"/api/v1/systems/{system['id']}", json={"vendor": "B"}, headers={"If-Match": '"1"'}), 412)
    assert_problem(client.delete(f"/api/v1/systems/{system['id']}", headers={"If-Match": '"1"'}), 412)
    assert client.get(f"/api/v1/systems/{system['id']}").json()["vendor"] == "A"


def test_list_filters_sorts_and_pages(client):
    for name, hosting in (("Alfa", "saas"), ("Beta", "on-premises"), ("Gamma", "saas")):
        create(client, "System", name=name, hosting=hosting)
    page = client.get("/api/v1/systems", params={"hosting": "saas", "sort": "name", "order": "desc"}).json()
    assert [i["name"] for i in page["items"]] == ["Gamma", "Alfa"] and page["total"] == 2
    page = client.get("/api/v1/systems", params={"limit": 1, "offset": 1}).json()
    assert [i["name"] for i in page["items"]] == ["Beta"] and page["total"] == 3
    system = client.get("/api/v1/systems", params={"q": "alfa"}).json()["items"][0]
    dataset = create(client, "Dataset", system=system["id"], themes=["EDUC", "HEAL"])
    assert client.get("/api/v1/datasets", params={"system": system["id"]}).json()["items"][0]["id"] == dataset["id"]
    assert client.get("/api/v1/datasets", params={"themes": "HEAL"}).json()["total"] == 1


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"sort": "colour"},
                                    {"order": "up"}, {"hosting": "cloud"}, {"colour": "red"}])
def test_bad_list_parameters_are_422(client, params):
    assert_problem(client.get("/api/v1/systems", params=params), 422)


def test_system_page_shows_owners_datasets_integrations_and_locations(client):
    location = create(client, "StorageLocation", country="IE")
    assert location["in_eea"] is True
    us = create(client, "StorageLocation", country="us")
    assert us["country"] == "US" and us["in_eea"] is False
    system = create(client, "System", storage_locations=[location["id"]])
    other = create(client, "System")
    dataset = create(client, "Dataset", system=system["id"])
    out = create(client, "Integration", source_system=system["id"], target_system=other["id"], datasets=[dataset["id"]])
    person = create(client, "Person")
    grant = client.post("/api/v1/ownerships", json={"owner_id": person["id"], "resource_id": system["id"], "role": "systemeier"})
    assert grant.status_code == 201, grant.text
    page = client.get(f"/api/v1/systems/{system['id']}").json()
    assert page["owners"] == [{"id": person["id"], "type": "Person", "name": person["name"], "role": "systemeier"}]
    assert [d["id"] for d in page["datasets"]] == [dataset["id"]]
    assert [i["id"] for i in page["integrations_out"]] == [out["id"]]
    assert page["storage_locations"] == [location["id"]]
    assert [i["id"] for i in client.get(f"/api/v1/systems/{other['id']}").json()["integrations_in"]] == [out["id"]]


def test_every_demo_entity_reads_as_its_read_model_validates_it(session_client, clean_store, tokens):
    """A single read is serialised without the response model's validation; the list, which still
    validates, must give the same entity, field for field, for every type and as each role sees it."""
    from catalog.demo.load import load

    load(clean_store)
    for role in ("admin", "reader"):
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        read = 0
        for node in ONTOLOGY.nodes:
            listed = session_client.get(f"/api/v1/{node.path}", params={"limit": 500}, headers=headers).json()
            assert listed["total"] <= 500, node.label
            for item in listed["items"]:
                single = session_client.get(f"/api/v1/{node.path}/{item['id']}", headers=headers)
                assert single.headers["etag"].strip('"').isdigit()
                assert single.json() == item, (role, node.label, item["id"])
                read += 1
        assert read > 300  # the demo county: every type, hundreds of entities
