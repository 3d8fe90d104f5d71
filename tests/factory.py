"""Valid payloads for any node type, built from the ontology, so every type is tested alike."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient

from ontology import ONTOLOGY, Prop
from ontology.checks import organisasjonsnummer

_counter = itertools.count(1)


def valid_orgnr(seed: int) -> str:
    for base in itertools.count(80_000_000 + seed * 13):
        for digit in "0123456789":
            try:
                return organisasjonsnummer(f"{base}{digit}")
            except ValueError:
                continue
    raise AssertionError("unreachable")


# Values for the properties that take controlled or well-formed values.
VOCABULARY_SAMPLES = {"country": ["NO", "SE", "IE"], "themes": [["EDUC"], ["HEAL", "https://psi.norge.no/los/tema/barnehage"]],
                      "licence": ["NLOD_2_0", "CC_BY_4_0"], "frequency": ["DAILY", "MONTHLY"], "file_type": ["CSV", "JSON"],
                      "homepage": ["https://eksempel.no/"], "url": ["https://app.eksempel.no/"],
                      "landing_page": ["https://data.eksempel.no/x"], "base_path": ["/utdanning/elev"],
                      "vendor_country": ["NO", "US"], "third_countries": [["US"], ["GB", "IN"]],
                      "dpia_link": ["https://sak.eksempel.no/dpia/1"], "document_link": ["https://sak.eksempel.no/avtale/1"],
                      "link": ["https://sak.eksempel.no/ros/1"]}


def sample(prop: Prop, n: int) -> Any:
    if prop.name == "orgnr":
        return valid_orgnr(n)
    if prop.name in VOCABULARY_SAMPLES:
        return VOCABULARY_SAMPLES[prop.name][n % len(VOCABULARY_SAMPLES[prop.name])]
    if prop.choices:
        choice = prop.choices[n % len(prop.choices)]
        return [choice] if prop.kind == "list" else choice
    return {"str": f"{prop.name} {n}", "int": n, "bool": True, "date": "2026-01-31", "list": [f"{prop.name}-{n}"]}[prop.kind]


def payload(client: TestClient, label: str, **overrides: Any) -> dict[str, Any]:
    """Every writable property filled in, and required refs pointing at freshly created nodes."""
    node = ONTOLOGY.node(label)
    n = next(_counter)
    body: dict[str, Any] = {p.name: sample(p, n) for p in ONTOLOGY.all_props(node) if p.derive is None}
    body["name"] = f"{label} {n}"
    for ref in node.refs:
        if ref.required:
            target = next(t for t in ref.targets if t != label)
            body[ref.field] = create(client, target)["id"]
    body.update(overrides)
    return body


def create(client: TestClient, label: str, **overrides: Any) -> dict[str, Any]:
    node = ONTOLOGY.node(label)
    response = client.post(f"/api/v1/{node.path}", json=payload(client, label, **overrides))
    assert response.status_code == 201, response.text
    return response.json()
