"""The report catalogue: each report's columns and how its rows are made, and CSV/XLSX output."""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from catalog.errors import InvalidInput, NotFound
from catalog.services import access, dcat, lineage
from catalog.store import entities
from catalog.store import reports as report_store
from ontology import ONTOLOGY
from ontology.catalog import DATA_PROCESSING_AGREEMENT, SPECIAL_CATEGORIES
from ontology.checks import EEA_COUNTRIES


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ReportParams:
    as_of: date
    days: int
    resource: str | None
    months: int = 12
    org_unit: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class Report:
    title: str
    description: str
    columns: tuple[str, ...]
    rows: Callable[[Any, ReportParams], list[dict[str, Any]]]
    # The query parameters that shape the answer, echoed with it.
    parameters: tuple[str, ...] = ()
    # Column headings for the spreadsheet, where a template prescribes them.
    headings: dict[str, str] | None = None


def _access_review(store, params: ReportParams) -> list[dict[str, Any]]:
    if not params.resource:
        raise InvalidInput("The access-review report needs ?resource=<id>.",
                           errors=[{"loc": ["query", "resource"], "msg": "required for access-review"}])
    result = access.who_has_access(store, params.resource, params.as_of)
    rows = []
    for reach in result.principals:
        path = reach.paths[0]
        # The grant is the last membership, role or access edge before the resource.
        grant = next(step for step in reversed(path) if step.get("relationship") in ("HAS_ACCESS", "HAS_ROLE"))
        rows.append({
            "principal_id": reach.node["id"], "principal": reach.node.get("name"), "type": reach.node["type"],
            "level": reach.level, "path": path_text(path), "granted_by": grant.get("granted_by"),
            "valid_from": grant.get("valid_from"), "valid_to": grant.get("valid_to"), "purpose": grant.get("purpose"),
            "other_paths": len(reach.paths) - 1, "reviewed": "", "keep_or_remove": "",
        })
    return rows


# How a grant to a group reaches people, as the path says it (ontology GRANT_EXPANSIONS).
EXPANSION_TEXT = {"direct": "direct members only", "transitive": "nested groups included"}


def path_text(path: list[dict[str, Any]]) -> str:
    """A path as one readable line: Kari → MEMBER_OF → Lærere → HAS_ACCESS(read, transitive) →
    InSchool; a grant names its expansion rule (EXPANSION_TEXT)."""
    parts = []
    for step in path:
        if "relationship" in step:
            detail = ", ".join(filter(None, (step.get("level") or step.get("via"),
                                             EXPANSION_TEXT.get(step.get("expansion")))))
            parts.append(f"{step['relationship']}({detail})" if detail else step["relationship"])
        else:
            parts.append(step.get("name") or step["id"])
    return " → ".join(parts)


# The record of processing activities (GDPR art. 30(1)) in the order of Datatilsynet's template
# for controllers (protokoll for behandlingsansvarlig): the mandatory columns (a)–(g) first, then
# the ones it recommends.
RECORD_OF_PROCESSING = {
    "id": "ID",
    "name": "Behandlingsaktivitet",
    "responsible_unit": "Ansvarlig enhet",
    "controller": "Behandlingsansvarlig",
    "controller_orgnr": "Organisasjonsnummer",
    "joint_controllers": "Felles behandlingsansvarlige",
    "purpose": "Formål med behandlingen",
    "data_subject_categories": "Kategorier av registrerte",
    "personal_data_categories": "Kategorier av personopplysninger",
    "recipients": "Kategorier av mottakere",
    "third_countries": "Overføring til tredjeland",
    "transfer_safeguard": "Garantier ved overføring",
    "retention": "Planlagte tidsfrister for sletting",
    "security_measures": "Tekniske og organisatoriske sikkerhetstiltak",
    "art6_basis": "Behandlingsgrunnlag (art. 6)",
    "special_categories": "Særlige kategorier (art. 9)",
    "art9_condition": "Unntak for særlige kategorier (art. 9 nr. 2)",
    "national_law": "Supplerende rettsgrunnlag",
    "automated_decisions": "Automatiserte avgjørelser eller profilering",
    "dpia_needed": "Behov for DPIA",
    "dpia_date": "DPIA gjennomført",
    "systems": "Systemer",
    "datasets": "Datasett",
    "status": "Status",
}


