"""FINT's published information model harvests into components and their resource types."""

from __future__ import annotations

import pytest

from connectors.framework import SourceSettings, run_source
from tests.conftest import SHARED

FINT = SHARED / "standards" / "fint"
pytestmark = pytest.mark.skipif(not FINT.exists(), reason="../shared/standards/fint is not beside the project")


def test_metamodel_harvests_into_32_components_with_their_resource_types(clean_store, session_client):
    source = SourceSettings(id="fint-model", connector="fint-model", settings={"path": "metamodel-v4.1.0-rc-2.json"})
    run = run_source(clean_store, source, FINT)
    assert run["status"] == "succeeded", run["errors"]
    components = session_client.get("/api/v1/fint-components", params={"limit": 100}).json()
    assert components["total"] == 32
    elev = session_client.get("/api/v1/fint-components/fint-utdanning-elev").json()
    assert {"Elev", "Elevforhold"} <= {d["name"] for d in elev["datasets"]}
    assert elev["domain"] == "utdanning" and elev["base_path"] == "/utdanning/elev"
    pupil = session_client.get("/api/v1/datasets/fint-utdanning-elev.elev").json()
    assert pupil["personal_data"] is True and "utdanning/elev/elev" in pupil["keywords"]
    assert any(c.startswith("person → felles:Person") for c in pupil["columns"])
    staff = session_client.get("/api/v1/datasets/fint-administrasjon-personal.personalressurs").json()
    assert staff["personal_data"] is True
    code_list = session_client.get("/api/v1/datasets/fint-arkiv-kodeverk.dokumentstatus").json()
    assert code_list["personal_data"] is False
    again = run_source(clean_store, source, FINT)
    assert again["created"] == 0 and again["updated"] == 0
