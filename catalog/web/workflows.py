"""Pages that keep the catalog true: a person's tasks (entries to confirm, access to review), the
attestation dashboard, and access review campaigns with their items, decisions and export."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Optional

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from catalog.services import attestation, reviews
from catalog.settings import get_settings
from catalog.web.auth import safe_next
from catalog.web.core import View, page
from catalog.web.pages import XLSX, UserDep
from ontology.catalog import REVIEW_DECISIONS, REVIEW_SCOPES

router = APIRouter(include_in_schema=False)


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/tasks", openapi_extra=page("read"))
def tasks(request: Request, user: UserDep) -> Response:
    """Mine oppgaver: entries to confirm (many at once) and the reviews waiting for a decision."""
    view = View(request, user)
    period = get_settings().attestation_period_days
    to_confirm = attestation.tasks(view.store, user.person_id, date.today(), period) if user.person_id else []
    waiting: dict[str, dict] = {}
    for item in reviews.open_items_for(view.store, user.person_id) if user.person_id else []:
        entry = waiting.setdefault(item["review_id"], {"id": item["review_id"], "deadline": item["deadline"],
                                                       "items": 0, "undecided": 0})
        entry["items"] += 1
        entry["undecided"] += not item.get("decision")
    return view.render("tasks.html", to_confirm=to_confirm, waiting=list(waiting.values()),
                       may_confirm=user.can("attest"))


@router.post("/tasks/confirm", openapi_extra=page("attest"))
async def confirm(request: Request, user: UserDep) -> Response:
    """Confirm the ticked entries (or the one whose button was pressed) as correct."""
    form = await request.form()
    chosen = [str(v) for v in form.getlist("entity_id")]
    attestation.confirm(request.app.state.store, user, chosen, datetime.now(timezone.utc),
                        get_settings().attestation_period_days)
    return _back(safe_next(str(form.get("next") or "/tasks")))


@router.get("/attestations", openapi_extra=page("read"))
def dashboard(request: Request, user: UserDep) -> Response:
    """Overdue confirmations per org unit."""
    view = View(request, user)
    period = get_settings().attestation_period_days
    return view.render("attestations.html", units=attestation.overdue_by_unit(view.store, date.today(), period),
                       period=period)


@router.get("/access-reviews/", openapi_extra=page("read"))
def campaigns(request: Request, user: UserDep) -> Response:
    view = View(request, user)
    return view.render("reviews.html", reviews=reviews.list_reviews(view.store, None), scopes=REVIEW_SCOPES,
                       may_open=user.can("review_access"), today=date.today().isoformat())


@router.post("/access-reviews/", openapi_extra=page("review_access"))
def open_campaign(request: Request, user: UserDep, scope: Annotated[str, Form()], deadline: Annotated[date, Form()],
                  scope_id: Annotated[Optional[str], Form()] = None,
                  include_lineage: Annotated[bool, Form()] = False) -> Response:
    opened = reviews.open_review(request.app.state.store, user, scope, scope_id or None, deadline, include_lineage,
                                 date.today())
    return _back(f"/access-reviews/{opened['id']}")


@router.get("/access-reviews/{review_id}", openapi_extra=page("read"))
def campaign(request: Request, user: UserDep, review_id: str,
             mine: Annotated[bool, Query()] = False) -> Response:
    """A campaign: progress per reviewer, the items (all for auditors, one's own for a reviewer)
    with keep and revoke, and the actions per source."""
    view = View(request, user)
    summary = reviews.summary(view.store, review_id)
    items = reviews.items(view.store, user, review_id, mine or not user.can("read_access"))
    actions = reviews.actions(view.store, review_id, date.today()) if user.can("read_access") else []
    return view.render("review.html", review=summary, items=items, actions=actions, decisions=REVIEW_DECISIONS,
                       may_close=user.can("review_access") and summary["status"] == "open")


@router.post("/access-reviews/{review_id}/items/{item_id}", openapi_extra=page("attest"))
def decide(request: Request, user: UserDep, review_id: str, item_id: str, decision: Annotated[str, Form()],
           note: Annotated[Optional[str], Form()] = None) -> Response:
    store = request.app.state.store
    reviews.item_of(store, review_id, item_id)
    reviews.decide(store, user, item_id, decision, note)
    return _back(f"/access-reviews/{review_id}#item-{item_id}")


@router.post("/access-reviews/{review_id}/close", openapi_extra=page("review_access"))
def close(request: Request, user: UserDep, review_id: str) -> Response:
    reviews.close(request.app.state.store, user, review_id)
    return _back(f"/access-reviews/{review_id}")


@router.get("/access-reviews/{review_id}/export", openapi_extra=page("read_access"))
def export(request: Request, user: UserDep, review_id: str) -> Response:
    body = reviews.to_xlsx(request.app.state.store, review_id, date.today())
    return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{review_id}.xlsx"'})