def _record_of_processing(store, params: ReportParams) -> list[dict[str, Any]]:
    rows = []
    for row in report_store.processing_activities(store):
        activity, controller = row["activity"], row["controller"] or {}
        categories = activity.get("personal_data_categories") or []
        rows.append({
            **{column: activity.get(column) for column in RECORD_OF_PROCESSING},
            "responsible_unit": row["responsible_unit"], "controller": controller.get("name"),
            "controller_orgnr": controller.get("orgnr"), "joint_controllers": sorted(row["joint_controllers"]),
            "special_categories": [c for c in categories if c in SPECIAL_CATEGORIES],
            "systems": sorted(row["systems"]), "datasets": sorted(row["datasets"]),
        })
    return rows


def _personal_data_outside_eea(store, params: ReportParams) -> list[dict[str, Any]]:
    return [{**row, "path": " → ".join(row["path"])}
            for row in report_store.personal_data_outside_eea(store, params.as_of, sorted(EEA_COUNTRIES))]


def _processing_without_dpa(store, params: ReportParams) -> list[dict[str, Any]]:
    rows = []
    for row in report_store.processing_without_dpa(store, params.as_of, DATA_PROCESSING_AGREEMENT):
        agreements = sorted(row.pop("agreements"), key=lambda a: (a.get("start_date") or "", a["id"]))
        rows.append({**row, "reason": "not in force on the day" if agreements else "none",
                     "agreements": [f"{a['name']} ({a.get('start_date') or '…'}–{a.get('end_date') or '…'})"
                                    for a in agreements]})
    return rows


def _agreements_ending(store, params: ReportParams) -> list[dict[str, Any]]:
    until = params.as_of + timedelta(days=params.days)
    rows = []
    for row in report_store.agreements_ending(store, params.as_of, until):
        # The notice date comes first when it falls in the window: it is the day to act.
        due = [(row[field], what) for field, what in (("notice_date", "notice"), ("end_date", "end"))
               if row[field] and params.as_of.isoformat() <= row[field] <= until.isoformat()]
        day, what = min(due)
        rows.append({**row, "systems": sorted(row["systems"]), "due": what, "due_date": day,
                     "days_left": (date.fromisoformat(day) - params.as_of).days})
    return sorted(rows, key=lambda r: (r["due_date"], r["name"], r["id"]))


