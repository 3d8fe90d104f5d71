"""Creating and editing entries through forms built from the ontology. The form's values are
checked by the API's own models, and written by the same service, so a page shows the API's
messages beside the fields; a stale edit (412) shows what the other person changed."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from catalog.errors import CatalogError, PreconditionFailed
from catalog.security import edit_permission
from catalog.services import entities
from catalog.web.core import View, page
from catalog.web.pages import UserDep, node_of
from ontology import ONTOLOGY, NodeType
from ontology.api_models import NODE_MODELS

router = APIRouter(include_in_schema=False)


def editable_fields(node: NodeType) -> list[dict[str, Any]]:
    """One form field per writable property and ref, with the widget its kind calls for."""
    fields = []
    for prop in ONTOLOGY.all_props(node):
        if prop.derive is not None:
            continue
        widget = ("select" if prop.choices else "yesno" if prop.kind == "bool" else "lines" if prop.kind == "list"
                  else "textarea" if prop.name == "description" else prop.kind)
        fields.append({"name": prop.name, "widget": widget, "choices": prop.choices or (), "required": prop.required,
                       "personal": prop.personal, "help": prop.description})
    for ref in node.refs:
        fields.append({"name": ref.field, "widget": "picker", "many": ref.many, "targets": ref.targets,
                       "required": ref.required, "personal": False, "help": ref.description})
    return fields


def form_values(entity: dict[str, Any], fields: list[dict[str, Any]]) -> dict[str, str]:
    """An entry's values as the form shows them (lists one per line, many refs comma-separated)."""
    values = {}
    for field in fields:
        value = entity.get(field["name"])
        if value is None:
            values[field["name"]] = ""
        elif field["widget"] == "lines":
            values[field["name"]] = "\n".join(map(str, value))
        elif field["widget"] == "picker" and field["many"]:
            values[field["name"]] = ", ".join(value)
        elif field["widget"] == "yesno":
            values[field["name"]] = "true" if value else "false"
        else:
            values[field["name"]] = str(value)
    return values


def parsed(raw: dict[str, str], fields: list[dict[str, Any]]) -> dict[str, Any]:
    """Form text to the values the API takes; an empty field means no value."""
    data: dict[str, Any] = {}
    for field in fields:
        text = raw.get(field["name"], "").strip()
        if field["widget"] == "lines":
            data[field["name"]] = [line.strip() for line in text.splitlines() if line.strip()] or None
        elif field["widget"] == "picker" and field["many"]:
            data[field["name"]] = [part.strip() for part in text.split(",") if part.strip()]
        elif field["widget"] == "yesno":
            data[field["name"]] = {"true": True, "false": False}.get(text)
        else:
            data[field["name"]] = text or None
    return data


def field_errors(error: ValidationError | CatalogError) -> dict[str, str]:
    if isinstance(error, ValidationError):
        return {str(e["loc"][0]) if e["loc"] else "": e["msg"] for e in error.errors()}
    found = {str(e["loc"][-1]): e["msg"] for e in error.extra.get("errors", []) if e.get("loc")}
    return found or {"": error.detail}


def _form(view: View, node: NodeType, entity: dict[str, Any] | None, values: dict[str, str], *, status_code: int = 200,
          errors: dict[str, str] | None = None, original: str = "", version: Any = None,
          theirs: list[dict[str, Any]] | None = None) -> Response:
    fields = [f for f in editable_fields(node) if not (f["personal"] and not view.user.can("read_personal"))]
    return view.render("form.html", status_code=status_code, node=node, entity=entity, fields=fields, values=values,
                       errors=errors or {}, original=original, version=version, theirs=theirs or [])


def _submitted(request_form, fields: list[dict[str, Any]]) -> dict[str, str]:
    return {f["name"]: str(request_form.get(f["name"], "")) for f in fields}


def new_page(type_path: str):
    node = node_of(type_path)

    async def handler(request: Request, user: UserDep) -> Response:
        view = View(request, user)
        fields = editable_fields(node)
        if request.method == "GET":
            return _form(view, node, None, {f["name"]: request.query_params.get(f["name"], "") for f in fields})
        values = _submitted(await request.form(), fields)
        try:
            body = NODE_MODELS[node.label].create.model_validate(
                {k: v for k, v in parsed(values, fields).items() if v not in (None, [])})
            created = entities.create_entity(view.store, node.label, body.model_dump(mode="json", exclude_none=True),
                                             user.subject)
        except (ValidationError, CatalogError) as error:
            if isinstance(error, CatalogError) and error.status in (401, 403, 404):
                raise
            return _form(view, node, None, values, status_code=422, errors=field_errors(error))
        return RedirectResponse(f"/{node.path}/{created['id']}", status_code=303)

    return handler


def edit_page(type_path: str):
    node = node_of(type_path)

    async def handler(request: Request, user: UserDep, entity_id: str) -> Response:
        view = View(request, user)
        fields = [f for f in editable_fields(node) if not (f["personal"] and not user.can("read_personal"))]
        current = entities.get_entity(view.store, node.label, entity_id)
        if request.method == "GET":
            values = form_values(current, fields)
            return _form(view, node, current, values, original=json.dumps(values), version=current.get("version"))
        form = await request.form()
        values, original = _submitted(form, fields), str(form.get("original", "{}"))
        version = int(form["version"]) if str(form.get("version", "")).isdigit() else None
        try:
            started_from = json.loads(original)
        except ValueError:
            started_from = {}
        # Only what the person changed is sent: a field they left alone keeps whatever it has now.
        changed = {k: v for k, v in values.items() if started_from.get(k, "") != v} if started_from else values
        try:
            body = NODE_MODELS[node.label].patch.model_validate(parsed(changed, [f for f in fields if f["name"] in changed]))
            entities.update_entity(view.store, node.label, entity_id, body.model_dump(mode="json", include=set(changed)),
                                   replace=False, actor=user.subject, expected_version=version)
        except PreconditionFailed:
            # The form comes back holding the current version with the person's own changes on
            # top, so saving it again reapplies exactly those.
            now = form_values(current, fields)
            theirs = [{"name": k, "before": started_from.get(k, ""), "now": now.get(k, ""),
                       "yours": changed.get(k, started_from.get(k, ""))}
                      for k in now if started_from.get(k, "") != now.get(k, "")]
            return _form(view, node, current, {**now, **changed}, status_code=412, original=json.dumps(now),
                         version=current.get("version"), theirs=theirs)
        except (ValidationError, CatalogError) as error:
            if isinstance(error, CatalogError) and error.status in (401, 403, 404):
                raise
            return _form(view, node, current, values, status_code=422, errors=field_errors(error), original=original,
                         version=version)
        return RedirectResponse(f"/{node.path}/{entity_id}", status_code=303)

    return handler


def add_routes() -> None:
    for node in ONTOLOGY.nodes:
        router.add_api_route(f"/{node.path}/new", new_page(node.path), methods=["GET", "POST"],
                             openapi_extra=page("edit_catalog"))
        router.add_api_route(f"/{node.path}/{{entity_id}}/edit", edit_page(node.path), methods=["GET", "POST"],
                             openapi_extra=page(edit_permission(node.label)))


add_routes()
