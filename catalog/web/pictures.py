"""The dependency picture (lineage and impact) and the access pages. The server renders the
tables — the pictures' accessible twins, readable without JavaScript — and the picture draws the
same nodes and edges from JSON on this page's own address."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Optional

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from catalog.errors import InvalidInput
from catalog.services import access, lineage, reports
from catalog.web.core import View, page
from catalog.web.pages import UserDep, csv_file, node_of, xlsx_file
from ontology import ONTOLOGY

router = APIRouter(include_in_schema=False)
Direction = Literal["upstream", "downstream", "both"]
Depth = Annotated[int, Query(ge=1, le=lineage.MAX_DEPTH)]
ACCESS_PAGE = 50
EDGE_COLUMNS = ["source", "source_name", "target", "target_name", "type", "mechanism", "kind", "via", "via_name"]


def picture(store, node_id: str, direction: str, depth: int, as_of: date) -> dict[str, Any]:
    """The lineage answer, each edge named at both ends (and with the mechanism of its integration)."""
    graph = lineage.graph(store, node_id, direction, depth, as_of)
    names = {n["id"]: n["name"] for n in graph["nodes"]}
    for edge in graph["edges"]:
        edge.update(source_name=names.get(edge["source"]), target_name=names.get(edge["target"]))
    return graph


def lineage_page(type_path: str):
    node = node_of(type_path)

    def handler(request: Request, user: UserDep, entity_id: str, direction: Direction = "both", depth: Depth = 1,
                as_of: Optional[date] = None, format: Literal["html", "json", "csv"] = "html") -> Response:
        view, day = View(request, user), as_of or date.today()
        graph = picture(view.store, entity_id, direction, depth, day)
        if format == "json":
            return Response(orjson.dumps(graph), media_type="application/json")
        if format == "csv":
            return csv_file(EDGE_COLUMNS, graph["edges"], f"lineage-{entity_id}-{day.isoformat()}")
        impact = lineage.impact(view.store, entity_id, day)
        if not user.can("read_personal"):
            for item in impact["items"]:
                item["notify"] = [{k: v for k, v in n.items() if k != "email"} for n in item["notify"]]
        return view.render("lineage.html", node=node, graph=graph, impact=impact, direction=direction, depth=depth,
                           as_of=day, entity_id=entity_id, max_depth=lineage.MAX_DEPTH)

    return handler


def _chain(path: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A path as steps to read: each node, and between nodes what links them."""
    steps = []
    for step in path:
        if "relationship" in step:
            rel = next((r for r in ONTOLOGY.relationships if r.type == step["relationship"]), None)
            steps.append({"link": True, **step, "nb": rel.nb if rel else ""})
        else:
            steps.append({"link": False, **step})
    return steps


def _access_rows(result) -> list[dict[str, Any]]:
    return [{"principal_id": p.node["id"], "principal": p.node.get("name"), "type": p.node["type"], "level": p.level,
             "enabled": p.node.get("enabled") is not False, "paths": len(p.paths), "path": reports.path_text(p.paths[0])}
            for p in result.principals]


def access_page(type_path: str):
    node = node_of(type_path)

    def handler(request: Request, user: UserDep, entity_id: str, include_lineage: bool = False,
                include_disabled: bool = False, as_of: Optional[date] = None,
                offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                format: Literal["html", "xlsx"] = "html") -> Response:
        view, day = View(request, user), as_of or date.today()
        if format == "xlsx":
            result = access.who_has_access(view.store, entity_id, day, include_lineage, None, include_disabled, 0, 100_000)
            rows = _access_rows(result)
            subtitle = f"{result.resource.get('name')} ({entity_id}), as of {day.isoformat()}" + \
                       (", including copies" if include_lineage else "")
            return xlsx_file("Who has access", list(rows[0]) if rows else ["principal_id", "principal", "type", "level"],
                             rows, subtitle, f"access-{entity_id}-{day.isoformat()}")
        result = access.who_has_access(view.store, entity_id, day, include_lineage, None, include_disabled, offset,
                                       ACCESS_PAGE)
        principals = [{**p.as_dict(), "chains": [_chain(path) for path in p.paths]} for p in result.principals]
        return view.render("access.html", node=node, result=result, principals=principals, entity_id=entity_id,
                           include_lineage=include_lineage, include_disabled=include_disabled, as_of=day,
                           offset=offset, limit=ACCESS_PAGE)

    return handler


def reach_page(type_path: str):
    node = node_of(type_path)

    def handler(request: Request, user: UserDep, entity_id: str, include_disabled: bool = False,
                as_of: Optional[date] = None) -> Response:
        view, day = View(request, user), as_of or date.today()
        principal, reached, truncated = access.what_can_reach(view.store, entity_id, day, include_disabled)
        resources = [{**r.as_dict(), "chains": [_chain(path) for path in r.paths]} for r in reached]
        return view.render("reach.html", node=node, principal=principal, resources=resources, truncated=truncated,
                           include_disabled=include_disabled, as_of=day, entity_id=entity_id)

    return handler


@router.get("/access/path", openapi_extra=page("read_access"))
def path_finder(request: Request, user: UserDep, principal: Annotated[Optional[str], Query(alias="from", max_length=200)] = None,
                resource: Annotated[Optional[str], Query(alias="to", max_length=200)] = None,
                as_of: Optional[date] = None) -> Response:
    view, day = View(request, user), as_of or date.today()
    found = None
    if principal and resource:
        try:
            source, target, reach = access.paths_between(view.store, principal, resource, day)
            found = {"principal": source, "resource": target, "level": reach.level if reach else None,
                     "chains": [_chain(path) for path in reach.paths] if reach else []}
        except InvalidInput as error:
            found = {"error": error.detail}
    return view.render("path.html", principal=principal or "", resource=resource or "", as_of=day, found=found)


def add_routes() -> None:
    for node in ONTOLOGY.nodes:
        if node.label in ("System", "Dataset", "FintComponent"):
            router.add_api_route(f"/{node.path}/{{entity_id}}/lineage", lineage_page(node.path), methods=["GET"],
                                 openapi_extra=page("read"))
        if node.label in access.RESOURCE_TYPES:
            router.add_api_route(f"/{node.path}/{{entity_id}}/access", access_page(node.path), methods=["GET"],
                                 openapi_extra=page("read_access"))
        if node.label in access.PRINCIPAL_TYPES:
            router.add_api_route(f"/{node.path}/{{entity_id}}/reach", reach_page(node.path), methods=["GET"],
                                 openapi_extra=page("read_access"))


add_routes()
