"""Access review campaigns: the effective access in a scope at the start, one item per principal
and resource with the path that explains it, decided keep or revoke by the resource's systemeier
(or a delegate). Revokes become actions per source — the catalog writes to no directory — and
each action is done once a later harvest shows the access gone."""

from __future__ import annotations

import io
import uuid
from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from catalog.errors import Forbidden, InvalidInput, NotFound
from catalog.security import User
from catalog.services import access
from catalog.services.reports import path_text
from catalog.store import workflows as workflow_store

# What a revoke asks of the source that holds the principal's first edge on the path.
_ACTIONS = {
    "MEMBER_OF": "remove {principal} from the group {target}",
    "HAS_ROLE": "take the role {target} from {principal}",
    "HAS_ACCESS": "remove the grant of {target} to {principal}",
}


def _now(now: datetime | None) -> str:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")


def open_review(store, user: User, scope: str, scope_id: str | None, deadline: date, include_lineage: bool,
                as_of: date, now: datetime | None = None) -> dict[str, Any]:
    if scope != "personal-data" and not scope_id:
        raise InvalidInput(f"A review of scope '{scope}' needs scope_id.",
                           errors=[{"loc": ["body", "scope_id"], "msg": f"required for scope {scope}"}])
    if deadline < as_of:
        raise InvalidInput("The deadline is before the review starts.",
                           errors=[{"loc": ["body", "deadline"], "msg": "before as_of"}])
    resources = workflow_store.resources_in_scope(store, scope, scope_id, as_of)
    if scope != "personal-data" and not resources:
        raise NotFound(f"Nothing to review in '{scope_id}' (a resource, or an org unit owning systems).")
    review_id = f"review-{uuid.uuid4().hex[:12]}"
    reviewers = workflow_store.reviewers(store, [r["id"] for r in resources], as_of)
    items = []
    for resource in resources:
        answer = access.who_has_access(store, resource["id"], as_of, include_lineage=include_lineage)
        reviewer = reviewers.get(resource["id"]) or {}
        for reach in answer.principals:
            path = reach.paths[0]
            first_edge = path[1] if len(path) > 1 else {}
            items.append({
                "id": f"item-{uuid.uuid4().hex[:16]}", "review_id": review_id,
                "principal_id": reach.node["id"], "principal_name": reach.node.get("name"),
                "principal_type": reach.node["type"], "resource_id": resource["id"],
                "resource_name": resource["name"], "level": reach.level, "path": path_text(path),
                "via_edge": first_edge.get("id"), "via_relationship": first_edge.get("relationship"),
                "via_target": path[2].get("name") if len(path) > 2 else None,
                "reviewer_id": reviewer.get("id"), "reviewer_name": reviewer.get("name"),
            })
    sources = workflow_store.edge_sources(store, [i["via_edge"] for i in items if i["via_edge"]])
    for item in items:
        item["via_source"] = sources.get(item["via_edge"], "manual")
    review = {"id": review_id, "scope": scope, "scope_id": scope_id, "deadline": deadline.isoformat(),
              "include_lineage": include_lineage, "status": "open", "opened_by": user.subject,
              "opened_at": _now(now), "as_of": as_of.isoformat()}
    stored = [{k: v for k, v in item.items() if k not in ("via_relationship", "via_target")} |
              {"action": _action_text(item)} for item in items]
    workflow_store.save_review(store, review, stored, user.subject)
    return {**review, "items": len(items)}


def _action_text(item: dict[str, Any]) -> str | None:
    template = _ACTIONS.get(item.get("via_relationship") or "")
    return template.format(principal=item["principal_name"], target=item["via_target"]) if template else None


def review(store, review_id: str) -> dict[str, Any]:
    found = workflow_store.get_review(store, review_id)
    if found is None:
        raise NotFound(f"No access review '{review_id}'.")
    return found


def list_reviews(store, status: str | None) -> list[dict[str, Any]]:
    return workflow_store.list_reviews(store, status)


def open_items_for(store, person_id: str) -> list[dict[str, Any]]:
    """The items of open campaigns the person is to decide."""
    return workflow_store.review_items(store, reviewer_id=person_id, open_reviews_only=True)


def item_of(store, review_id: str, item_id: str) -> dict[str, Any]:
    item = workflow_store.get_item(store, item_id)
    if item is None or item["review_id"] != review_id:
        raise NotFound(f"No item '{item_id}' in access review '{review_id}'.")
    return item