def add_months(day: date, months: int) -> date:
    """The same day `months` months later (or earlier), or the month's last day where it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _risk_assessments_due(store, params: ReportParams) -> list[dict[str, Any]]:
    oldest = add_months(params.as_of, -params.months).isoformat()
    rows = []
    for row in report_store.risk_assessment_status(store):
        if row["assessment"] is None:
            reason = "none"
        elif row["next_due"] and row["next_due"] < params.as_of.isoformat():
            reason = "past next due date"
        elif row["assessed_on"] < oldest:
            reason = f"older than {params.months} months"
        else:
            continue
        rows.append({**row, "reason": reason})
    return rows


def _phase_out_impact(store, params: ReportParams) -> list[dict[str, Any]]:
    until = add_months(params.as_of, params.months)
    rows = []
    for row in report_store.phasing_out(store, params.as_of, until):
        downstream = lineage.traverse(store, row["id"], "downstream", lineage.MAX_DEPTH, params.as_of)
        reached = access.who_has_access(store, row["id"], params.as_of)
        rows.append({
            **row, "replacement_named": row["replaced_by"] is not None,
            "integrations": sorted(row["integrations"]), "datasets": sorted(row["datasets"]),
            "processing_activities": sorted(row["processing_activities"]),
            "downstream_systems": sorted(n["name"] for i, n in downstream.nodes.items()
                                         if n["type"] == "System" and i != row["id"]),
            "people_with_access": sum(1 for p in reached.principals if p.node["type"] == "Person"),
        })
    return rows


COMPLETENESS_TYPES = tuple(node for node in ONTOLOGY.nodes if node.expected)


def _completeness(store, params: ReportParams) -> list[dict[str, Any]]:
    scope = None
    if params.org_unit:
        scope = report_store.unit_scope(store, params.org_unit)
        if scope is None:
            raise NotFound(f"No org unit with id '{params.org_unit}'.")
    in_scope = set(scope["units"]) | set(scope["people"]) if scope else set()
    rows = []
    for node in COMPLETENESS_TYPES:
        items, _ = entities.list_entities(store, node.label, entities.ListQuery({}, {}, sort="id", limit=1_000_000))
        for item in items:
            owners = item.get("owners", [])
            unit = item.get("responsible_unit")
            if scope and not ({o["id"] for o in owners} | {unit}) & in_scope:
                continue
            if params.owner and params.owner not in {o["id"] for o in owners}:
                continue
            missing = [field for field in node.expected if not _has(item, field)]
            rows.append({
                "id": item["id"], "type": node.label, "name": item.get("name"),
                "owners": sorted(f"{o['name']} ({o['role']})" for o in owners
                                 if o["role"] in ("systemeier", "dataeier")),
                "missing": missing, "filled": len(node.expected) - len(missing), "expected": len(node.expected),
                "score": round(100 * (len(node.expected) - len(missing)) / len(node.expected)),
            })
    return sorted(rows, key=lambda r: (r["score"], r["type"], r["name"] or "", r["id"]))


def _has(item: dict[str, Any], field: str) -> bool:
    if field.startswith("owner:"):
        return any(o["role"] == field.removeprefix("owner:") for o in item.get("owners", []))
    return item.get(field) not in (None, "", [])


REPORTS: dict[str, Report] = {
    "systems-without-owner": Report(
        "Systems without owner", "Systems lacking a systemeier or a systemansvarlig.",
        ("id", "name", "vendor", "lifecycle", "criticality", "missing_roles"),
        lambda store, p: report_store.systems_without_owner(store, p.as_of)),
    "personal-data-without-legal-basis": Report(
        "Personal data without legal basis", "Datasets with personal data and no legal basis recorded.",
        ("id", "name", "special_categories", "held_by"),
        lambda store, p: report_store.personal_data_without_legal_basis(store)),
    "data-outside-eea": Report(
        "Data outside the EEA", "Datasets stored outside the EU/EEA, directly or as downstream copies.",
        ("id", "name", "personal_data", "how", "system_id", "system", "integration", "location", "country"),
        lambda store, p: report_store.data_outside_eea(store, p.as_of)),
    "integrations-without-owner": Report(
        "Integrations without owner", "Integrations nobody owns.",
        ("id", "name", "mechanism", "status", "source_system", "target_system"),
        lambda store, p: report_store.integrations_without_owner(store, p.as_of)),
    "stale": Report(
        "Stale facts", "Harvested facts no source has confirmed for `days` days.",
        ("kind", "id", "type", "name", "source", "last_seen"),
        lambda store, p: report_store.stale(
            store, (datetime.now(timezone.utc) - timedelta(days=p.days)).isoformat(timespec="seconds"))),
    "dcat-readiness": Report(
        "DCAT-AP-NO readiness", "Datasets lacking fields DCAT-AP-NO requires (mandatory) or recommends.",
        ("id", "name", "publish", "ready", "missing_mandatory", "missing_recommended"),
        lambda store, p: dcat.readiness_rows(store)),
    "access-review": Report(
        "Access review", "Everyone with effective access to `resource`: level, path, who granted it, since when.",
        ("principal_id", "principal", "type", "level", "path", "granted_by", "valid_from", "valid_to", "purpose",
         "other_paths", "reviewed", "keep_or_remove"),
        _access_review),
    "record-of-processing": Report(
        "Protokoll over behandlingsaktiviteter",
        "The record of processing activities (GDPR art. 30), one row per processing activity, in the columns "
        "of Datatilsynet's template.",
        tuple(RECORD_OF_PROCESSING), _record_of_processing, headings=RECORD_OF_PROCESSING),
    "processing-without-legal-basis": Report(
        "Processing without legal basis",
        "Processing activities not ended with no art. 6 basis, or with special categories and no art. 9 condition.",
        ("id", "name", "status", "responsible_unit", "art6_basis", "special_categories", "missing"),
        lambda store, p: report_store.processing_without_legal_basis(store, list(SPECIAL_CATEGORIES))),
    "personal-data-outside-eea": Report(
        "Personal data outside the EEA",
        "Systems processing personal data with a way out of the EU/EEA — storage, the vendor's or a subprocessor's "
        "country, or an integration to a system stored outside — each with the path that shows it.",
        ("system_id", "system", "how", "country", "path"), _personal_data_outside_eea, ("as_of",)),
    "processing-without-dpa": Report(
        "Processing without data processing agreement",
        "Systems processing personal data that no data processing agreement (databehandleravtale) in force on "
        "`as_of` covers.",
        ("id", "name", "vendor", "hosting", "reason", "agreements"), _processing_without_dpa, ("as_of",)),
    "agreements-ending": Report(
        "Agreements ending", "Agreements whose notice date or end date falls within `days` days of `as_of`.",
        ("id", "name", "kind", "reference", "counterpart", "due", "due_date", "days_left", "notice_date", "end_date",
         "systems"),
        _agreements_ending, ("as_of", "days")),
    "risk-assessments-due": Report(
        "Risk assessments due",
        "Systems in use and processing activities without a ROS or DPIA, past its next due date, or older than "
        "`months` months.",
        ("id", "type", "name", "reason", "assessment", "kind", "assessed_on", "next_due"),
        _risk_assessments_due, ("as_of", "months")),
    "phase-out-impact": Report(
        "Phase-out impact",
        "Systems reaching their end-of-life date within `months` months: the integrations, downstream systems, "
        "datasets, processing activities and people with access they affect, and whether a replacement is named.",
        ("id", "name", "end_of_life", "lifecycle", "replaced_by", "replacement_named", "integrations",
         "downstream_systems", "datasets", "processing_activities", "people_with_access"),
        _phase_out_impact, ("as_of", "months")),
    "completeness": Report(
        "Completeness",
        "For every system, dataset, processing activity and agreement (of `org_unit` and the units under it, "
        "and of `owner`, when given): the expected fields and relations missing, and a score.",
        ("id", "type", "name", "owners", "score", "filled", "expected", "missing"),
        _completeness, ("org_unit", "owner")),
}


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def to_csv(report: Report, rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(report.columns)
    writer.writerows([[_cell(row.get(c)) for c in report.columns] for row in rows])
    # A byte-order mark so that Excel opens Norwegian letters correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report: Report, rows: list[dict[str, Any]], subtitle: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = report.title[:31]
    sheet.append([report.title])
    sheet.append([subtitle])
    sheet.append([(report.headings or {}).get(c, c) for c in report.columns])
    for cell in sheet[1] + sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(row.get(c)) for c in report.columns])
    sheet.auto_filter.ref = f"A3:{sheet.cell(row=3, column=len(report.columns)).column_letter}{sheet.max_row}"
    sheet.freeze_panes = "A4"
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column[2:]) if sheet.max_row > 2 else 10
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 80)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
