"""Harvest runs and conflicts, starting a harvest, and receiving OpenLineage events."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from fastapi import APIRouter, BackgroundTasks, Body, Query, status
from pydantic import BaseModel, Discriminator, Tag

from catalog.api.deps import MAX_OFFSET, StoreDep, UserDep, permission
from catalog.errors import InvalidInput
from catalog.harvest import runs, service, sources
from catalog.services import redaction, scheduler
from catalog.settings import get_settings
from connectors.contract import HarvestFailed
from connectors.openlineage import DatasetEvent, JobEvent, RunEvent
from ontology.api_models import RECORD_MODELS, Page

router = APIRouter(tags=["harvest"])


HarvestRun = RECORD_MODELS["HarvestRun"]
Conflict = RECORD_MODELS["Conflict"]


class SourceInfo(BaseModel):
    id: str
    connector: str
    on_error: str
    max_delete_share: float


class Started(BaseModel):
    run_id: str
    source: str
    status: str


class LineageAccepted(BaseModel):
    source: str
    run_id: str
    created: int
    updated: int
    unchanged: int
    # Records the ontology refused, with the reasons; the rest were loaded.
    rows_skipped: int
    errors: list[str]


def _event_kind(body: Any) -> str:
    if isinstance(body, dict):
        return "run" if "run" in body else "dataset" if "dataset" in body else "job"
    return "run" if isinstance(body, RunEvent) else "dataset" if isinstance(body, DatasetEvent) else "job"


OpenLineageEvent = Annotated[
    Union[Annotated[RunEvent, Tag("run")], Annotated[JobEvent, Tag("job")], Annotated[DatasetEvent, Tag("dataset")]],
    Discriminator(_event_kind),
]


@router.get("/harvest/sources", response_model=list[SourceInfo], operation_id="list_harvest_sources",
            openapi_extra=permission("read"))
def list_sources() -> list[dict]:
    return [s.model_dump() for s in sources.configured_sources(get_settings()).sources.values()]


@router.get("/harvest/runs", response_model=Page[HarvestRun], operation_id="list_harvest_runs",
            openapi_extra=permission("read"))
def list_runs(store: StoreDep, source: Optional[str] = None,
              status: Optional[Literal["running", "succeeded", "failed", "needs-confirmation"]] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict:
    return runs.list_runs(store, source, status, limit, offset)


@router.get("/harvest/runs/{run_id}", response_model=HarvestRun, operation_id="get_harvest_run", openapi_extra=permission("read"))
def get_run(run_id: str, store: StoreDep) -> dict:
    return runs.get_run(store, run_id)


@router.get("/harvest/conflicts", response_model=Page[Conflict], operation_id="list_harvest_conflicts",
            openapi_extra=permission("read"))
def list_conflicts(store: StoreDep, user: UserDep, source: Optional[str] = None, entity_id: Optional[str] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50,
                   offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict:
    """Values a source disagrees with; those of personal fields and of edges only for the roles
    that may read them."""
    page = runs.list_conflicts(store, source, entity_id, limit, offset)
    return {**page, "items": redaction.conflicts(user, page["items"])}


@router.post("/harvest/{source_id}", response_model=Started, status_code=status.HTTP_202_ACCEPTED,
             operation_id="start_harvest", openapi_extra=permission("edit_catalog"))
def start_harvest(source_id: str, store: StoreDep, background: BackgroundTasks, dry_run: bool = False,
                  allow_mass_delete: bool = False) -> dict:
    """Starts a run; 409 while one of the source runs already, here or in another API instance."""
    settings = get_settings()
    source, base_dir = sources.source(settings, source_id)
    release = scheduler.hold_for_hand_run(store, settings, source_id)
    run_id = service.new_run_id()
    background.add_task(scheduler.run_then_release, release, service.run_source, store, source, base_dir,
                        dry_run=dry_run, allow_mass_delete=allow_mass_delete, run_id=run_id)
    return {"run_id": run_id, "source": source_id, "status": "running"}


@router.post("/lineage", response_model=LineageAccepted, status_code=status.HTTP_201_CREATED,
             operation_id="receive_openlineage_event", openapi_extra=permission("edit_catalog"))
def receive_event(store: StoreDep, event: Annotated[OpenLineageEvent, Body()]) -> dict:
    """Accepts an OpenLineage RunEvent, JobEvent or DatasetEvent, as sent by the HTTP transport."""
    source = sources.openlineage_source(get_settings())
    # A run's events (START, then COMPLETE) update one harvest run.
    run_id = f"ol-{event.run.runId}" if isinstance(event, RunEvent) else None
    try:
        run = service.receive_events(store, source, [event], run_id)
    except HarvestFailed as refused:  # the event's records disagree among themselves; nothing is written
        raise InvalidInput(str(refused), errors=[{"loc": ["body"], "msg": str(refused)}]) from None
    return {"run_id": run.id, **run.model_dump(include={"source", "created", "updated", "unchanged",
                                                          "rows_skipped", "errors"})}
