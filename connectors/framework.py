"""The harvesting framework: every connector is fetch (all I/O) and transform (pure: source data
to ontology records); this module validates, resolves identities, loads in batches, records the
run and cleans up what the source no longer has — only after a complete, successful run, only
the source's own facts, and never more than the source's share limit without confirmation.
"""

from __future__ import annotations

import os
import time
import logging
import uuid
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from catalog.store import harvest as harvest_store
from catalog.store import history
from catalog.store.driver import Store
from catalog.store.ingest import load_nodes, load_rels, now_iso
from ontology import ONTOLOGY
from ontology.api_models import NODE_MODELS
from ontology.checks import match_keys
from ontology.records import NodeRecord, RelRecord

log = logging.getLogger("connectors.framework")

MAX_ERRORS_KEPT = 200


@dataclass(frozen=True)
class RowError:
    row: int | str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass
class Harvest:
    """What a transform returns: records for the graph, and the rows it could not use."""

    nodes: list[NodeRecord] = field(default_factory=list)
    rels: list[RelRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # What a person should look at that is not an error (an application mapped to no system).
    notes: list[str] = field(default_factory=list)


class Connector(ABC):
    name: ClassVar[str]
    Config: ClassVar[type[BaseModel]]
    # Errors worth another try: the network or the source was briefly away.
    transient_errors: ClassVar[tuple[type[Exception], ...]] = (ConnectionError, TimeoutError)

    @abstractmethod
    def fetch(self, config: Any, secrets: dict[str, str], base_dir: Path) -> Any:
        """Read the source. All I/O happens here."""

    @abstractmethod
    def transform(self, raw: Any, config: Any) -> Harvest:
        """Turn what fetch read into ontology records. Pure: no I/O."""


class SourceSettings(BaseModel):
    """One entry of sources.yaml."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    connector: str
    settings: dict[str, Any] = Field(default_factory=dict)
    # Secret name -> the environment variable holding it; values never live in the file.
    secrets: dict[str, str] = Field(default_factory=dict)
    on_error: Literal["skip", "fail"] = "skip"
    max_delete_share: float = Field(0.2, ge=0, le=1)


@dataclass(frozen=True)
class Sources:
    path: Path
    sources: dict[str, SourceSettings]

    @classmethod
    def read(cls, path: Path) -> "Sources":
        raw = yaml.safe_load(path.read_text()) or {}
        entries = [SourceSettings.model_validate(entry) for entry in raw.get("sources", [])]
        return cls(path.resolve(), {entry.id: entry for entry in entries})


class HarvestFailed(RuntimeError):
    pass


Progress = Callable[[str], None]


def connector_for(name: str) -> Connector:
    from connectors import REGISTRY

    if name not in REGISTRY:
        raise HarvestFailed(f"unknown connector '{name}'; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]()


def new_run_id() -> str:
    return f"run-{uuid.uuid4().hex[:16]}"


def run_source(store: Store, source: SourceSettings, base_dir: Path, *, dry_run: bool = False,
               allow_mass_delete: bool = False, progress: Progress = lambda stage: None,
               run_id: str | None = None) -> dict[str, Any]:
    """Run one source end to end and return its HarvestRun record."""
    run: dict[str, Any] = {"id": run_id or new_run_id(), "source": source.id, "connector": source.connector,
                           "status": "running", "dry_run": dry_run, "started": now_iso(), "errors": []}
    harvest_store.save_run(store, run)
    try:
        connector = connector_for(source.connector)
        config = connector.Config.model_validate(source.settings)
        secrets = _secrets(source)
        progress("fetch")
        raw = _with_retries(lambda: connector.fetch(config, secrets, base_dir), connector.transient_errors, progress)
        progress("transform")
        harvest = connector.transform(raw, config)
        harvest.errors += _drop_invalid(harvest)
        run["rows_skipped"] = len(harvest.errors)
        run["notes"] = harvest.notes[:MAX_ERRORS_KEPT]
        run["errors"] = [str(e) for e in harvest.errors[:MAX_ERRORS_KEPT]]
        if harvest.errors and source.on_error == "fail":
            raise HarvestFailed(f"{len(harvest.errors)} malformed row(s) and on_error is 'fail'")
        progress("resolve")
        resolve_identities(store, harvest)
        if dry_run:
            run.update(_dry_run(store, source.id, harvest))
        else:
            run.update(load_harvest(store, source.id, run["id"], harvest, progress))
            run["errors"] += run.pop("load_errors")
            progress("cleanup")
            run.update(_cleanup(store, source, run["id"], allow_mass_delete, run["diff"]))
    except Exception as error:  # any failure ends the run as failed and deletes nothing
        run["status"] = "failed"
        if isinstance(error, (HarvestFailed, ValidationError, OSError)):
            detail = str(error)
        else:
            # What an unexpected failure says (hosts, ports, file paths, a traceback) goes to the
            # log, not into the run that readers see.
            log.exception("harvest run %s of %s failed", run["id"], source.id)
            detail = f"unexpected {type(error).__name__}; the server log has the details under run {run['id']}"
        run["errors"] = [detail, *run["errors"]][:MAX_ERRORS_KEPT]
    else:
        run["status"] = run.get("status") if run.get("status") != "running" else "succeeded"
    run["finished"] = now_iso()
    harvest_store.save_run(store, {k: v for k, v in run.items() if k != "diff"})
    if not dry_run:
        history.record_run(store, run)
    return run


FETCH_ATTEMPTS = 3


def _with_retries(fetch: Callable[[], Any], transient: tuple[type[Exception], ...], progress: Progress) -> Any:
    """Fetch, trying again with backoff (1 s, then 2 s) when the error is a passing one."""
    for attempt in range(1, FETCH_ATTEMPTS + 1):
        try:
            return fetch()
        except transient:
            if attempt == FETCH_ATTEMPTS:
                raise
            progress(f"fetch failed, retry {attempt}")
            time.sleep(2 ** (attempt - 1))


def _secrets(source: SourceSettings) -> dict[str, str]:
    missing = [variable for variable in source.secrets.values() if variable not in os.environ]
    if missing:
        raise HarvestFailed(f"set the environment variable(s) {', '.join(missing)} for source '{source.id}'")
    return {name: os.environ[variable] for name, variable in source.secrets.items()}


def _drop_invalid(harvest: Harvest) -> list[RowError]:
    """Records that break the ontology (a bad choice, a wrong type) are skipped and reported; the
    rest are normalised as the API would store them (e-mail in lower case, codes in upper case)."""
    errors, kept = [], []
    for record in harvest.nodes:
        model = NODE_MODELS[record.label].patch
        props = {k: v for k, v in record.props.items() if k in model.model_fields}
        try:
            if not record.props.get("name"):
                raise ValueError("no name")
            normalised = model.model_validate(props).model_dump(mode="json", include=set(props))
        except (ValidationError, ValueError) as error:
            reason = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors()) if isinstance(error, ValidationError) else str(error)
            errors.append(RowError(record.id, f"{record.label} {reason}"))
            continue
        kept.append(NodeRecord(record.label, record.id, {**record.props, **normalised}))
    harvest.nodes = kept
    return errors


def resolve_identities(store: Store, harvest: Harvest) -> None:
    """Give records the id of the node they already are, by the ontology's matching rules; then
    rewrite edges (and dataset ids made from a system's id) to follow."""
    renamed: dict[str, str] = {}
    by_label: dict[str, list[NodeRecord]] = defaultdict(list)
    for record in harvest.nodes:
        by_label[record.label].append(record)
    for label, records in by_label.items():
        for prop in ONTOLOGY.node(label).match_on:
            values = {}
            for record in records:
                if record.id in renamed:
                    continue
                value = _match_value(label, prop, record)
                for v in value if isinstance(value, list) else [value]:
                    if v:
                        values[v] = record.id
            for value, existing in harvest_store.matches(store, label, prop, sorted(values)).items():
                if values[value] != existing:
                    renamed.setdefault(values[value], existing)
    for record in harvest.nodes:
        if record.label == "Dataset":
            system, dot, rest = record.id.partition(".")
            if dot and system in renamed:
                renamed[record.id] = f"{renamed[system]}.{rest}"
    if not renamed:
        return
    merged: dict[tuple[str, str], NodeRecord] = {}
    for record in harvest.nodes:
        key = (record.label, renamed.get(record.id, record.id))
        earlier = merged.get(key)
        merged[key] = NodeRecord(record.label, key[1], {**(earlier.props if earlier else {}), **record.props})
    harvest.nodes = list(merged.values())
    harvest.rels = list({r.id: r for r in (
        RelRecord(r.type, renamed.get(r.source_id, r.source_id), renamed.get(r.target_id, r.target_id), r.props)
        for r in harvest.rels)}.values())


def _match_value(label: str, prop: str, record: NodeRecord) -> Any:
    """The record's value for a matching rule, normalised as the store keeps it."""
    if prop == "match_keys":
        return match_keys(record.props)
    value = record.props.get(prop)
    check = next(p.check for p in ONTOLOGY.all_props(ONTOLOGY.node(label)) if p.name == prop)
    return check(value) if check and isinstance(value, str) else value


def _grouped(harvest: Harvest) -> tuple[dict[str, list[NodeRecord]], dict[str, list[RelRecord]]]:
    nodes: dict[str, list[NodeRecord]] = defaultdict(list)
    rels: dict[str, list[RelRecord]] = defaultdict(list)
    for record in harvest.nodes:
        nodes[record.label].append(record)
    for rel in harvest.rels:
        rels[rel.type].append(rel)
    return nodes, rels


def _dry_run(store: Store, source: str, harvest: Harvest) -> dict[str, Any]:
    nodes, rels = _grouped(harvest)
    diff: dict[str, dict[str, int]] = {}
    for label, records in nodes.items():
        diff[label] = harvest_store.diff_nodes(store, label, records)
    for rel_type, records in rels.items():
        diff[rel_type] = harvest_store.diff_rels(store, rel_type, records)
    keep = [r.id for r in harvest.nodes] + [r.id for r in harvest.rels]
    for fact_type, counts in harvest_store.claimed(store, source, keep_ids=keep).items():
        diff.setdefault(fact_type, {"created": 0, "updated": 0, "unchanged": 0})["would_delete"] = counts["gone"]
    for counts in diff.values():
        counts.setdefault("would_delete", 0)
    totals = {k: sum(c.get(k, 0) for c in diff.values()) for k in ("created", "updated", "unchanged", "would_delete")}
    return {**totals, "deleted": 0, "diff": diff}


def load_harvest(store: Store, source: str, run_id: str, harvest: Harvest,
                 progress: Progress = lambda stage: None) -> dict[str, Any]:
    """Load a harvest's records in batches; returns counts in total and per type, and conflicts."""
    nodes, rels = _grouped(harvest)
    diff: dict[str, dict[str, int]] = {}
    conflicts: list[dict] = []
    skipped = 0
    params = {"source": source, "actor": f"harvest:{source}", "run_id": run_id}
    for fact_type, records in [*nodes.items(), *rels.items()]:
        progress(f"load {fact_type}")
        loader = load_nodes if fact_type in nodes else load_rels
        counts = loader(store, fact_type, records, **params)
        diff[fact_type] = {"created": counts.created, "updated": counts.updated,
                           "unchanged": counts.written - counts.created - counts.updated}
        conflicts += counts.conflicts
        skipped += counts.skipped
    if conflicts:
        harvest_store.record_conflicts(store, source, run_id, conflicts)
    totals = {k: sum(c[k] for c in diff.values()) for k in ("created", "updated", "unchanged")}
    errors = [f"{skipped} relationship(s) named a node that does not exist"] if skipped else []
    return {**totals, "diff": diff, "conflicts": len(conflicts), "load_errors": errors}


def _cleanup(store: Store, source: SourceSettings, run_id: str, allow_mass_delete: bool,
             diff: dict[str, dict[str, int]]) -> dict[str, Any]:
    claims = harvest_store.claimed(store, source.id, run_id=run_id)
    for fact_type, counts in claims.items():
        diff.setdefault(fact_type, {"created": 0, "updated": 0, "unchanged": 0})["would_delete"] = counts["gone"]
    total = sum(c["total"] for c in claims.values())
    gone = sum(c["gone"] for c in claims.values())
    if total and gone / total > source.max_delete_share and not allow_mass_delete:
        return {"status": "needs-confirmation", "would_delete": gone, "deleted": 0}
    return {"would_delete": gone, "deleted": harvest_store.remove_stale(store, source.id, run_id)}
