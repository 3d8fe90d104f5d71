"""The system-inventory spreadsheet ("systemoversikt") that every municipality keeps, as XLSX
or CSV: systems, owners, storage, formats, datasets and integrations, one row per system."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pydantic import BaseModel, ConfigDict, Field

from connectors.contract import Connector, Harvest, RowError
from ontology.records import NodeRecord, RelRecord, dataset_id, id_for

# Canonical field -> the headers that mean it in typical Norwegian inventories (any case).
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "system": ("System", "Systemnavn", "Fagsystem"),
    "description": ("Beskrivelse", "Formål"),
    "vendor": ("Leverandør", "Leverandor"),
    "systemeier": ("Systemeier",),
    "systemansvarlig": ("Systemansvarlig",),
    "owner_unit": ("Eierenhet", "Ansvarlig enhet"),
    "hosting": ("Driftsmodell", "Drift"),
    "lifecycle": ("Status", "Livsløp"),
    "location": ("Lagringssted", "Datalagring"),
    "country": ("Land",),
    "personal_data": ("Personopplysninger",),
    "legal_basis": ("Behandlingsgrunnlag", "Rettslig grunnlag"),
    "formats": ("Dataformat", "Filformat"),
    "datasets": ("Datasett", "Data"),
    "integrations": ("Integrasjoner",),
}
HOSTING = {"saas": "saas", "sky": "saas", "skytjeneste": "saas", "on-premises": "on-premises", "on-prem": "on-premises",
           "lokal": "on-premises", "lokalt": "on-premises", "lokal drift": "on-premises", "egen drift": "on-premises",
           "iaas": "iaas", "paas": "paas"}
LIFECYCLE = {"planlagt": "planned", "i bruk": "in-use", "aktiv": "in-use", "under utfasing": "phasing-out",
             "utfases": "phasing-out", "avviklet": "retired", "utfaset": "retired"}
COUNTRIES = {"norge": "NO", "norway": "NO", "sverige": "SE", "danmark": "DK", "finland": "FI", "irland": "IE",
             "nederland": "NL", "tyskland": "DE", "usa": "US", "storbritannia": "GB", "frankrike": "FR"}
YES, NO = {"ja", "j", "yes", "x", "true", "1"}, {"nei", "n", "no", "false", "0", ""}
MECHANISMS = {"fint": "fint", "api": "api", "fil": "file-transfer", "filoverføring": "file-transfer",
              "sftp": "file-transfer", "svarut": "svarut-fiks", "fiks": "svarut-fiks", "kø": "message-queue",
              "mq": "message-queue", "manuell": "manual"}
FILE_TYPES = {"csv", "json", "xml", "pdf", "xlsx", "geojson", "sosi"}
_PERSON = re.compile(r"^\s*(?P<name>[^<]*?)\s*(?:<(?P<email>[^>]+)>)?\s*$")
_LINK = re.compile(r"^\s*(?P<arrow>→|->|←|<-)?\s*(?P<name>[^()]+?)\s*(?:\((?P<mechanism>[^)]*)\))?\s*$")


class InventoryConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="The XLSX or CSV file, relative to sources.yaml.")
    sheet: str | None = None
    # Canonical field -> header, where the sheet names a column otherwise.
    columns: dict[str, str] = Field(default_factory=dict)
    # Name in the sheet -> the name the catalog knows the system by.
    aliases: dict[str, str] = Field(default_factory=dict)


class InventoryConnector(Connector):
    name = "inventory"
    Config = InventoryConfig

    def fetch(self, config: InventoryConfig, secrets: dict[str, str], base_dir: Path) -> list[tuple[int, dict[str, Any]]]:
        path = (base_dir / config.path).resolve()
        if path.suffix.lower() == ".csv":
            text = path.read_text(encoding="utf-8-sig")
            dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,\t")
            rows = list(csv.reader(text.splitlines(), dialect))
        else:
            book = load_workbook(path, read_only=True, data_only=True)
            sheet = book[config.sheet] if config.sheet else book.worksheets[0]
            rows = [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]
        header = [str(h).strip() for h in rows[0]]
        return [(number, dict(zip(header, row))) for number, row in enumerate(rows[1:], start=2)
                if any(str(v).strip() for v in row)]

    def transform(self, raw: list[tuple[int, dict[str, Any]]], config: InventoryConfig) -> Harvest:
        harvest, nodes = Harvest(), {}
        if not raw:
            return harvest
        columns = _columns(raw[0][1].keys(), config)
        for number, row in raw:
            cells = {field: str(row.get(header) or "").strip() for field, header in columns.items()}
            try:
                _row(cells, config, nodes, harvest.rels)
            except ValueError as error:
                harvest.errors.append(RowError(number, str(error)))
        harvest.nodes = list(nodes.values())
        return harvest


def _columns(headers, config: InventoryConfig) -> dict[str, str]:
    by_lower = {h.lower(): h for h in headers}
    columns = {}
    for field, names in DEFAULT_HEADERS.items():
        wanted = [config.columns[field]] if field in config.columns else names
        found = next((by_lower[n.lower()] for n in wanted if n.lower() in by_lower), None)
        if found:
            columns[field] = found
    if "system" not in columns:
        raise ValueError(f"no system column; expected one of {', '.join(DEFAULT_HEADERS['system'])}")
    return columns


def _add(nodes: dict, label: str, node_id: str, props: dict[str, Any]) -> str:
    earlier = nodes.get(node_id)
    merged = {**(earlier.props if earlier else {}), **{k: v for k, v in props.items() if v not in (None, "")}}
    nodes[node_id] = NodeRecord(label, node_id, merged)
    return node_id


def _system(nodes: dict, name: str, config: InventoryConfig, **props: Any) -> str:
    name = config.aliases.get(name, name)
    return _add(nodes, "System", id_for("System", name), {"name": name, **props})


def _choice(value: str, table: dict[str, str], what: str) -> str | None:
    if not value:
        return None
    if value.lower() not in table:
        raise ValueError(f"{what} '{value}' is not one of: {', '.join(sorted(set(table)))}")
    return table[value.lower()]


def _row(cells: dict[str, str], config: InventoryConfig, nodes: dict, rels: list[RelRecord]) -> None:
    name = cells.get("system", "")
    if not name:
        raise ValueError("the system name is empty")
    country = cells.get("country", "")
    if country and country.lower() not in COUNTRIES and not re.fullmatch(r"[A-Za-z]{2}", country):
        raise ValueError(f"Land '{country}' is neither a known country nor a two-letter code")
    personal = cells.get("personal_data", "").lower()
    if personal not in YES | NO:
        raise ValueError(f"Personopplysninger '{cells['personal_data']}' should be Ja or Nei")
    # Everything that can be wrong with a row is checked before anything of it is kept.
    hosting = _choice(cells.get("hosting", ""), HOSTING, "Driftsmodell")
    lifecycle = _choice(cells.get("lifecycle", ""), LIFECYCLE, "Status")
    links = [_parse_link(text) for text in re.split(r"[;\n]", cells.get("integrations", "")) if text.strip()]
    system = _system(nodes, name, config, vendor=cells.get("vendor"), description=cells.get("description"),
                     hosting=hosting, lifecycle=lifecycle)

    for role in ("systemeier", "systemansvarlig"):
        if cells.get(role):
            person = _person(nodes, cells[role])
            rels.append(RelRecord("OWNS", person, system, {"role": role}))
    if cells.get("owner_unit"):
        unit = _add(nodes, "OrgUnit", id_for("OrgUnit", cells["owner_unit"]), {"name": cells["owner_unit"]})
        rels.append(RelRecord("OWNS", unit, system, {"role": "systemeier"}))
    location = None
    if cells.get("location"):
        code = COUNTRIES.get(country.lower(), country.upper()) if country else None
        location = _add(nodes, "StorageLocation", id_for("StorageLocation", cells["location"]),
                        {"name": cells["location"], "country": code})
        rels.append(RelRecord("STORED_IN", system, location))
    formats = [_add(nodes, "Format", id_for("Format", f.strip().lower()),
                    {"name": f.strip(), "file_type": f.strip().upper() if f.strip().lower() in FILE_TYPES else None})
               for f in re.split(r"[;,]", cells.get("formats", "")) if f.strip()]
    for dataset_name in (d.strip() for d in cells.get("datasets", "").split(";") if d.strip()):
        dataset = _add(nodes, "Dataset", dataset_id(system, dataset_name), {
            "name": dataset_name, "personal_data": personal in YES,
            "legal_basis": cells.get("legal_basis") or None})
        rels.append(RelRecord("HOLDS", system, dataset))
        rels += [RelRecord("HAS_FORMAT", dataset, f) for f in formats]
        if location:
            rels.append(RelRecord("STORED_IN", dataset, location))
    for outbound, other_name, mechanism in links:
        other = _system(nodes, other_name, config)
        source, target = (system, other) if outbound else (other, system)
        integration = _add(nodes, "Integration", id_for("Integration", (source, target)),
                           {"name": f"{nodes[source].props['name']} → {nodes[target].props['name']}",
                            "mechanism": mechanism, "kind": "declared"})
        rels += [RelRecord("SENDS", source, integration), RelRecord("RECEIVES", integration, target)]


def _parse_link(text: str) -> tuple[bool, str, str]:
    match = _LINK.match(text)
    if not match:
        raise ValueError(f"cannot read the integration '{text.strip()}'; write it as '→ System (fint)'")
    mechanism = (match["mechanism"] or "api").strip().lower()
    if mechanism not in MECHANISMS:
        raise ValueError(f"integration mechanism '{mechanism}' is not one of: {', '.join(sorted(MECHANISMS))}")
    return match["arrow"] not in ("←", "<-"), match["name"].strip(), MECHANISMS[mechanism]


def _person(nodes: dict, text: str) -> str:
    match = _PERSON.match(text)
    name, email = (match["name"] or "").strip(), (match["email"] or "").strip().lower() if match else ""
    if not email and "@" in name:
        name, email = name.split("@")[0].replace(".", " ").title(), name.lower()
    person_id = id_for("Person", email or name)
    return _add(nodes, "Person", person_id, {"name": name or email, "email": email or None})
