"""FINT's information model: a FintComponent per component (utdanning-elev, administrasjon-personal…)
and its main resource types (Elev, Elevforhold, Personalressurs…) as datasets of that component,
with path, id fields, attributes and relations; types tied to a person are flagged personal data.

Reads FINTLabs' published metamodel JSON (components → types → attributes and relations)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from connectors.framework import Connector, Harvest, RowError
from ontology.records import NodeRecord, RelRecord, dataset_id

# Attribute names and types that carry personal data in FINT's model.
PERSONAL = re.compile(r"f(o|ø)dselsnummer|personnavn|kontaktinformasjon|adresse|f(o|ø)dselsdato|brukernavn|feidenavn",
                      re.IGNORECASE)
PERSON_TYPES = re.compile(r":(Person|Elev|Personalressurs|Larling|Kontaktperson)$")


class FintModelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="The metamodel JSON, relative to sources.yaml.")


class FintModelConnector(Connector):
    name = "fint-model"
    Config = FintModelConfig

    def fetch(self, config: FintModelConfig, secrets: dict[str, str], base_dir: Path) -> dict[str, Any]:
        return json.loads((base_dir / config.path).read_text(encoding="utf-8"))

    def transform(self, raw: dict[str, Any], config: FintModelConfig) -> Harvest:
        harvest = Harvest()
        for component in raw.get("components", []):
            name = component.get("name")
            if not name:
                harvest.errors.append(RowError("component", "a component without a name"))
                continue
            domain, _, package = name.partition("-")
            component_id = f"fint-{name}"
            harvest.nodes.append(NodeRecord("FintComponent", component_id, {
                "name": name, "domain": domain, "package": package or None, "base_path": "/" + name.replace("-", "/"),
                "description": f"FINT-komponent {name} ({raw.get('fintVersion', 'ukjent versjon')})."}))
            for resource in component.get("types", []):
                if resource.get("stereotype") != "hovedklasse" or resource.get("abstract"):
                    continue
                node_id = dataset_id(component_id, resource["name"])
                harvest.nodes.append(NodeRecord("Dataset", node_id, _dataset(component_id, resource)))
                harvest.rels.append(RelRecord("HOLDS", component_id, node_id))
        return harvest


def _dataset(component_id: str, resource: dict[str, Any]) -> dict[str, Any]:
    attributes = resource.get("attributes", [])
    relations = resource.get("relations", [])
    personal = (any(PERSONAL.search(f"{a['name']} {a.get('type', '')}") for a in attributes)
                or any(PERSON_TYPES.search(r.get("target", "")) for r in relations)
                or bool(PERSON_TYPES.search(f":{resource['name']}")))
    documentation = (resource.get("documentation") or "").split("\n\n")[0].strip()
    columns = [f"{a['name']} {a.get('type', '')}{'[]' if a.get('list') else ''}" for a in attributes]
    columns += [f"{r['name']} → {r.get('target', '')} ({r.get('multiplicity', '')})" for r in relations]
    return {"name": resource["name"], "description": documentation or None, "personal_data": personal,
            "keywords": ["fint", resource.get("path", "")] + [f"id:{field}" for field in resource.get("idFields", [])],
            "columns": columns[:200]}
