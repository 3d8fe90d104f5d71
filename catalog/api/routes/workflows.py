"""Keeping the catalog true: sources and their schedules, the signed-in person's tasks, owner
attestation, access review campaigns, webhooks and the notices' delivery log."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Literal, Optional

from fastapi import APIRouter, BackgroundTasks, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from catalog.api.deps import StoreDep, UserDep, permission
from catalog.errors import Forbidden
from catalog.harvest.service import new_run_id
from catalog.harvest.sources import source as configured_source
from catalog.services import attestation, notifications, reviews, scheduler
from catalog.services.reports import XLSX
from catalog.settings import get_settings
from ontology.api_models import RECORD_MODELS
from ontology.catalog import NOTICE_EVENTS, REVIEW_DECISIONS, REVIEW_SCOPES

router = APIRouter(tags=["workflows"])
AsOf = Annotated[Optional[date], Query(description="Answer as of this day (default today).")]
ReviewItem = RECORD_MODELS["ReviewItem"]
Notice = RECORD_MODELS["Notice"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Source(BaseModel):
    id: str
    connector: str
    schedule: Optional[str] = None
    next_run: Optional[str] = None
    due: bool = False
    last_started: Optional[str] = None
    last_status: Optional[str] = None


class Started(BaseModel):
    run_id: str
    source: str
    status: str


@router.get("/sources", response_model=list[Source], operation_id="list_sources", openapi_extra=permission("read"))
def list_sources(store: StoreDep) -> list[dict]:
    """Harvest sources with their schedules (cron, UTC) and last runs."""
    return [{"id": s.source.id, "connector": s.source.connector, "schedule": s.source.schedule,
             "next_run": s.next_run, "due": s.due_slot is not None, "last_started": s.last_started,
             "last_status": s.last_status} for s in scheduler.schedules(store, get_settings(), _now())]


@router.post("/sources/{source_id}/run", response_model=Started, status_code=status.HTTP_202_ACCEPTED,
             operation_id="run_source_now", openapi_extra=permission("edit_catalog"))
def run_now(source_id: str, store: StoreDep, background: BackgroundTasks) -> dict:
    """Start a run of the source now, outside its schedule (409 while one runs already)."""
    settings = get_settings()
    source, base_dir = configured_source(settings, source_id)
    release = scheduler.hold_for_hand_run(store, settings, source_id)
    run_id = new_run_id()
    background.add_task(scheduler.run_then_release, release, notifications.harvest_with_notices, store, settings,
                        source, base_dir, run_id=run_id)
    return {"run_id": run_id, "source": source_id, "status": "running"}


class Task(BaseModel):
    kind: Literal["attestation", "access-review"]
    entity_id: Optional[str] = None
    entity_name: Optional[str] = None
    entity_type: Optional[str] = None
    review_id: Optional[str] = None
    items: Optional[int] = None
    undecided: Optional[int] = None
    due: str
    overdue: bool


@router.get("/tasks", response_model=list[Task], operation_id="list_tasks", openapi_extra=permission("read"))
def list_tasks(store: StoreDep, user: UserDep, person: Annotated[Optional[str], Query(max_length=200)] = None,
               as_of: AsOf = None) -> list[dict]:
    """The signed-in person's open tasks: entries to confirm, access reviews to decide. An admin may
    name anyone (`person`)."""
    if person is not None and person != user.person_id and not user.can("admin"):
        raise Forbidden("Only an admin may see another person's tasks.")
    person_id = person or user.person_id
    if not person_id:
        return []
    day = as_of or date.today()
    settings = get_settings()
    tasks = [{"kind": "attestation", "entity_id": s.id, "entity_name": s.name, "entity_type": s.type,
              "due": s.due.isoformat(), "overdue": True}
             for s in attestation.tasks(store, person_id, day, settings.attestation_period_days)]
    per_review: dict[str, list[dict]] = {}
    for item in reviews.open_items_for(store, person_id):
        per_review.setdefault(item["review_id"], []).append(item)
    for review_id, items in per_review.items():
        undecided = sum(1 for i in items if not i.get("decision"))
        deadline = str(items[0]["deadline"])
        if undecided:
            tasks.append({"kind": "access-review", "review_id": review_id, "items": len(items), "undecided": undecided,
                          "due": deadline, "overdue": deadline < day.isoformat()})
    return tasks


class AttestationState(BaseModel):
    id: str
    name: Optional[str] = None
    type: str
    confirmed: Optional[str] = None
    due: str
    overdue: bool
    owners: list[dict]


class UnitCount(BaseModel):
    unit: Optional[str] = None
    unit_name: Optional[str] = None
    overdue: int
    entries: int


class Confirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity_ids: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=1000)


class Confirmed(BaseModel):
    entity_id: str
    confirmed: str


@router.get("/attestations", response_model=list[AttestationState], operation_id="list_attestations",
            openapi_extra=permission("read"))
def list_attestations(store: StoreDep, as_of: AsOf = None, overdue: Optional[bool] = None,
                      entity_id: Annotated[Optional[str], Query(max_length=200)] = None) -> list[dict]:
    """Every system and dataset with its last confirmation, due date and owners."""
    states = attestation.states(store, as_of or date.today(), get_settings().attestation_period_days)
    return [s.as_dict() for s in states
            if (overdue is None or s.overdue == overdue) and (entity_id is None or s.id == entity_id)]


@router.get("/attestations/by-unit", response_model=list[UnitCount], operation_id="attestations_by_unit",
            openapi_extra=permission("read"))
def attestations_by_unit(store: StoreDep, as_of: AsOf = None) -> list[dict]:
    """Overdue entries per org unit: the dashboard."""
    return attestation.overdue_by_unit(store, as_of or date.today(), get_settings().attestation_period_days)


@router.post("/attestations", response_model=list[Confirmed], status_code=status.HTTP_201_CREATED,
             operation_id="confirm_entries", openapi_extra=permission("attest"))
def confirm(body: Confirm, store: StoreDep, user: UserDep) -> list[dict]:
    """Confirm one or many entries as correct ("bekreftet korrekt")."""
    return attestation.confirm(store, user, body.entity_ids, _now(), get_settings().attestation_period_days)


class OpenReview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: Literal[REVIEW_SCOPES]
    scope_id: Optional[str] = Field(None, max_length=200, description="The resource or org unit.")
    deadline: date
    include_lineage: bool = Field(False, description="Also review who reaches copies of the datasets.")
    as_of: Optional[date] = Field(None, description="Whose access; today when left out.")


class Review(RECORD_MODELS["AccessReview"]):
    """The campaign as the ontology declares it, with its progress."""

    items: Optional[int] = None
    decided: Optional[int] = None
    progress: Optional[list[dict]] = None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal[REVIEW_DECISIONS]
    note: Optional[str] = Field(None, max_length=2000)


class Delegation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reviewer_id: str = Field(min_length=1, max_length=200)
    reviewer_name: Optional[str] = Field(None, max_length=200)


class Action(BaseModel):
    item_id: str
    source: str
    action: Optional[str] = None
    principal_id: str
    principal_name: Optional[str] = None
    resource_id: str
    resource_name: Optional[str] = None
    status: Literal["open", "done"]


@router.post("/access-reviews", response_model=Review, status_code=status.HTTP_201_CREATED,
             operation_id="open_access_review", openapi_extra=permission("review_access"))
def open_review(body: OpenReview, store: StoreDep, user: UserDep) -> dict:
    """Open a campaign: its items are the effective access in the scope now, with the paths."""
    return reviews.open_review(store, user, body.scope, body.scope_id, body.deadline, body.include_lineage,
                               body.as_of or date.today())


@router.get("/access-reviews", response_model=list[Review], operation_id="list_access_reviews",
            openapi_extra=permission("read"))
def list_reviews(store: StoreDep, status: Optional[Literal["open", "closed"]] = None) -> list[dict]:
    return reviews.list_reviews(store, status)


@router.get("/access-reviews/{review_id}", response_model=Review, operation_id="get_access_review",
            openapi_extra=permission("read"))
def get_review(review_id: str, store: StoreDep) -> dict:
    """The campaign with its progress per reviewer."""
    return reviews.summary(store, review_id)


@router.get("/access-reviews/{review_id}/items", response_model=list[ReviewItem], operation_id="list_review_items",
            openapi_extra=permission("read"))
def list_items(review_id: str, store: StoreDep, user: UserDep, mine: bool = False) -> list[dict]:
    """The items: all for auditors and admins, one's own for a reviewer."""
    return reviews.items(store, user, review_id, mine)


