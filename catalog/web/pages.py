"""The reading pages: start, lists, entity pages, reports and harvests. Each route is thin: it
asks the services and renders one template; each view's state lives in its URL."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from typing import Annotated, Any, Optional

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from catalog.errors import NotFound
from catalog.security import User, edit_permission
from catalog.harvest import runs as harvest_runs
from catalog.harvest.service import run_source
from catalog.harvest.sources import configured_sources, source
from catalog.services import access, attestation, conflicts, entities, entries, reports, scheduler, search
from catalog.settings import get_settings
from catalog.web.core import NODE_BY_PATH, View, page, web_user
from ontology import ONTOLOGY, NodeType
from ontology.catalog import ACCESS_LEVELS, ATTESTED

router = APIRouter(include_in_schema=False)
UserDep = Annotated[User, Depends(web_user)]
PAGE_SIZE = 50
CSV_LIMIT = 10_000
XLSX = reports.XLSX


def node_of(type_path: str) -> NodeType:
    node = NODE_BY_PATH.get(type_path)
    if node is None:
        raise NotFound(f"No page '/{type_path}/'.")
    return node


def shown(user: User, node: NodeType, entity: dict[str, Any]) -> dict[str, Any]:
    """The API's rule: personal details only for roles that may see them."""
    if user.can("read_personal"):
        return entity
    personal = {p.name for p in node.props if p.personal}
    return {k: v for k, v in entity.items() if k not in personal}


def visible_props(user: User, node: NodeType):
    return [p for p in ONTOLOGY.all_props(node) if not (p.personal and not user.can("read_personal"))]