def progress(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per reviewer: items, decided, kept, revoked."""
    per: dict[tuple, dict[str, int]] = defaultdict(lambda: {"items": 0, "decided": 0, "keep": 0, "revoke": 0})
    for item in items:
        counts = per[(item.get("reviewer_id"), item.get("reviewer_name"))]
        counts["items"] += 1
        if item.get("decision"):
            counts["decided"] += 1
            counts[item["decision"]] += 1
    return [{"reviewer_id": rid, "reviewer_name": name, **counts} for (rid, name), counts in sorted(per.items(), key=lambda kv: str(kv[0][1]))]


def summary(store, review_id: str) -> dict[str, Any]:
    found = review(store, review_id)
    items = workflow_store.review_items(store, review_id)
    return {**found, "items": len(items), "decided": sum(1 for i in items if i.get("decision")),
            "progress": progress(items)}


def items(store, user: User, review_id: str, mine: bool = False) -> list[dict[str, Any]]:
    review(store, review_id)
    if mine or not user.can("read_access"):
        if not user.person_id:
            raise Forbidden("Only the reviewers see their items; this sign-in is no catalog person.")
        return workflow_store.review_items(store, review_id, reviewer_id=user.person_id)
    return workflow_store.review_items(store, review_id)


def _may_decide(user: User, item: dict[str, Any]) -> None:
    if user.can("admin"):
        return
    if not user.person_id or item.get("reviewer_id") != user.person_id:
        raise Forbidden(f"Item '{item['id']}' is for {item.get('reviewer_name') or 'another reviewer'} to decide.")


def decide(store, user: User, item_id: str, decision: str, note: str | None, now: datetime | None = None) -> dict[str, Any]:
    item = workflow_store.get_item(store, item_id)
    if item is None:
        raise NotFound(f"No review item '{item_id}'.")
    _may_decide(user, item)
    if decision == "revoke" and not (note or "").strip():
        raise InvalidInput("Say why the access is to be revoked.", errors=[{"loc": ["body", "note"], "msg": "required for revoke"}])
    changed = workflow_store.update_item(store, item_id, {"decision": decision, "note": note, "decided_by": user.subject,
                                                          "decided_at": _now(now)}, user.subject)
    if changed is None:
        raise InvalidInput(f"The review of item '{item_id}' is closed.", errors=[{"loc": ["path", "item_id"], "msg": "review closed"}])
    return changed


def delegate(store, user: User, item_id: str, reviewer_id: str, reviewer_name: str | None) -> dict[str, Any]:
    item = workflow_store.get_item(store, item_id)
    if item is None:
        raise NotFound(f"No review item '{item_id}'.")
    _may_decide(user, item)
    changed = workflow_store.update_item(store, item_id, {"reviewer_id": reviewer_id, "reviewer_name": reviewer_name},
                                         user.subject)
    if changed is None:
        raise InvalidInput(f"The review of item '{item_id}' is closed.", errors=[{"loc": ["path", "item_id"], "msg": "review closed"}])
    return changed


def actions(store, review_id: str, as_of: date) -> list[dict[str, Any]]:
    """Every revoke as an action for the source that holds the edge, with whether the access is
    gone as of the day (after the source's next harvest)."""
    review(store, review_id)
    answer = []
    for item in workflow_store.review_items(store, review_id):
        if item.get("decision") != "revoke":
            continue
        _, _, still = access.paths_between(store, item["principal_id"], item["resource_id"], as_of)
        answer.append({"item_id": item["id"], "source": item.get("via_source") or "manual", "action": item.get("action"),
                       "principal_id": item["principal_id"], "principal_name": item.get("principal_name"),
                       "resource_id": item["resource_id"], "resource_name": item.get("resource_name"),
                       "status": "open" if still is not None else "done"})
    return sorted(answer, key=lambda a: (a["source"], a["status"], str(a["principal_name"])))


def close(store, user: User, review_id: str, now: datetime | None = None) -> dict[str, Any]:
    review(store, review_id)
    closed = workflow_store.close_review(store, review_id, user.subject, _now(now))
    if closed is None:
        raise InvalidInput(f"The review '{review_id}' is closed already.", errors=[{"loc": ["path", "review_id"], "msg": "closed"}])
    return closed


ITEM_COLUMNS = ("principal_name", "principal_type", "principal_id", "resource_name", "resource_id", "level", "path",
                "reviewer_name", "decision", "note", "decided_by", "decided_at", "via_source", "action")
ACTION_COLUMNS = ("source", "action", "principal_name", "resource_name", "status")


def to_xlsx(store, review_id: str, as_of: date) -> bytes:
    """The campaign as a workbook: a summary, the items with their decisions, the actions per source."""
    found = summary(store, review_id)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sammendrag"
    for key in ("id", "scope", "scope_id", "as_of", "deadline", "status", "opened_by", "opened_at", "closed_by",
                "closed_at", "items", "decided"):
        sheet.append([key, found.get(key)])
    sheet.append([])
    sheet.append(["reviewer", "items", "decided", "keep", "revoke"])
    for row in found["progress"]:
        sheet.append([row["reviewer_name"], row["items"], row["decided"], row["keep"], row["revoke"]])
    for title, columns, rows in (("Punkter", ITEM_COLUMNS, workflow_store.review_items(store, review_id)),
                                 ("Tiltak", ACTION_COLUMNS, actions(store, review_id, as_of))):
        sheet = workbook.create_sheet(title)
        sheet.append(list(columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