@router.post("/access-reviews/{review_id}/items/{item_id}/decision", response_model=ReviewItem,
             operation_id="decide_review_item", openapi_extra=permission("attest"))
def decide(review_id: str, item_id: str, body: Decision, store: StoreDep, user: UserDep) -> dict:
    """Keep or revoke, with a note (required to revoke)."""
    reviews.item_of(store, review_id, item_id)
    return reviews.decide(store, user, item_id, body.decision, body.note)


@router.post("/access-reviews/{review_id}/items/{item_id}/delegate", response_model=ReviewItem,
             operation_id="delegate_review_item", openapi_extra=permission("attest"))
def delegate(review_id: str, item_id: str, body: Delegation, store: StoreDep, user: UserDep) -> dict:
    """Hand the item to another person to decide."""
    reviews.item_of(store, review_id, item_id)
    return reviews.delegate(store, user, item_id, body.reviewer_id, body.reviewer_name)


@router.get("/access-reviews/{review_id}/actions", response_model=list[Action], operation_id="list_review_actions",
            openapi_extra=permission("read_access"))
def list_actions(review_id: str, store: StoreDep, as_of: AsOf = None) -> list[dict]:
    """Revokes as actions per source, each done once a harvest shows the access gone."""
    return reviews.actions(store, review_id, as_of or date.today())


