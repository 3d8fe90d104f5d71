"""The governance register from spreadsheets: the record of processing activities (XLSX, with a
column renamed by configuration) and the agreement list (CSV), with identity resolution, row
errors and manual-wins like every connector."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

from catalog.harvest.service import run_source
from catalog.harvest.sources import SourceSettings
from tests.factory import create

PROCESSING_HEADER = ["Behandling", "Ansvarlig enhet", "Behandlingsansvarlig", "Organisasjonsnummer", "Hvorfor",
                     "Kategorier av registrerte", "Kategorier av personopplysninger", "Overføring til tredjeland",
                     "Garantier", "Behandlingsgrunnlag", "Unntak art. 9", "Systemer", "Status", "DPIA gjennomført"]
AGREEMENT_HEADER = ["Avtale", "Avtalenummer", "Avtaletype", "Leverandør", "Org.nr.", "Land", "Startdato", "Sluttdato",
                    "Oppsigelsesfrist", "Systemer", "Underdatabehandlere"]


def write_processing(path: Path, rows: list[list]) -> None:
    book = Workbook()
    book.active.append(PROCESSING_HEADER)
    for row in rows:
        book.active.append(row)
    book.save(path)


def write_agreements(path: Path, rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(AGREEMENT_HEADER)
        writer.writerows(rows)


PROCESSING = SourceSettings(id="protokoll", connector="register", settings={
    "holds": "processing-activities", "path": "protokoll.xlsx", "columns": {"purpose": "Hvorfor"},
    "aliases": {"InSchool": "Visma InSchool"}})
AGREEMENTS = SourceSettings(id="avtaler", connector="register", settings={"holds": "agreements", "path": "avtaler.csv"})


def test_record_of_processing_from_a_spreadsheet(clean_store, session_client, tmp_path):
    api = session_client
    inschool = create(api, "System", name="Visma InSchool")
    write_processing(tmp_path / "protokoll.xlsx", [
        ["Elevadministrasjon", "Opplæring", "Eksempel fylkeskommune", "921000006", "Føre elevregister.",
         "Elever; Foresatte", "Navn; Fødselsnummer; Helse", "USA", "Standardkontrakt", "Art. 6 nr. 1 bokstav e",
         "Art. 9 nr. 2 bokstav g", "InSchool", "Gjeldende", "15.03.2026"],
        ["Nyhetsbrev", "", "", "", "Sende nyhetsbrev.", "Innbyggere", "Kontaktinformasjon", "", "", "Samtykke", "",
         "", "Utkast", ""],
        ["Feil rad", "", "", "", "", "Elever", "Skostørrelse", "", "", "", "", "", "", ""],
    ])
    run = run_source(clean_store, PROCESSING, tmp_path)
    assert run.status == "succeeded" and run.errors == [
        "row 4: Personopplysninger 'Skostørrelse' is not one of: " + run.errors[0].split(": ", 2)[2]]
    activities = {a["name"]: a for a in api.get("/api/v1/processing-activities").json()["items"]}
    assert set(activities) == {"Elevadministrasjon", "Nyhetsbrev"}  # the bad row left nothing behind
    elev = activities["Elevadministrasjon"]
    assert {k: elev[k] for k in ("purpose", "art6_basis", "art9_condition", "data_subject_categories",
                                 "personal_data_categories", "third_countries", "transfer_safeguard", "status",
                                 "dpia_date", "dpia_done", "systems", "controller")} == {
        "purpose": "Føre elevregister.", "art6_basis": "public-task", "art9_condition": "substantial-public-interest",
        "data_subject_categories": ["pupils", "guardians"],
        "personal_data_categories": ["identifying", "national-id", "health"], "third_countries": ["US"],
        "transfer_safeguard": "standard-contractual-clauses", "status": "in-effect", "dpia_date": "2026-03-15",
        "dpia_done": True, "systems": [inschool["id"]], "controller": "org-921000006"}
    assert elev["source"] == "protokoll"
    assert activities["Nyhetsbrev"]["art6_basis"] == "consent"

    # A person's correction stands; the sheet's value is kept as a conflict.
    api.patch(f"/api/v1/processing-activities/{elev['id']}", json={"purpose": "Føre elevregister og fravær."})
    again = run_source(clean_store, PROCESSING, tmp_path)
    assert again.conflicts == 1 and again.created == 0
    assert api.get(f"/api/v1/processing-activities/{elev['id']}").json()["purpose"] == "Føre elevregister og fravær."


def test_agreement_list_from_csv(clean_store, session_client, tmp_path):
    api = session_client
    zoom = create(api, "System", name="Zoom")
    vendor = api.post("/api/v1/organizations", json={"name": "Zoom Video Communications", "orgnr": "921000170"}).json()
    write_agreements(tmp_path / "avtaler.csv", [
        ["Databehandleravtale Zoom", "2020/0316", "DBA", "Zoom Video Communications", "921000170", "USA",
         "15.03.2020", "2027-03-14", "14.12.2026", "Zoom", "Amazon Web Services EMEA (LU, 921000146); Zendesk (US)"],
        ["Lisens uten dato", "2019/0222", "Lisens", "Esri Norge", "", "", "i fjor", "", "", "", ""],
    ])
    run = run_source(clean_store, AGREEMENTS, tmp_path)
    assert run.status == "succeeded"
    assert run.errors == ["row 3: Startdato 'i fjor' is not a date (write 2027-01-31 or 31.01.2027)"]
    assert run.notes == ["row 2: Zendesk has no organisasjonsnummer; link it in the catalog"]
    [agreement] = api.get("/api/v1/agreements").json()["items"]
    assert {k: agreement[k] for k in ("name", "kind", "reference", "start_date", "end_date", "notice_date",
                                      "counterpart", "systems", "subprocessors")} == {
        "name": "Databehandleravtale Zoom", "kind": "databehandleravtale", "reference": "2020/0316",
        "start_date": "2020-03-15", "end_date": "2027-03-14", "notice_date": "2026-12-14",
        "counterpart": vendor["id"], "systems": [zoom["id"]], "subprocessors": ["org-921000146"]}
    # The vendor is the one the catalog knew, found by its organisation number; its country is added.
    assert api.get(f"/api/v1/organizations/{vendor['id']}").json()["country"] == "US"
    assert api.get("/api/v1/organizations/org-921000146").json()["country"] == "LU"


def test_the_register_reads_spreadsheets_as_the_inventory_does(tmp_path):
    """A title row above the header, Windows-1252, a line break in a cell, bracketed remarks in
    headers, Norwegian values with a stray dot, and a total row: the one spreadsheet reading."""
    from connectors.register import RegisterConfig, RegisterConnector

    with (tmp_path / "protokoll.csv").open("w", newline="", encoding="cp1252") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Behandlingsprotokoll for Eksempel kommune"])
        writer.writerow([])
        writer.writerow(["Behandling", "Formål\n(kort)", "Kategorier av registrerte", "Behandlingsgrunnlag (art. 6)",
                         "Status"])
        writer.writerow(["Skyss for elever", "Planlegge skoleskyss;\nvarsle foresatte", "Elever; Foresatte",
                         "Allmennhetens interesse.", "Gjeldende"])
        writer.writerow(["Sum: 1"])
    connector = RegisterConnector()
    config = RegisterConfig.model_validate({"holds": "processing-activities", "path": "protokoll.csv"})
    harvest = connector.transform(connector.fetch(config, {}, tmp_path), config)
    [activity] = [r.props for r in harvest.nodes if r.label == "ProcessingActivity"]
    assert activity == {"name": "Skyss for elever", "purpose": "Planlegge skoleskyss;\nvarsle foresatte",
                        "data_subject_categories": ["pupils", "guardians"], "art6_basis": "public-task",
                        "status": "in-effect"}
    assert [str(w) for w in harvest.warnings] == ["row 5: a total ('Sum: 1'), skipped"]
    assert harvest.notes == ["read sheet 'protokoll.csv' with the header on row 3",
                             "1 row(s) skipped as headings or totals"]
