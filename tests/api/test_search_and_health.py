from __future__ import annotations

import pytest

from tests.factory import create


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_search_finds_by_word_and_prefix(client):
    create(client, "System", name="Visma InSchool", description="Skoleadministrativt system")
    create(client, "Dataset", name="Elevregister", description="Alle elever i InSchool")
    hits = client.get("/api/v1/search", params={"q": "inschool"}).json()["items"]
    assert {h["hit"]["name"] for h in hits} == {"Visma InSchool", "Elevregister"}
    hits = client.get("/api/v1/search", params={"q": "skoleadmin", "type": "System"}).json()["items"]
    assert [h["hit"]["type"] for h in hits] == ["System"]


@pytest.mark.parametrize("query", ['"', "a:b OR (", "*", "\\", "AND", "x~2^3"])
def test_search_takes_any_text_without_error(client, query):
    assert client.get("/api/v1/search", params={"q": query}).status_code == 200


def test_search_needs_a_query(client):
    assert client.get("/api/v1/search").status_code == 422
    assert client.get("/api/v1/search", params={"q": "x", "type": "Spaceship"}).status_code == 422