@router.post("/access-reviews/{review_id}/close", response_model=Review, operation_id="close_access_review",
             openapi_extra=permission("review_access"))
def close_review(review_id: str, store: StoreDep, user: UserDep) -> dict:
    return reviews.close(store, user, review_id)


@router.get("/access-reviews/{review_id}/export", operation_id="export_access_review",
            openapi_extra=permission("read_access"),
            responses={200: {"content": {XLSX: {}}, "description": "The campaign as XLSX."}})
def export_review(review_id: str, store: StoreDep, as_of: AsOf = None) -> Response:
    """Items, decisions, reviewers, times and the actions per source, as XLSX."""
    body = reviews.to_xlsx(store, review_id, as_of or date.today())
    return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{review_id}.xlsx"'})


class NewWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(pattern=r"^https?://", max_length=2000)
    events: list[Literal[NOTICE_EVENTS]] = Field(default_factory=list, description="All events when empty.")


class Webhook(BaseModel):
    id: str
    url: str
    events: list[str] = []
    active: Optional[bool] = None
    created: Optional[str] = None


class CreatedWebhook(Webhook):
    secret: str = Field(description="The signature key: shown this once.")


@router.post("/webhooks", response_model=CreatedWebhook, status_code=status.HTTP_201_CREATED,
             operation_id="create_webhook", openapi_extra=permission("admin"))
def create_webhook(body: NewWebhook, store: StoreDep, user: UserDep) -> dict:
    """Notices are posted as JSON with `X-Catalog-Signature: sha256=<HMAC-SHA256 of the body>`."""
    return notifications.add_webhook(store, user.subject, body.url, list(body.events), _now())


@router.get("/webhooks", response_model=list[Webhook], operation_id="list_webhooks", openapi_extra=permission("admin"))
def list_webhooks(store: StoreDep) -> list[dict]:
    return notifications.webhooks(store)


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="delete_webhook",
               openapi_extra=permission("admin"))
def delete_webhook(webhook_id: str, store: StoreDep, user: UserDep) -> Response:
    notifications.delete_webhook(store, webhook_id, user.subject)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/notices", response_model=list[Notice], operation_id="list_notices", openapi_extra=permission("admin"))
def list_notices(store: StoreDep, recipient: Annotated[Optional[str], Query(max_length=200)] = None,
                 event: Optional[Literal[NOTICE_EVENTS]] = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict]:
    """The delivery log: every notice, its channel, attempts and state."""
    return notifications.delivery_log(store, recipient, event, limit)
