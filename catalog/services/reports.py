"""The report catalogue: each report's columns and how its rows are made, and CSV/XLSX output."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from catalog.errors import InvalidInput
from catalog.services import access, dcat
from catalog.store import reports as report_store


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ReportParams:
    as_of: date
    days: int
    resource: str | None


@dataclass(frozen=True)
class Report:
    title: str
    description: str
    columns: tuple[str, ...]
    rows: Callable[[Any, ReportParams], list[dict[str, Any]]]


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


def path_text(path: list[dict[str, Any]]) -> str:
    """A path as one readable line: Kari → MEMBER_OF → Lærere → HAS_ACCESS(read) → InSchool."""
    parts = []
    for step in path:
        if "relationship" in step:
            detail = step.get("level") or step.get("via")
            parts.append(f"{step['relationship']}({detail})" if detail else step["relationship"])
        else:
            parts.append(step.get("name") or step["id"])
    return " → ".join(parts)


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
    sheet.append(list(report.columns))
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
