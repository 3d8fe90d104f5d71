"""The governance register as municipalities keep it in spreadsheets (XLSX or CSV): the record of
processing activities (behandlingsprotokoll, often Datatilsynet's template) and the list of
agreements (avtaleoversikt). One source reads one sheet; `holds` says which."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from connectors import spreadsheet
from connectors.contract import Connector, Harvest, RowError
from ontology import ONTOLOGY, synonyms
from ontology.checks import organisasjonsnummer
from ontology.records import NodeRecord, RelRecord, id_for

# Canonical field -> the headers that mean it in typical Norwegian sheets (any case).
PROCESSING_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("Behandlingsaktivitet", "Behandling", "Navn på behandlingen", "Navn"),
    "purpose": ("Formål med behandlingen", "Formål"),
    "responsible_unit": ("Ansvarlig enhet", "Enhet"),
    "controller": ("Behandlingsansvarlig",),
    "controller_orgnr": ("Organisasjonsnummer", "Org.nr.", "Orgnr"),
    "data_subject_categories": ("Kategorier av registrerte", "Registrerte"),
    "personal_data_categories": ("Kategorier av personopplysninger", "Personopplysninger"),
    "recipients": ("Kategorier av mottakere", "Mottakere"),
    "third_countries": ("Overføring til tredjeland", "Tredjeland"),
    "transfer_safeguard": ("Garantier ved overføring", "Garantier", "Overføringsgrunnlag"),
    "retention": ("Planlagte tidsfrister for sletting", "Sletting", "Lagringstid"),
    "security_measures": ("Tekniske og organisatoriske sikkerhetstiltak", "Sikkerhetstiltak"),
    "art6_basis": ("Behandlingsgrunnlag (art. 6)", "Behandlingsgrunnlag", "Rettslig grunnlag"),
    "art9_condition": ("Unntak for særlige kategorier (art. 9 nr. 2)", "Unntak art. 9", "Art. 9-grunnlag"),
    "national_law": ("Supplerende rettsgrunnlag", "Lovhjemmel"),
    "systems": ("Systemer", "System", "Fagsystem"),
    "dpia_date": ("DPIA gjennomført", "DPIA-dato"),
    "status": ("Status",),
}
AGREEMENT_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("Avtale", "Avtalenavn", "Navn"),
    "reference": ("Avtalenummer", "Saksnummer", "Referanse"),
    "kind": ("Avtaletype", "Type"),
    "counterpart": ("Leverandør", "Motpart"),
    "counterpart_orgnr": ("Org.nr.", "Organisasjonsnummer", "Orgnr"),
    "counterpart_country": ("Land",),
    "start_date": ("Startdato", "Gjelder fra", "Fra"),
    "end_date": ("Sluttdato", "Utløper", "Til"),
    "notice_date": ("Oppsigelsesfrist", "Fornyelsesdato"),
    "document_link": ("Lenke til avtalen", "Lenke", "Dokument"),
    "systems": ("Systemer", "System"),
    "subprocessors": ("Underdatabehandlere", "Underleverandører"),
}

PROCESSING = ONTOLOGY.node("ProcessingActivity")
AGREEMENT = ONTOLOGY.node("Agreement")
ART6_POINTS = dict(zip("abcdef", ("consent", "contract", "legal-obligation", "vital-interests", "public-task",
                                  "legitimate-interests")))
ART9_POINTS = dict(zip("abcdefghij", ("explicit-consent", "employment-social-security", "vital-interests",
                                      "non-profit-body", "made-public", "legal-claims", "substantial-public-interest",
                                      "health-social-care", "public-health", "archiving-research-statistics")))
_ART_POINT = re.compile(r"(?:art(?:ikkel)?\.?\s*)?(?P<article>[69])\s*(?:nr\.?\s*|\()?(?P<paragraph>[12])?\)?\s*"
                        r"(?:bokstav\s*)?\(?(?P<point>[a-j])\)?", re.IGNORECASE)
# 'Zendesk Inc. (US, 123456785)': a name, then its country and organisation number in brackets.
_DETAILS = re.compile(r"^(?P<name>.+?)\s*\((?P<details>[^()]*)\)\s*$")


class RegisterConfig(spreadsheet.SpreadsheetConfig):
    holds: Literal["processing-activities", "agreements"]

    def known_headers(self) -> dict[str, tuple[str, ...]]:
        return PROCESSING_HEADERS if self.holds == "processing-activities" else AGREEMENT_HEADERS


class RegisterConnector(Connector):
    name = "register"
    Config = RegisterConfig

    def fetch(self, config: RegisterConfig, secrets: dict[str, str], base_dir: Path) -> spreadsheet.Table:
        return spreadsheet.read(base_dir, config, required="name")

    def transform(self, table: spreadsheet.Table, config: RegisterConfig) -> Harvest:
        harvest, nodes = Harvest(notes=table.report(), warnings=list(table.skipped)), {}
        read_row = _processing if config.holds == "processing-activities" else _agreement
        for number, cells in table.rows:
            try:
                rels = read_row(cells, config, nodes, harvest.notes, number)
            except ValueError as error:
                harvest.errors.append(RowError(number, str(error)))
                continue
            harvest.rels += rels
        harvest.nodes = list(nodes.values())
        return harvest


def _add(nodes: dict, label: str, node_id: str, props: dict[str, Any]) -> str:
    earlier = nodes.get(node_id)
    merged = {**(earlier.props if earlier else {}), **{k: v for k, v in props.items() if v not in (None, "", [])}}
    nodes[node_id] = NodeRecord(label, node_id, merged)
    return node_id


def _items(text: str) -> list[str]:
    return [item.strip() for item in re.split(r"[;\n]", text) if item.strip()]


def _one(text: str, node, field: str, config: RegisterConfig, what: str) -> str | None:
    if not text:
        return None
    try:
        return synonyms.choice(node.prop(field), text, config.values.get(field))
    except ValueError:
        raise ValueError(f"{what} '{text}' is not one of: {synonyms.allowed(node.prop(field))}") from None


def _many(text: str, node, field: str, config: RegisterConfig, what: str) -> list[str]:
    return [_one(item, node, field, config, what) for item in _items(text)]


def _legal_point(text: str, article: str, points: dict[str, str], field: str, config: RegisterConfig,
                 what: str) -> str | None:
    """'Art. 6 nr. 1 bokstav e', '6(1)(e)', 'e', 'allmennhetens interesse' or the value itself."""
    if not text:
        return None
    match = _ART_POINT.search(text)
    if match and match["article"] == article:
        return points[match["point"].lower()]
    if len(text.strip()) == 1 and text.strip().lower() in points:
        return points[text.strip().lower()]
    return _one(text, PROCESSING, field, config, what)


def _day(text: str, what: str) -> str | None:
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(text[:10], pattern).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"{what} '{text}' is not a date (write 2027-01-31 or 31.01.2027)")


def _country(text: str) -> str:
    return synonyms.country(text)


def _organisation(nodes: dict, name: str, orgnr: str, country: str, notes: list[str], number: int) -> str | None:
    """Organisations are known by organisation number; one without it cannot be named safely."""
    if not orgnr:
        notes.append(f"row {number}: {name} has no organisasjonsnummer; link it in the catalog")
        return None
    orgnr = organisasjonsnummer(orgnr)
    return _add(nodes, "Organization", id_for("Organization", orgnr), {"name": name, "orgnr": orgnr,
                                                          "country": _country(country) if country else None})


def _subprocessor(item: str) -> tuple[str, str, str]:
    """(name, organisation number, country); brackets that hold neither belong to the name."""
    match = _DETAILS.match(item)
    if match:
        details = [d.strip() for d in match["details"].split(",") if d.strip()]
        orgnrs = [d for d in details if d.replace(" ", "").isdigit()]
        countries = [d for d in details if d.lower() in synonyms.COUNTRIES or re.fullmatch(r"[A-Za-z]{2}", d)]
        if details and len(orgnrs) + len(countries) == len(details):
            return (match["name"], organisasjonsnummer(orgnrs[0]) if orgnrs else "",
                    _country(countries[0]) if countries else "")
    return item, "", ""


def _systems(nodes: dict, text: str, config: RegisterConfig) -> list[str]:
    names = [config.aliases.get(name, name) for name in _items(text)]
    return [_add(nodes, "System", id_for("System", name), {"name": name}) for name in names]


def _processing(cells: dict[str, str], config: RegisterConfig, nodes: dict, notes: list[str],
                number: int) -> list[RelRecord]:
    name = cells.get("name", "")
    if not name:
        raise ValueError("the processing activity has no name")
    # Everything that can be wrong with a row is checked before anything of it is kept.
    props = {
        "name": name, "purpose": cells.get("purpose"), "national_law": cells.get("national_law"),
        "art6_basis": _legal_point(cells.get("art6_basis", ""), "6", ART6_POINTS, "art6_basis", config,
                                   "Behandlingsgrunnlag"),
        "art9_condition": _legal_point(cells.get("art9_condition", ""), "9", ART9_POINTS, "art9_condition", config,
                                       "Unntak art. 9"),
        "data_subject_categories": _many(cells.get("data_subject_categories", ""), PROCESSING, "data_subject_categories",
                                         config, "Registrerte"),
        "personal_data_categories": _many(cells.get("personal_data_categories", ""), PROCESSING,
                                          "personal_data_categories", config, "Personopplysninger"),
        "recipients": _items(cells.get("recipients", "")),
        "third_countries": [_country(c) for c in re.split(r"[;,\n]", cells.get("third_countries", "")) if c.strip()],
        "transfer_safeguard": _one(cells.get("transfer_safeguard", ""), PROCESSING, "transfer_safeguard", config,
                                   "Garantier"),
        "retention": cells.get("retention"), "security_measures": cells.get("security_measures"),
        "dpia_date": _day(cells.get("dpia_date", ""), "DPIA gjennomført"),
        "status": _one(cells.get("status", ""), PROCESSING, "status", config, "Status"),
    }
    props["dpia_done"] = True if props["dpia_date"] else None
    controller = (_organisation(nodes, cells["controller"], cells.get("controller_orgnr", ""), "", notes, number)
                  if cells.get("controller") else None)
    activity = _add(nodes, "ProcessingActivity", id_for("ProcessingActivity", name), props)
    rels = [RelRecord("PROCESSED_IN", activity, system) for system in _systems(nodes, cells.get("systems", ""), config)]
    if controller:
        rels.append(RelRecord("HAS_CONTROLLER", activity, controller))
    if cells.get("responsible_unit"):
        unit = _add(nodes, "OrgUnit", id_for("OrgUnit", cells["responsible_unit"]), {"name": cells["responsible_unit"]})
        rels.append(RelRecord("MANAGED_BY", activity, unit))
    return rels


def _agreement(cells: dict[str, str], config: RegisterConfig, nodes: dict, notes: list[str],
               number: int) -> list[RelRecord]:
    name = cells.get("name", "")
    if not name:
        raise ValueError("the agreement has no name")
    kind = _one(cells.get("kind", ""), AGREEMENT, "kind", config, "Avtaletype")
    if kind is None:
        raise ValueError(f"Avtaletype is empty; use one of: {synonyms.allowed(AGREEMENT.prop('kind'))}")
    props = {"name": name, "kind": kind, "reference": cells.get("reference"),
             "start_date": _day(cells.get("start_date", ""), "Startdato"),
             "end_date": _day(cells.get("end_date", ""), "Sluttdato"),
             "notice_date": _day(cells.get("notice_date", ""), "Oppsigelsesfrist"),
             "document_link": cells.get("document_link")}
    subprocessors = [_subprocessor(item) for item in _items(cells.get("subprocessors", ""))]
    counterpart = (_organisation(nodes, cells["counterpart"], cells.get("counterpart_orgnr", ""),
                                 cells.get("counterpart_country", ""), notes, number)
                   if cells.get("counterpart") else None)
    agreement = _add(nodes, "Agreement", id_for("Agreement", props["reference"] or name), props)
    rels = [RelRecord("COVERS", agreement, system) for system in _systems(nodes, cells.get("systems", ""), config)]
    if counterpart:
        rels.append(RelRecord("AGREED_WITH", agreement, counterpart))
    for sub_name, orgnr, country in subprocessors:
        organisation = _organisation(nodes, sub_name, orgnr, country, notes, number)
        if organisation:
            rels.append(RelRecord("HAS_SUBPROCESSOR", agreement, organisation))
    return rels
