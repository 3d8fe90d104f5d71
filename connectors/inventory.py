"""The system-inventory spreadsheet ("systemoversikt") that every municipality keeps, as XLSX
or CSV: systems, owners, storage, formats, datasets and integrations, one row per system.

A row is a system as long as it names one: a cell that cannot be read leaves that field empty,
with a warning naming row, column, value and the allowed values, and the run keeps every fact
of that row (`Harvest.keep`). Owners are people (matched by e-mail, then by name) or titles,
which become a role on the system to be filled. Integrations only link systems the sheet or the
catalog has.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field
from rapidfuzz import fuzz, process, utils

from connectors import spreadsheet
from connectors.contract import Connector, Harvest, Reference, RowError
from ontology import ONTOLOGY, synonyms
from ontology.checks import match_key
from ontology.records import NodeRecord, RelRecord, dataset_id, id_for

# Field -> the headers that mean it in typical Norwegian inventories (see spreadsheet.header_key).
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "system": ("System", "Systemnavn", "Fagsystem", "Navn på system"),
    "description": ("Beskrivelse", "Formål"),
    "vendor": ("Leverandør", "Leverandor"),
    "systemeier": ("Systemeier",),
    "systemansvarlig": ("Systemansvarlig", "Systemforvalter"),
    "owner_unit": ("Eierenhet", "Ansvarlig enhet"),
    "domain": ("Tjenesteområde", "Sektor", "Område"),
    "hosting": ("Driftsmodell", "Driftsform", "Drift"),
    "lifecycle": ("Status", "Livsløp", "Livsløpsstatus"),
    "criticality": ("Kritikalitet", "Kritisk", "Kritikalitetsnivå"),
    "confidentiality": ("Konfidensialitet", "Klassifisering", "Informasjonsklasse"),
    "location": ("Lagringssted", "Datalagring"),
    "country": ("Land", "Lagringsland"),
    "personal_data": ("Personopplysninger", "Inneholder personopplysninger"),
    "legal_basis": ("Behandlingsgrunnlag", "Rettslig grunnlag"),
    "formats": ("Dataformat", "Filformat"),
    "datasets": ("Datasett", "Data"),
    "integrations": ("Integrasjoner", "Integrasjon", "Integrerer med"),
}
# The fields read as one of the ontology's controlled values.
CHOICES = {"hosting": ONTOLOGY.node("System").prop("hosting"), "lifecycle": ONTOLOGY.node("System").prop("lifecycle"),
           "criticality": ONTOLOGY.node("System").prop("criticality"),
           "confidentiality": ONTOLOGY.node("System").prop("confidentiality")}
MECHANISM = ONTOLOGY.node("Integration").prop("mechanism")
FILE_TYPES = {"csv", "json", "xml", "pdf", "xlsx", "geojson", "sosi"}
# Words a title starts or ends with: 'Kommunalsjef oppvekst', 'Leder IKT', 'Rektor'.
_TITLE = re.compile(r"^(\S*(sjef|leder|direktør|rådmann|rektor|rådgiver|konsulent|koordinator|forvalter)"
                    r"|kommunedirektør|fylkesdirektør|daglig)\b", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_LINK = re.compile(r"^\s*(?P<arrow>→|->|←|<-)?\s*(?P<name>[^()]+?)\s*(?:\((?P<mechanism>[^)]*)\))?\s*$")


class InventoryConfig(spreadsheet.SpreadsheetConfig):
    headers: ClassVar[dict[str, tuple[str, ...]]] = DEFAULT_HEADERS
    # What an integration to a system neither the sheet nor the catalog has becomes: a warning
    # naming the closest names (and nothing else), or a new system.
    unknown_targets: Literal["warn", "create"] = Field("warn")


class InventoryConnector(Connector):
    name = "inventory"
    Config = InventoryConfig

    def fetch(self, config: InventoryConfig, secrets: dict[str, str], base_dir: Path) -> spreadsheet.Table:
        return spreadsheet.read(base_dir, config, required="system")

    def transform(self, table: spreadsheet.Table, config: InventoryConfig) -> Harvest:
        return _Reading(table, config).harvest()


class _Reading:
    """One pass over a table: records, warnings, and the systems of rows that had a problem."""

    def __init__(self, table: spreadsheet.Table, config: InventoryConfig) -> None:
        self.table, self.config = table, config
        self.result = Harvest(notes=table.report(), warnings=list(table.skipped))
        self.nodes: dict[str, NodeRecord] = {}
        # match key -> system name, for the systems the sheet has (and their aliases).
        self.systems: dict[str, str] = {}
        self.names: list[str] = []  # the sheet's system names, for the closest to a name it lacks
        self.first_row: dict[str, int] = {}
        # Normalised name -> (person id, name as written with the e-mail), for people with an e-mail.
        self.people: dict[str, tuple[str, str]] = {}
        self.unconfirmed: set[str] = set()

    def harvest(self) -> Harvest:
        for _, cells in self.table.rows:
            name = self._name(cells.get("system", ""))
            if name:
                self.systems.setdefault(match_key(name), name)
                for sheet_name, catalog_name in self.config.aliases.items():
                    if catalog_name == name:
                        self.systems.setdefault(match_key(sheet_name), name)
        self.names = sorted(set(self.systems.values()))
        self._learn_people()
        duplicates = 0
        for number, cells in self.table.rows:
            name = self._name(cells.get("system", ""))
            # The first spelling names the system; 'VIGILO' further down is the same one.
            name = self.systems.get(match_key(name), name)
            if not name:
                self.result.errors.append(RowError(number, f"column '{self._header('system')}' is empty; "
                                                           "a row needs the system's name"))
                continue
            system_id = id_for("System", name)
            if system_id in self.first_row:
                duplicates += 1
                self._warn(number, system_id, f"'{name}' is also on row {self.first_row[system_id]}; "
                                              "the rows are merged, and the first row's values stand where they differ")
            self.first_row.setdefault(system_id, number)
            self._row(number, cells, name, system_id)
        if duplicates:
            self.result.notes.append(f"{duplicates} duplicate row(s)")
        if self.unconfirmed:
            self.result.notes.append(f"{len(self.unconfirmed)} person(s) created without an e-mail, so no directory "
                                     f"can confirm them: {', '.join(sorted(self.unconfirmed))}")
        self.result.nodes = list(self.nodes.values())
        return self.result

    def _name(self, text: str) -> str:
        name = re.sub(r"\s+", " ", text).strip()
        return self.config.aliases.get(name, name)

    def _header(self, field: str) -> str:
        return self.table.headers.get(field, field)

    def _warn(self, number: int, system_id: str, reason: str) -> None:
        self.result.warnings.append(RowError(number, reason))
        self.result.keep.add(system_id)

    def _bad(self, number: int, system_id: str, field: str, value: str, allowed: str) -> None:
        self._warn(number, system_id, f"column '{self._header(field)}': '{value}' left empty; {allowed}")

    def _choice(self, number: int, system_id: str, cells: dict[str, str], field: str) -> str | None:
        text = cells.get(field, "")
        if not text:
            return None
        try:
            return synonyms.choice(CHOICES[field], text, self.config.values.get(field))
        except ValueError as error:
            self._bad(number, system_id, field, text, str(error))
            return None

    def _add(self, label: str, node_id: str, props: dict[str, Any], *, first_wins: bool = False) -> str:
        earlier = self.nodes.get(node_id)
        given = {k: v for k, v in props.items() if v not in (None, "", [])}
        old = earlier.props if earlier else {}
        self.nodes[node_id] = NodeRecord(label, node_id, {**given, **old} if first_wins else {**old, **given})
        return node_id

    def _row(self, number: int, cells: dict[str, str], name: str, system_id: str) -> None:
        props = {field: self._choice(number, system_id, cells, field) for field in CHOICES}
        self._add("System", system_id, {"name": name, "vendor": cells.get("vendor"), "domain": cells.get("domain"),
                                        "description": cells.get("description"), **props}, first_wins=True)
        rels = self.result.rels
        for role in ("systemeier", "systemansvarlig"):
            for owner in _split_owners(cells.get(role, "")):
                self._owner(number, system_id, role, owner)
        if cells.get("owner_unit"):
            unit = self._add("OrgUnit", id_for("OrgUnit", cells["owner_unit"]), {"name": cells["owner_unit"]})
            rels.append(RelRecord("OWNS", unit, system_id, {"role": "systemeier"}))
        country = None
        if cells.get("country"):
            try:
                country = synonyms.country(cells["country"])
            except ValueError as error:
                self._bad(number, system_id, "country", cells["country"], str(error))
        location = None
        if cells.get("location"):
            location = self._add("StorageLocation", id_for("StorageLocation", cells["location"]),
                                 {"name": cells["location"], "country": country})
            rels.append(RelRecord("STORED_IN", system_id, location))
        personal, special = self._personal(number, system_id, cells.get("personal_data", ""))
        formats = [self._add("Format", id_for("Format", f.lower()), {"name": f, "file_type": f.upper()
                                                                     if f.lower() in FILE_TYPES else None})
                   for f in (f.strip() for f in re.split(r"[;,\n]", cells.get("formats", ""))) if f]
        for dataset_name in (d.strip() for d in re.split(r"[;\n]", cells.get("datasets", "")) if d.strip()):
            dataset = self._add("Dataset", dataset_id(system_id, dataset_name), {
                "name": dataset_name, "personal_data": personal, "special_categories": special,
                "legal_basis": cells.get("legal_basis") or None})
            rels.append(RelRecord("HOLDS", system_id, dataset))
            rels.extend(RelRecord("HAS_FORMAT", dataset, f) for f in formats)
            if location:
                rels.append(RelRecord("STORED_IN", dataset, location))
        for text in (t for t in re.split(r"[;,\n]", cells.get("integrations", "")) if t.strip()):
            self._integration(number, system_id, text)

    def _personal(self, number: int, system_id: str, text: str) -> tuple[bool | None, bool | None]:
        if not text:
            return None, None
        if synonyms.special_categories(text):
            return True, True
        answer = synonyms.yes_no(text)
        if answer is None:
            self._bad(number, system_id, "personal_data", text, "allowed: Ja, Nei, J, N, Ja, særlige kategorier")
        return answer, None

    def _learn_people(self) -> None:
        """People whose cell somewhere in the sheet has an e-mail, so that the same name without
        one (on another row, or as 'Etternavn, Fornavn') is the same person."""
        for _, cells in self.table.rows:
            for role in ("systemeier", "systemansvarlig"):
                for owner in _split_owners(cells.get(role, "")):
                    name, email = _person(owner)
                    if email and name:
                        self.people.setdefault(synonyms.normalised(name), (id_for("Person", email), name))

    def _owner(self, number: int, system_id: str, role: str, text: str) -> None:
        name, email = _person(text)
        if not email and _TITLE.match(name):
            role_id = self._add("Role", id_for("Role", (system_id, name), readable=name), {"name": name, "fills": role})
            self.result.rels.append(RelRecord("DEFINED_IN", role_id, system_id))
            self.result.notes.append(f"row {number}: '{name}' in column '{self._header(role)}' is a title, not a "
                                     f"person; recorded as a role on {self.nodes[system_id].props['name']} "
                                     "to be filled with a person")
            return
        known = self.people.get(synonyms.normalised(name))
        if email:
            person_id = id_for("Person", email)
        elif known:
            person_id, name = known
        else:
            person_id = id_for("Person", name)
            self.unconfirmed.add(name)
        self._add("Person", person_id, {"name": name or email, "email": email}, first_wins=True)
        self.result.rels.append(RelRecord("OWNS", person_id, system_id, {"role": role}))

    def _integration(self, number: int, system_id: str, text: str) -> None:
        match = _LINK.match(text)
        if not match:
            self._bad(number, system_id, "integrations", text.strip(), "write it as '→ System (fint)'")
            return
        mechanism = "api"
        if match["mechanism"]:
            try:
                mechanism = synonyms.choice(MECHANISM, match["mechanism"], self.config.values.get("integrations"))
            except ValueError as error:
                self._bad(number, system_id, "integrations", text.strip(), f"the mechanism is not known; {error}")
                return
        other = self._target(number, system_id, match["name"].strip())
        if other is None:
            return
        source, target = (system_id, other) if match["arrow"] not in ("←", "<-") else (other, system_id)
        integration = self._add("Integration", id_for("Integration", (source, target)),
                                {"name": f"{self.nodes[source].props['name']} → {self.nodes[target].props['name']}",
                                 "mechanism": mechanism, "kind": "declared"})
        self.result.rels += [RelRecord("SENDS", source, integration), RelRecord("RECEIVES", integration, target)]

    def _target(self, number: int, system_id: str, name: str) -> str | None:
        """The system an integration names: one the sheet has, else a warning with the closest
        names (or a new system, where the source's settings say so)."""
        name = self._name(name)
        known = self.systems.get(match_key(name))
        if known is None and self.config.unknown_targets == "create":
            known = name
        if known is None:
            # Perhaps a system the catalog has from another source; the harvest checks.
            closest = process.extract(name, self.names, scorer=fuzz.ratio, processor=utils.default_process, limit=3,
                                      score_cutoff=70)
            hint = f"closest: {', '.join(c[0] for c in closest)}" if closest else "no system has a similar name"
            target = self._add("System", id_for("System", name), {"name": name})
            self.result.references.append(Reference(target, system_id, RowError(
                number, f"column '{self._header('integrations')}': '{name}' is no system in the sheet or the catalog "
                        f"({hint}); the integration is left out. Add a row for it, or name it in aliases:")))
            return target
        other_id = id_for("System", known)
        return other_id if other_id in self.nodes else self._add("System", other_id, {"name": known})


def _split_owners(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;/\n]", text) if part.strip()]


def _person(text: str) -> tuple[str, str | None]:
    """(name, e-mail) from 'Kari Hansen <kari@k.no>', 'kari.hansen@k.no' or 'Hansen, Kari'."""
    found = _EMAIL.search(text)
    email = found.group(0).lower() if found else None
    name = re.sub(r"[<>()\[\]]", " ", _EMAIL.sub(" ", text))
    name = re.sub(r"\s+", " ", name).strip(" ,")
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        name = f"{first} {last}".strip()
    if not name and email:
        name = email.split("@")[0].replace(".", " ").title()
    return name, email
