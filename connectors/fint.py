"""FINT's information model: a FintComponent per component (utdanning-elev, administrasjon-personal…)
and its main resource types (Elev, Elevforhold, Personalressurs…) as datasets of that component,
with path, id fields, attributes and relations; types tied to a person are flagged personal data.

Reads FINTLabs' published metamodel JSON (components → types → attributes and relations)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from connectors.contract import Connector, Harvest, RowError
from connectors.oauth import access_token
from ontology.catalog import access_rank
from ontology.records import NodeRecord, RelRecord, dataset_id, id_for

# Attribute names and types that carry personal data in FINT's model.
PERSONAL = re.compile(r"f(o|ø)dselsnummer|personnavn|kontaktinformasjon|adresse|f(o|ø)dselsdato|brukernavn|feidenavn",
                      re.IGNORECASE)
PERSON_TYPES = re.compile(r":(Person|Elev|Personalressurs|Larling|Kontaktperson)$")


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


class FintModelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="The metamodel JSON, relative to sources.yaml.")


class FintModelConnector(Connector):
    name = "fint-model"
    Config = FintModelConfig

    def fetch(self, config: FintModelConfig, secrets: dict[str, str], base_dir: Path) -> dict[str, Any]:
        return _read_json(base_dir / config.path)

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
                # FINT names a resource type in lower case in its URLs and access packages ('elev').
                node_id = dataset_id(component_id, resource["name"].lower())
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


# --- The county's FINT customer portal: clients, adapters, components, access packages ---------

class FintPortalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="The portal export (contacts, clients, adapters, components, accessPackages) as JSON.")
    # Client or adapter name -> id of the catalog's system it belongs to.
    systems: dict[str, str] = Field(default_factory=dict)


def _account_name(dn: str) -> str:
    """The first value of a portal DN, or the name itself: 'cn=x@client.no,ou=clients,…' -> 'x@client.no'."""
    return dn.split(",")[0].split("=")[-1]


def _component_id(reference: str) -> str:
    """'ou=utdanning_elev,ou=components,o=fint' or 'utdanning_elev' -> 'fint-utdanning-elev'."""
    return f"fint-{_account_name(reference).replace('_', '-').lower()}"


class FintPortalConnector(Connector):
    """FINT clients and adapters as service accounts with read or modify access to components and
    their resources, and the flows they make: source system → adapter → component → client →
    consuming system, as integrations via the component carrying its resources; the county's FINT
    contacts as contact persons for its components."""

    name = "fint-portal"
    Config = FintPortalConfig

    def fetch(self, config: FintPortalConfig, secrets: dict[str, str], base_dir: Path) -> dict[str, Any]:
        return _read_json(base_dir / config.path)

    def transform(self, raw: dict[str, Any], config: FintPortalConfig) -> Harvest:
        harvest = Harvest()
        for component in raw.get("components", []):
            harvest.nodes.append(NodeRecord("FintComponent", _component_id(component["name"]), {
                "name": component["name"].replace("_", "-"), "base_path": component.get("basePath"),
                "description": component.get("description")}))
        accounts = {}
        for kind, entries in (("client", raw.get("clients", [])), ("adapter", raw.get("adapters", []))):
            for entry in entries:
                account = id_for("ServiceAccount", ("fint", kind, entry["name"]), readable=f"fint {kind} {entry['name']}")
                accounts[entry.get("dn") or entry["name"]] = accounts[entry["name"]] = account
                harvest.nodes.append(NodeRecord("ServiceAccount", account, {
                    "name": entry["name"], "kind": "fint-client" if kind == "client" else "technical-user",
                    "client_id": entry.get("clientId"), "description": entry.get("shortDescription") or entry.get("note")}))
                if entry["name"] in config.systems:
                    harvest.rels.append(RelRecord("ACTS_FOR", account, config.systems[entry["name"]]))
                for component in entry.get("components", []):
                    level = "read" if kind == "client" else "write"
                    harvest.rels.append(RelRecord("HAS_ACCESS", account, _component_id(component),
                                                  {"level": level, "granted_by": "FINT kundeportal"}))
        self._contacts(raw, harvest)
        readable: dict[str, set[str]] = {}
        # One grant per client and resource: a resource a package lists for reading and for
        # modifying, or that two packages give one client, is one grant at the highest level.
        grants: dict[tuple[str, str], tuple[str, set[str]]] = {}
        for package in raw.get("accessPackages", []):
            for client in package.get("clients", []):
                account = accounts.get(client) or accounts.get(_account_name(client))
                if account is None:
                    harvest.errors.append(RowError(package.get("name", "?"), f"access package names unknown client {client}"))
                    continue
                for level, resources in (("read", package.get("read", []) + package.get("collection", [])),
                                         ("write", package.get("modify", []))):
                    for resource in resources:
                        dataset = _resource_dataset(resource)
                        if dataset:
                            readable.setdefault(account, set()).add(dataset)
                            held, packages = grants.get((account, dataset), (level, set()))
                            grants[(account, dataset)] = (max(held, level, key=access_rank), packages | {package.get("name")})
        for (account, dataset), (level, packages) in sorted(grants.items()):
            harvest.rels.append(RelRecord("HAS_ACCESS", account, dataset, {
                "level": level, "granted_by": "FINT tilgangspakke " + ", ".join(sorted(map(str, packages)))}))
        for component in raw.get("components", []):
            component_id = _component_id(component["name"])
            sources = [config.systems.get(_account_name(a)) for a in component.get("adapters", [])]
            targets = [(config.systems.get(_account_name(c)), accounts.get(c) or accounts.get(_account_name(c)))
                       for c in component.get("clients", [])]
            for source in filter(None, sources):
                for target, account in targets:
                    if not target or target == source:
                        continue
                    integration = id_for("Integration", ("fint", component_id, source, target),
                                         readable=f"fint {component_id.removeprefix('fint-')}")
                    harvest.nodes.append(NodeRecord("Integration", integration, {
                        "name": f"{component['name'].replace('_', '-')}: {source} → {target}", "mechanism": "fint",
                        "kind": "declared", "protocol": "REST (HAL+JSON)"}))
                    harvest.rels += [RelRecord("SENDS", source, integration), RelRecord("RECEIVES", integration, target),
                                     RelRecord("VIA", integration, component_id)]
                    harvest.rels += [RelRecord("CARRIES", integration, d) for d in sorted(readable.get(account, ()))
                                     if d.startswith(f"{component_id}.")]
        return harvest

    @staticmethod
    def _contacts(raw: dict[str, Any], harvest: Harvest) -> None:
        """The organisation's technical and legal contacts become contact persons for the
        components it subscribes to. They are matched by e-mail; the portal's national identity
        number (`nin`) is never read."""
        subscribed: dict[str, list[str]] = {}
        for component in raw.get("components", []):
            for organisation in component.get("organisations", []):
                subscribed.setdefault(organisation.lower(), []).append(_component_id(component["name"]))
        for contact in raw.get("contacts", []):
            mail = (contact.get("mail") or "").lower()
            if not mail:
                harvest.errors.append(RowError(contact.get("dn", "?"), "contact has no e-mail address"))
                continue
            person = id_for("Person", mail)
            name = " ".join(filter(None, (contact.get("firstName"), contact.get("lastName")))) or mail
            harvest.nodes.append(NodeRecord("Person", person, {"name": name, "email": mail}))
            duties: dict[str, list[str]] = {}
            for duty, organisations in (("teknisk", contact.get("technical", [])), ("juridisk", contact.get("legal", []))):
                for organisation in organisations:
                    for component in subscribed.get(organisation.lower(), []):
                        duties.setdefault(component, []).append(duty)
            for component, kinds in duties.items():
                harvest.rels.append(RelRecord("OWNS", person, component, {
                    "role": "kontaktperson", "note": f"FINT-kontakt ({' og '.join(kinds)}) i kundeportalen"}))


def _resource_dataset(resource: str) -> str | None:
    """An access-package entry such as 'utdanning/elev/elev' -> the dataset of that resource type."""
    parts = [p for p in re.split(r"[/:]", resource) if p and p not in ("fint-client", "fint")]
    if len(parts) < 3:
        return None
    domain, package, resource_type = parts[-3], parts[-2], parts[-1]
    return dataset_id(f"fint-{domain}-{package}", resource_type)


# --- The environment check: which components a FINT consumer API actually answers for ---------

class FintEnvironmentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_url: str = Field(description="The FINT API, such as https://api.felleskomponent.no.")
    token_url: str = Field(description="FINT's OAuth2 token endpoint (password grant for FINT clients).")
    client_id: str
    username: str
    components: list[str] = Field(description="Components to check, such as utdanning-elev.")
    timeout: float = Field(15, gt=0, le=120)


class FintEnvironmentConnector(Connector):
    """Calls each component's consumer API (HAL+JSON) with the county's FINT client; the components
    that answer are confirmed (their last_seen moves), the others are noted for a person."""

    name = "fint-environment"
    Config = FintEnvironmentConfig
    transient_errors = (ConnectionError, TimeoutError, httpx.TransportError)

    def fetch(self, config: FintEnvironmentConfig, secrets: dict[str, str], base_dir: Path) -> dict[str, Any]:
        token = access_token(config.token_url, config.client_id, secrets.get("client_secret"), "fint-client",
                             config.timeout, grant_type="password", username=config.username,
                             password=secrets.get("password"))
        with httpx.Client(timeout=config.timeout) as http:
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/hal+json"}
            answers = {}
            for component in config.components:
                url = f"{config.base_url.rstrip('/')}/{component.replace('-', '/')}/admin/health"
                try:
                    response = http.get(url, headers=headers)
                    answers[component] = response.status_code == 200 and "_links" in response.json()
                except (httpx.HTTPError, ValueError):
                    answers[component] = False
            return answers

    def transform(self, raw: dict[str, bool], config: FintEnvironmentConfig) -> Harvest:
        harvest = Harvest()
        for component, answered in raw.items():
            if answered:
                harvest.nodes.append(NodeRecord("FintComponent", f"fint-{component}", {"name": component}))
            else:
                harvest.notes.append(f"FINT component {component} did not answer at {config.base_url}")
        return harvest