def csv_file(columns: list[str], rows: list[dict[str, Any]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["; ".join(map(str, v)) if isinstance(v, list) else v for v in (row.get(c) for c in columns)])
    return Response(("\ufeff" + buffer.getvalue()).encode(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


def xlsx_file(title: str, columns: list[str], rows: list[dict[str, Any]], subtitle: str, filename: str) -> Response:
    sheet = reports.Report(title, "", tuple(columns), lambda store, params: rows)
    return Response(reports.to_xlsx(sheet, rows, subtitle), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'})


@router.get("/", openapi_extra=page("read"))
def start(request: Request, user: UserDep, q: Annotated[Optional[str], Query(max_length=200)] = None,
          type: Optional[str] = None) -> Response:
    view = View(request, user)
    hits, facets = [], {}
    if q and q.strip():
        found = search.search(view.store, q, None, 100)
        for hit in found:
            facets[hit["hit"]["type"]] = facets.get(hit["hit"]["type"], 0) + 1
        hits = [h for h in found if not type or h["hit"]["type"] == type]
    mine = entries.my_entries(view.store, user.person_id) if user.person_id else []
    runs = harvest_runs.list_runs(view.store, None, None, 5, 0)["items"]
    return view.render("start.html", q=q or "", type=type, hits=hits, facets=facets,
                       counts=entries.counts(view.store), mine=mine, runs=runs)


@router.get("/pick/{label}", openapi_extra=page("read"))
def pick(request: Request, user: UserDep, label: str) -> Response:
    """Options for a reference picker: the entries of that type whose names match what was typed."""
    typed = next((v for k, v in request.query_params.items()), "")
    text = typed.split(",")[-1].strip()
    labels = [label] if label in {n.label for n in ONTOLOGY.nodes} else []
    hits = [h["hit"] for target in labels for h in search.search(View(request, user).store, text, target, 20)] if text else []
    return View(request, user).render("pick.html", hits=hits)


def _list_filters(node: NodeType, request: Request) -> tuple[dict[str, Any], dict[str, str]]:
    filters, ref_filters = {}, {}
    for prop in ONTOLOGY.all_props(node):
        raw = request.query_params.get(prop.name)
        if raw in (None, "") or prop.name in ("name", "description"):
            continue
        filters[prop.name] = raw == "true" if prop.kind == "bool" else int(raw) if prop.kind == "int" and raw.isdigit() else raw
    for ref in node.refs:
        if request.query_params.get(ref.field):
            ref_filters[ref.field] = request.query_params[ref.field]
    return filters, ref_filters


def filter_props(node: NodeType):
    """The properties a list can be narrowed by: controlled values, yes/no, and indexed text."""
    return [p for p in ONTOLOGY.all_props(node)
            if (p.choices or p.kind == "bool" or p.indexed) and p.name != "name" and not p.personal and p.kind != "list"]


def list_columns(user: User, node: NodeType) -> list[str]:
    wanted = [p.name for p in visible_props(user, node) if p.name != "description" and p.kind != "list"]
    return ["name", *[c for c in wanted if c != "name"][:6]]


def list_page(type_path: str):
    node = node_of(type_path)
    sortable = [p.name for p in ONTOLOGY.all_props(node) if p.kind != "list"] + ["id", "last_seen"]

    def handler(request: Request, user: UserDep, q: Annotated[Optional[str], Query(max_length=200)] = None,
                sort: str = "name", order: str = "asc", offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                format: str = "html") -> Response:
        view = View(request, user)
        sort = sort if sort in sortable else "name"
        filters, ref_filters = _list_filters(node, request)
        limit = CSV_LIMIT if format == "csv" else PAGE_SIZE
        items, total = entities.list_entities(view.store, node.label, entities.ListQuery(
            filters, ref_filters, q or None, sort, order == "desc", limit, 0 if format == "csv" else offset))
        items = [shown(user, node, item) for item in items]
        if format == "csv":
            columns = ["id", *[p.name for p in visible_props(user, node)], *[r.field for r in node.refs]]
            return csv_file(columns, items, f"{node.path}-{date.today().isoformat()}")
        return view.render("list.html", node=node, items=items, total=total, offset=offset, limit=PAGE_SIZE,
                           sort=sort, order=order, q=q or "", filters=filter_props(node),
                           columns=list_columns(user, node), may_create=view.can("edit_catalog"),
                           coded={p.name for p in ONTOLOGY.all_props(node) if p.choices})

    return handler


def entity_page(type_path: str):
    node = node_of(type_path)

    def handler(request: Request, user: UserDep, entity_id: str, as_of: Optional[date] = None) -> Response:
        view = View(request, user)
        day = as_of or date.today()
        entity = shown(user, node, entities.get_entity(view.store, node.label, entity_id, day))
        ref_ids = [i for r in node.refs for i in (entity.get(r.field) or [] if r.many else [entity.get(r.field)]) if i]
        names = entries.summaries(view.store, ref_ids)
        access_summary = None
        if node.label in access.RESOURCE_TYPES and user.can("read_access"):
            result = access.who_has_access(view.store, entity_id, day, False, None, False, 0, 1000)
            access_summary = {level: sum(1 for p in result.principals if p.level == level) for level in ACCESS_LEVELS}
        history = entries.changes(view.store, entity_id, 20) if user.can("history") else None
        confirmation = attestation.state_of(view.store, entity_id, date.today(), get_settings().attestation_period_days) \
            if node.label in ATTESTED else None
        owners_by_role: dict[str, list[dict[str, Any]]] = {}
        for owner in entity.get("owners", []):
            owners_by_role.setdefault(owner["role"], []).append(owner)
        return view.render("entity.html", node=node, entity=entity, names=names, props=visible_props(user, node),
                           reverse=[(r.reverse, entity.get(r.reverse) or []) for _, r in ONTOLOGY.referrers(node.label)
                                    if r.reverse],
                           owners_by_role=owners_by_role, access_summary=access_summary, history=history,
                           conflicts=entries.conflicts(view.store, entity_id),
                           manual=set(entity.get("manual_fields") or []),
                           may_edit=view.can(edit_permission(node.label), entity_id),
                           has_lineage=node.label in ("System", "Dataset", "FintComponent"),
                           has_access=node.label in access.RESOURCE_TYPES and user.can("read_access"),
                           has_reach=node.label in access.PRINCIPAL_TYPES and user.can("read_access"),
                           missing=entries.missing(entity), confirmation=confirmation,
                           may_confirm=confirmation is not None and attestation.may_confirm(user, confirmation))

    return handler


for _node in ONTOLOGY.nodes:
    router.add_api_route(f"/{_node.path}/", list_page(_node.path), methods=["GET"], openapi_extra=page("read"),
                         name=f"list_{_node.label}")


@router.get("/reports/", openapi_extra=page("read"))
def report_list(request: Request, user: UserDep) -> Response:
    return View(request, user).render("reports.html", reports=reports.REPORTS)


@router.get("/reports/access-review", openapi_extra=page("read_access"))
def access_review(request: Request, user: UserDep, resource: Annotated[Optional[str], Query(max_length=200)] = None,
                  as_of: Optional[date] = None, format: str = "html") -> Response:
    return _report(request, user, "access-review", as_of, 30, resource, format)


@router.get("/reports/{name}", openapi_extra=page("read"))
def report(request: Request, user: UserDep, name: str, as_of: Optional[date] = None,
           days: Annotated[int, Query(ge=1, le=3650)] = 30, format: str = "html") -> Response:
    if name not in reports.REPORTS or name == "access-review":
        raise NotFound(f"No report named '{name}'.")
    return _report(request, user, name, as_of, days, None, format)


def _report(request: Request, user: User, name: str, as_of: date | None, days: int, resource: str | None,
            format: str) -> Response:
    view, chosen, day = View(request, user), reports.REPORTS[name], as_of or date.today()
    rows = chosen.rows(view.store, reports.ReportParams(day, days, resource)) if resource or name != "access-review" else []
    filename = f"{name}-{day.isoformat()}"
    if format == "csv":
        return Response(reports.to_csv(chosen, rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
    if format == "xlsx":
        generated = datetime.now(timezone.utc).isoformat(timespec="seconds")
        subtitle = f"As of {day.isoformat()}, generated {generated}" + (f", resource {resource}" if resource else "")
        return Response(reports.to_xlsx(chosen, rows, subtitle), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'})
    if format == "print":
        # One section per row, every column a labelled field: a protocol to print or save as PDF.
        made = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return view.render("report-print.html", report=chosen, rows=rows, as_of=day, made=made)
    return view.render("report.html", name=name, report=chosen, rows=rows, as_of=day, days=days, resource=resource or "")


@router.get("/harvest/", openapi_extra=page("read"))
def harvest(request: Request, user: UserDep, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> Response:
    view = View(request, user)
    runs = harvest_runs.list_runs(view.store, None, None, PAGE_SIZE, offset)
    open_conflicts = harvest_runs.list_conflicts(view.store, None, None, 100, 0)
    try:
        sources = list(configured_sources(get_settings()).sources.values())
    except (OSError, ValueError):
        sources = []
    return view.render("harvest.html", runs=runs["items"], total=runs["total"], offset=offset, limit=PAGE_SIZE,
                       sources=sources, conflicts=open_conflicts["items"], conflict_total=open_conflicts["total"],
                       names=entries.summaries(view.store, [c["entity_id"] for c in open_conflicts["items"]]),
                       may_confirm=view.can("admin"), may_resolve=view.can("edit_catalog"))


@router.post("/harvest/runs/{run_id}/confirm", openapi_extra=page("admin"))
def confirm_run(request: Request, user: UserDep, run_id: str, background: BackgroundTasks) -> Response:
    run = harvest_runs.get_run(request.app.state.store, run_id)
    if run.get("status") != "needs-confirmation":
        raise NotFound(f"Run '{run_id}' is not waiting for confirmation.")
    settings = get_settings()
    entry, base_dir = source(settings, run["source"])
    # The same source again, this time allowed its large cleanup, under the source's lease as any
    # run started by hand.
    release = scheduler.hold_for_hand_run(request.app.state.store, settings, run["source"])
    background.add_task(scheduler.run_then_release, release, run_source, request.app.state.store, entry, base_dir,
                        allow_mass_delete=True)
    return RedirectResponse("/harvest/", status_code=303)


@router.post("/harvest/conflicts/{conflict_id}/take-source", openapi_extra=page("edit_catalog"))
def take_source(request: Request, user: UserDep, conflict_id: str) -> Response:
    conflicts.take_source_value(request.app.state.store, conflict_id, user.subject)
    return RedirectResponse("/harvest/#conflicts", status_code=303)


@router.post("/harvest/conflicts/{conflict_id}/keep-manual", openapi_extra=page("edit_catalog"))
def keep_manual(request: Request, user: UserDep, conflict_id: str) -> Response:
    conflicts.keep_manual_value(request.app.state.store, conflict_id)
    return RedirectResponse("/harvest/#conflicts", status_code=303)


for _node in ONTOLOGY.nodes:
    router.add_api_route(f"/{_node.path}/{{entity_id}}", entity_page(_node.path), methods=["GET"],
                         openapi_extra=page("read"), name=f"entity_{_node.label}")
