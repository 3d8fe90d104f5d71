"""The inventory connector on spreadsheets shaped like the ones municipalities keep, each built
here: a title row and merged cells above the header, Excel's Norwegian CSV export
(Windows-1252, semicolons, line breaks in cells), a guide sheet first, Norwegian values,
"Etternavn, Fornavn" owners, drifting integration names, and a one-cell typo on a sheet
harvested before."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from pydantic import ValidationError
from typer.testing import CliRunner

from catalog.app import create_app as create_web_app
from catalog.cli import app as cli
from catalog.errors import ConfigurationError
from catalog.harvest.service import run_source
from catalog.harvest.sources import SourceSettings, Sources
from catalog.settings import get_settings
from connectors.contract import HarvestFailed
from connectors.inventory import InventoryConfig, InventoryConnector
from tests.factory import create

HEADER = ["System", "Leverandør", "Systemeier", "Driftsform", "Status", "Kritikalitet", "Personopplysninger (J/N)",
          "Datasett", "Integrasjoner"]


def read(tmp_path: Path, **settings):
    """The harvest the connector makes of the file, without the store."""
    connector = InventoryConnector()
    config = InventoryConfig.model_validate(settings)
    return connector.transform(connector.fetch(config, {}, tmp_path), config)


def systems(harvest) -> dict[str, dict]:
    return {r.props["name"]: r.props for r in harvest.nodes if r.label == "System"}


def system_ids(harvest) -> dict[str, str]:
    return {r.props["name"]: r.id for r in harvest.nodes if r.label == "System"}


def owners(harvest) -> set[tuple[str, str, str]]:
    names = {r.id: r.props["name"] for r in harvest.nodes}
    return {(names[r.source_id], r.props["role"], names[r.target_id]) for r in harvest.rels if r.type == "OWNS"}


def workbook(path: Path, sheets: dict[str, list[list]], merged: dict[str, list[str]] | None = None) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in (merged or {}).get(title, []):
            sheet.merge_cells(cells)
    book.save(path)


def test_title_rows_merged_cells_headings_and_a_total_are_not_systems(tmp_path):
    workbook(tmp_path / "oversikt.xlsx", {"Systemer": [
        ["Systemoversikt Eksempel kommune 2025"], [], HEADER,
        ["OPPVEKST"],
        ["Visma Flyt Skole", "Visma", "Kari Hansen <kari.hansen@k.no>", "Skyløsning", "I drift", "Høy", "J", "", ""],
        ["Helse og omsorg"],
        ["Gerica", "Tieto", "", "Lokal drift", "Avvikles", "Kritisk", "Ja, særlige kategorier", "Journal", ""],
        [], ["Totalt antall systemer: 2"],
    ]}, merged={"Systemer": ["A1:I1", "A6:I6"]})
    harvest = read(tmp_path, path="oversikt.xlsx")
    assert systems(harvest) == {
        "Visma Flyt Skole": {"name": "Visma Flyt Skole", "vendor": "Visma", "hosting": "saas", "lifecycle": "in-use",
                             "criticality": "high"},
        "Gerica": {"name": "Gerica", "vendor": "Tieto", "hosting": "on-premises", "lifecycle": "phasing-out",
                   "criticality": "critical"}}
    [journal] = [r.props for r in harvest.nodes if r.label == "Dataset"]
    assert (journal["personal_data"], journal["special_categories"]) == (True, True)
    assert [str(w) for w in harvest.warnings] == ["row 4: a heading ('OPPVEKST'), skipped",
                                                  "row 6: a heading ('Helse og omsorg'), skipped",
                                                  "row 9: a total ('Totalt antall systemer: 2'), skipped"]
    assert harvest.notes == ["read sheet 'Systemer' with the header on row 3",
                             "3 row(s) skipped as headings or totals"]
    assert not harvest.errors and not harvest.keep


def test_header_row_and_sheet_settings_and_what_a_missing_header_says(tmp_path):
    workbook(tmp_path / "oversikt.xlsx", {
        "Veiledning": [["Slik fyller du ut arket"], ["Kolonne", "Forklaring"], ["System", "Navnet på systemet"]],
        "Systemer 2025": [["Eier: IT"], ["Navn", "Eier"], ["Public 360", "Ola Nordmann"]],
        "Arkiv": [["System", "Systemeier"], ["Ephorte", "Per Arkivar"]]})
    # With no setting, the sheet whose header matches best wins over the guide sheet.
    assert set(systems(read(tmp_path, path="oversikt.xlsx"))) == {"Ephorte"}
    chosen = read(tmp_path, path="oversikt.xlsx", sheet="systemer 2025", header_row=2,
                  columns={"system": "Navn ", "systemeier": "Eier"})
    assert set(systems(chosen)) == {"Public 360"}
    assert owners(chosen) == {("Ola Nordmann", "systemeier", "Public 360")}
    with pytest.raises(HarvestFailed) as missing:
        read(tmp_path, path="oversikt.xlsx", sheet="Systemer 2025")
    assert str(missing.value) == (
        "found no header row with a column for system ('System', 'Systemnavn', 'Fagsystem', 'Navn på system') in "
        "oversikt.xlsx; what the sheets have: 'Systemer 2025': row 2 has Navn, Eier. "
        "Set header_row: or columns: in sources.yaml.")
    with pytest.raises(HarvestFailed, match="no sheet 'Budsjett' in oversikt.xlsx; it has: 'Veiledning', "
                                            "'Systemer 2025', 'Arkiv'"):
        read(tmp_path, path="oversikt.xlsx", sheet="Budsjett")


def test_windows_1252_csv_with_line_breaks_in_cells(tmp_path):
    with (tmp_path / "oversikt.csv").open("w", newline="", encoding="cp1252") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["System", "Beskrivelse", "Systemeier", "Systemansvarlig", "Status", "Land", "Lagringssted"])
        writer.writerow(["Søknadssenteret", "Søknader om\nbarnehageplass", "Åsheim, Bjørn; Nilsen, Grete",
                         "Hansen, Kari /\nBerg, Lise", "I bruk.", "Norge", "Kommunens datasenter"])
        writer.writerow(["Kvalitetslosen", "", "Kommunalsjef oppvekst", "", "Aktiv", "EU", "Azure"])
    harvest = read(tmp_path, path="oversikt.csv")
    assert systems(harvest) == {
        "Søknadssenteret": {"name": "Søknadssenteret", "description": "Søknader om\nbarnehageplass",
                            "lifecycle": "in-use"},
        "Kvalitetslosen": {"name": "Kvalitetslosen", "lifecycle": "in-use"}}
    assert owners(harvest) == {("Bjørn Åsheim", "systemeier", "Søknadssenteret"),
                               ("Grete Nilsen", "systemeier", "Søknadssenteret"),
                               ("Kari Hansen", "systemansvarlig", "Søknadssenteret"),
                               ("Lise Berg", "systemansvarlig", "Søknadssenteret")}
    [role] = [r for r in harvest.nodes if r.label == "Role"]
    assert role.props == {"name": "Kommunalsjef oppvekst", "fills": "systemeier"}
    assert [(r.source_id, r.target_id) for r in harvest.rels if r.type == "DEFINED_IN"] == [
        (role.id, system_ids(harvest)["Kvalitetslosen"])]
    assert {r.props["name"]: r.props.get("country") for r in harvest.nodes if r.label == "StorageLocation"} == {
        "Kommunens datasenter": "NO", "Azure": None}
    assert [str(w) for w in harvest.warnings] == [
        "row 3: column 'Land': 'EU' left empty; a region, not a country; name the country the data is in, "
        "such as Irland or IE"]
    assert harvest.notes == [
        "row 3: 'Kommunalsjef oppvekst' in column 'Systemeier' is a title, not a person; recorded as a role on "
        "Kvalitetslosen to be filled with a person",
        "4 person(s) created without an e-mail, so no directory can confirm them: Bjørn Åsheim, Grete Nilsen, "
        "Kari Hansen, Lise Berg"]
    assert harvest.keep == {system_ids(harvest)["Kvalitetslosen"]}


def test_utf8_with_bom_comma_separated_an_encoding_setting_and_an_empty_file(tmp_path):
    (tmp_path / "bom.csv").write_text("System,Leverandør\nØkonomi,Visma\n", encoding="utf-8-sig")
    assert systems(read(tmp_path, path="bom.csv")) == {"Økonomi": {"name": "Økonomi", "vendor": "Visma"}}
    (tmp_path / "latin.csv").write_bytes("System;Leverandør\nØkonomi;Visma\n".encode("cp1252"))
    assert systems(read(tmp_path, path="latin.csv", encoding="windows-1252"))["Økonomi"]["vendor"] == "Visma"
    with pytest.raises(HarvestFailed, match="bom.csv is not ascii: byte 0 cannot be read"):
        read(tmp_path, path="bom.csv", encoding="ascii")
    with pytest.raises(ValidationError, match="'latin-99' is not an encoding Python knows"):
        InventoryConfig.model_validate({"path": "x.csv", "encoding": "latin-99"})
    (tmp_path / "tom.csv").write_text("\n  \n")
    with pytest.raises(HarvestFailed, match="tom.csv is empty; it should have a header row and a row per entry"):
        read(tmp_path, path="tom.csv")


def test_norwegian_values_value_maps_and_the_columns_a_sheet_has_that_nothing_reads(tmp_path):
    workbook(tmp_path / "oversikt.xlsx", {"Ark1": [
        ["Systemnavn", "Driftsform", "Status", "Kritikalitet", "Personopplysninger (J/N)", "Datasett",
         "Kostnad", "Merknad"],
        ["A", "Sky", "Under utfasing", "Middels", "N", "Register", 100, ""],
        ["B", "Hos Atea", "i drift", "lav.", "Nei", "", "", "ok"],
        ["C", "SaaS", "Planlagt", "Svært viktig", "kanskje", "Logg", "", ""]]})
    harvest = read(tmp_path, path="oversikt.xlsx", values={"hosting": {"Hos Atea": "iaas"}})
    assert systems(harvest) == {
        "A": {"name": "A", "hosting": "saas", "lifecycle": "phasing-out", "criticality": "medium"},
        "B": {"name": "B", "hosting": "iaas", "lifecycle": "in-use", "criticality": "low"},
        "C": {"name": "C", "hosting": "saas", "lifecycle": "planned"}}
    assert {r.props["name"]: r.props.get("personal_data") for r in harvest.nodes if r.label == "Dataset"} == {
        "Register": False, "Logg": None}
    assert [str(w) for w in harvest.warnings] == [
        "row 4: column 'Kritikalitet': 'Svært viktig' left empty; allowed: Lav, Middels, Høy, Kritisk",
        "row 4: column 'Personopplysninger (J/N)': 'kanskje' left empty; allowed: Ja, Nei, J, N, "
        "Ja, særlige kategorier"]
    assert harvest.notes == ["2 column(s) ignored: Kostnad, Merknad"]
    with pytest.raises(ValidationError, match=r"columns: unknown field\(s\) eier"):
        InventoryConfig.model_validate({"path": "x.xlsx", "columns": {"eier": "Eier"}})


def test_an_unknown_columns_key_in_sources_yaml_is_a_configuration_error_naming_it(tmp_path):
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: oversikt\n    connector: inventory\n"
        "    settings: {path: x.xlsx, columns: {kritikalitet: Kritisk}, encoding: cp1252}\n")
    with pytest.raises(ConfigurationError) as error:
        Sources.read(tmp_path / "sources.yaml")
    [problem] = error.value.extra["errors"]
    assert problem["loc"] == ["sources", 0, "settings"]
    assert "columns: unknown field(s) kritikalitet" in problem["msg"]


def test_owners_are_matched_by_e_mail_then_by_name(tmp_path):
    workbook(tmp_path / "oversikt.xlsx", {"Ark1": [
        ["System", "Systemeier", "Systemansvarlig"],
        ["Elevia", "Kari Hansen <Kari.Hansen@k.no>", "Hansen, Kari"],
        ["Visma", "hansen, kari", "ola.nordmann@k.no"],
        ["Tidbank", "Rektor", "Berg, Lise\nNilsen, Grete"]]})
    harvest = read(tmp_path, path="oversikt.xlsx")
    people = sorted((r.props for r in harvest.nodes if r.label == "Person"), key=lambda p: p["name"])
    assert people == [{"name": "Grete Nilsen"}, {"name": "Kari Hansen", "email": "kari.hansen@k.no"},
                      {"name": "Lise Berg"}, {"name": "Ola Nordmann", "email": "ola.nordmann@k.no"}]
    assert owners(harvest) == {("Kari Hansen", "systemeier", "Elevia"), ("Kari Hansen", "systemansvarlig", "Elevia"),
                               ("Kari Hansen", "systemeier", "Visma"), ("Ola Nordmann", "systemansvarlig", "Visma"),
                               ("Lise Berg", "systemansvarlig", "Tidbank"),
                               ("Grete Nilsen", "systemansvarlig", "Tidbank")}
    assert [r.props["name"] for r in harvest.nodes if r.label == "Role"] == ["Rektor"]
    assert harvest.notes[-1] == ("2 person(s) created without an e-mail, so no directory can confirm them: "
                                 "Grete Nilsen, Lise Berg")


def test_drifting_integration_names_are_warnings_never_phantom_systems(tmp_path):
    workbook(tmp_path / "oversikt.xlsx", {"Ark1": [
        ["System", "Integrasjoner"],
        ["Visma InSchool", "Visma Flyt Skole, Vigilo"],
        ["Visma Flyt Skole", "→ Visma InSkool (fint)"],
        ["Vigilo", "→ Fronter; ← Visma InSchool (kø)"],
        ["Vigilo", "→ Visma Flyt Skole (fjærpost)"]]})
    harvest = read(tmp_path, path="oversikt.xlsx")
    integrations = {r.props["name"] for r in harvest.nodes if r.label == "Integration"}
    assert integrations == {"Visma InSchool → Visma Flyt Skole", "Visma InSchool → Vigilo",
                            "Visma Flyt Skole → Visma InSkool", "Vigilo → Fronter"}
    ids = system_ids(harvest)
    # Names the sheet does not have are left to the harvest, which looks for them in the catalog.
    assert [(r.target, r.row_node, str(r.warning)) for r in harvest.references] == [
        (ids["Visma InSkool"], ids["Visma Flyt Skole"],
         "row 3: column 'Integrasjoner': 'Visma InSkool' is no system in the sheet or the catalog (closest: "
         "Visma InSchool); the integration is left out. Add a row for it, or name it in aliases:"),
        (ids["Fronter"], ids["Vigilo"],
         "row 4: column 'Integrasjoner': 'Fronter' is no system in the sheet or the catalog (no system has a "
         "similar name); the integration is left out. Add a row for it, or name it in aliases:")]
    assert [str(w) for w in harvest.warnings] == [
        "row 5: 'Vigilo' is also on row 4; the rows are merged, and the first row's values stand where they differ",
        "row 5: column 'Integrasjoner': '→ Visma Flyt Skole (fjærpost)' left empty; the mechanism is not known; "
        "allowed: FINT, API, Filoverføring, Meldingskø, SvarUt, Manuell, Dataflyt"]
    assert "1 duplicate row(s)" in harvest.notes
    assert harvest.keep == {ids["Vigilo"]}
    created = read(tmp_path, path="oversikt.xlsx", unknown_targets="create")
    assert set(systems(created)) == {"Visma InSchool", "Visma Flyt Skole", "Vigilo", "Visma InSkool", "Fronter"}


def test_two_thousand_rows_with_four_hundred_drifting_targets_make_no_extra_system(tmp_path):
    rows = [["System", "Integrasjoner"]]
    for n in range(2000):
        # Every fifth row names the next system with a letter dropped.
        target = f"Fagsystem {n + 1:04d}" if n % 5 else f"Fagsystm {n + 1:04d}"
        rows.append([f"Fagsystem {n:04d}", f"→ {target} (api)" if n < 1999 else ""])
    workbook(tmp_path / "stor.xlsx", {"Ark1": rows})
    harvest = read(tmp_path, path="stor.xlsx")
    assert len(harvest.references) == 400
    assert all(f"(closest: Fagsystem {n + 1:04d}" in str(r.warning) for n, r in zip(range(0, 2000, 5), harvest.references))


def test_integrations_to_systems_the_catalog_has_stay_and_to_none_are_warnings(clean_store, session_client, tmp_path):
    catalog_system = create(session_client, "System", name="itslearning", aliases=["Its Learning"])
    rows = [["System", "Integrasjoner"]] + [[f"Fagsystem {n:04d}", f"→ Fagsystm {n + 1:04d}" if n % 5 == 0 else
                                             (f"→ Fagsystem {n + 1:04d}" if n < 1999 else "→ Its learning (fil)")]
                                            for n in range(2000)]
    workbook(tmp_path / "oversikt.xlsx", {"Ark1": rows})
    run = run_source(clean_store, inventory_source(), tmp_path)
    assert run.status == "succeeded"
    assert counts(clean_store)["System"] == 2001  # the sheet's 2000 and the catalog's own, no phantom
    assert len(run.warnings) == 201 and run.warnings[-1] == "… and 200 more"
    assert run.warnings[0] == ("row 2: column 'Integrasjoner': 'Fagsystm 0001' is no system in the sheet or the "
                               "catalog (closest: Fagsystem 0001, Fagsystem 0000, Fagsystem 0002); the integration "
                               "is left out. Add a row for it, or name it in aliases:")
    into_catalog = clean_store.rows("MATCH (:System {name: 'Fagsystem 1999'})-[:SENDS]->(i)-[:RECEIVES]->(s:System) "
                                    "RETURN s.id AS id, s.name AS name, i.mechanism AS mechanism")
    assert into_catalog == [{"id": catalog_system["id"], "name": "itslearning", "mechanism": "file-transfer"}]
    assert counts(clean_store)["Integration"] == 1999 - 400 + 1


def inventory_source(**settings) -> SourceSettings:
    return SourceSettings(id="oversikt", connector="inventory", settings={"path": "oversikt.xlsx", **settings})


def counts(store) -> dict[str, int]:
    rows = store.rows("MATCH (n:Entity) RETURN labels(n) AS labels, count(n) AS n")
    result = {}
    for row in rows:
        label = next(label for label in row["labels"] if label != "Entity")
        result[label] = result.get(label, 0) + row["n"]
    return result


def harvest_page(store, token: str) -> str:
    """The web page of the runs, as a person signed in with an API token sees it (in bokmål)."""
    with TestClient(create_web_app(store), headers={"Accept-Language": "nb"}) as browser:
        signin = browser.get("/signin").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', signin)[1]
        browser.post("/signin/token", data={"token": token, "csrf_token": csrf, "next": "/harvest/"})
        return browser.get("/harvest/").text


def test_a_one_cell_typo_on_a_sheet_harvested_before_keeps_the_system_and_says_so(clean_store, tokens, tmp_path):
    header = ["System", "Systemeier", "Status", "Datasett", "Integrasjoner"]
    good = [header, ["Visma Flyt Skole", "Kari Hansen <kari@k.no>", "I drift", "Elevregister", "→ Vigilo (fint)"],
            ["Vigilo", "Ola Nordmann <ola@k.no>", "I drift", "", ""]]
    for n in range(8):
        good.append([f"System {n}", "", "I drift", "", ""])
    workbook(tmp_path / "oversikt.xlsx", {"Ark1": good})
    first = run_source(clean_store, inventory_source(), tmp_path)
    assert first.status == "succeeded" and not first.warnings
    before = counts(clean_store)
    typo = [row[:] for row in good]
    typo[1][2] = "I brk."
    typo[1][4] = "→ Vigllo (fint)"
    workbook(tmp_path / "oversikt.xlsx", {"Ark1": typo})
    second = run_source(clean_store, inventory_source(), tmp_path)
    assert (second.status, second.deleted, second.would_delete) == ("succeeded", 0, 0)
    assert second.warnings == [
        "row 2: column 'Status': 'I brk.' left empty; allowed: Planlagt, I drift, Under utfasing, Avviklet",
        "row 2: column 'Integrasjoner': 'Vigllo' is no system in the sheet or the catalog (closest: Vigilo); the "
        "integration is left out. Add a row for it, or name it in aliases:"]
    assert counts(clean_store) == before
    page = harvest_page(clean_store, tokens["admin"])
    assert "Advarsler (2)" in page and "column &#39;Status&#39;: &#39;I brk.&#39; left empty" in page
    system = clean_store.rows("MATCH (s:System {name: 'Visma Flyt Skole'}) RETURN s.lifecycle AS lifecycle")[0]
    assert system["lifecycle"] == "in-use"  # the earlier value stands; the run closes nothing of the row
    assert clean_store.rows("MATCH (:System {name: 'Visma Flyt Skole'})-[:SENDS]->(i)-[:RECEIVES]->"
                            "(:System {name: 'Vigilo'}) RETURN count(i) AS n")[0]["n"] == 1
    # Once the row is mended, what it no longer has goes as usual.
    mended = [row[:] for row in good]
    mended[1][4] = ""
    workbook(tmp_path / "oversikt.xlsx", {"Ark1": mended})
    third = run_source(clean_store, inventory_source(), tmp_path)
    # The integration is closed and kept as history, with its two edges (its interval bounds them).
    assert (third.status, third.would_delete, third.closed, third.deleted) == ("succeeded", 3, 1, 0)
    assert clean_store.rows("MATCH (:System {name: 'Visma Flyt Skole'})-[:SENDS]->(i)-[:RECEIVES]->"
                            "(:System {name: 'Vigilo'}) RETURN i.valid_to = i.closed AS closed")[0]["closed"] is True


def test_the_dry_run_of_a_run_that_would_be_held_says_so(clean_store, neo4j_server, tmp_path):
    rows = [["System"], *([f"System {n}"] for n in range(10))]
    workbook(tmp_path / "oversikt.xlsx", {"Ark1": rows})
    run_source(clean_store, inventory_source(), tmp_path)
    workbook(tmp_path / "oversikt.xlsx", {"Ark1": rows[:4]})
    dry = run_source(clean_store, inventory_source(), tmp_path, dry_run=True)
    assert (dry.status, dry.would_hold, dry.would_delete) == ("succeeded", True, 7)
    assert dry.notes == ["the real run would be held: 7 of the source's 10 facts are no longer in it, more than "
                         "its limit of 20%; confirm the cleanup to remove them"]
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: oversikt\n    connector: inventory\n    settings: {path: oversikt.xlsx}\n")
    get_settings.cache_clear()  # the CLI reads NEO4J_URI afresh
    result = CliRunner().invoke(cli, ["harvest", "oversikt", "--sources", str(tmp_path / "sources.yaml"),
                                      "--dry-run"], env={"NEO4J_URI": neo4j_server[0]})
    assert result.exit_code == 2 and "the real run would be held: 7 fact(s) would go" in result.output
    real = run_source(clean_store, inventory_source(), tmp_path)
    assert (real.status, real.would_hold, real.deleted) == ("needs-confirmation", False, 0)
    assert real.notes == ["held: 7 of the source's 10 facts are no longer in it, more than its limit of 20%; "
                          "confirm the cleanup to remove them"]


def test_a_second_source_naming_a_system_otherwise_adds_an_alias_not_a_rename(clean_store, tmp_path):
    workbook(tmp_path / "oversikt.xlsx", {"Ark1": [["System"], ["Visma InSchool"]]})
    run_source(clean_store, inventory_source(), tmp_path)
    workbook(tmp_path / "skole.xlsx", {"Ark1": [["Fagsystem"], ["Visma Inschool"]]})
    school = SourceSettings(id="skole", connector="inventory", settings={"path": "skole.xlsx"})
    for _ in range(2):
        second = run_source(clean_store, school, tmp_path)
        again = run_source(clean_store, inventory_source(), tmp_path)
        assert second.status == again.status == "succeeded"
        rows = clean_store.rows("MATCH (s:System) RETURN s.name AS name, s.aliases AS aliases")
        assert rows == [{"name": "Visma InSchool", "aliases": ["Visma Inschool"]}]
    assert second.notes == []  # told once, on the first run


def test_every_controlled_value_of_the_catalog_has_a_norwegian_word():
    from ontology import ONTOLOGY, synonyms

    props = [(node.label, p) for node in ONTOLOGY.nodes for p in node.props if p.choices]
    props += [(rel.type, p) for rel in ONTOLOGY.relationships for p in rel.props if p.choices]
    without = [f"{owner}.{p.name}: {value}" for owner, p in props for value, words in synonyms.words(p).items()
               if words == (value,)]
    assert without == []
    assert synonyms.choice(ONTOLOGY.node("System").prop("lifecycle"), "  Under\nutfasing. ") == "phasing-out"
