"""The harvesting service: every connector is fetch (all I/O) and transform (pure: source data
to ontology records); this module validates, resolves identities, loads in batches, records the
run and cleans up what the source no longer has — only after a complete, successful run, only
the source's own facts, and never more than the source's share limit without confirmation.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections import defaultdict
from datetime import date
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from catalog.harvest.names import keep_known_names
from catalog.harvest.sources import SourceSettings
from catalog.store import harvest as harvest_store
from catalog.store import history
from catalog.store.driver import Store
from catalog.store.ingest import load_nodes, load_rels, now_iso
from connectors import REGISTRY
from connectors.contract import Connector, Harvest, HarvestFailed, RowError
from ontology import ONTOLOGY
from ontology.api_models import EDGE_PROPS, NODE_MODELS
from ontology.checks import match_keys
from ontology.records import NodeRecord, RelRecord

log = logging.getLogger("catalog.harvest")

MAX_ERRORS_KEPT = 200
_RUN = next(node for node in ONTOLOGY.operational if node.label == "HarvestRun")
RunStatus = Literal[_RUN.prop("status").choices]  # type: ignore[valid-type]


def new_run_id() -> str:
    return f"run-{uuid.uuid4().hex[:16]}"


class HarvestRun(BaseModel):
    """One run, carried through the stages and kept as the ontology's HarvestRun record; `diff`
    (the counts per type) is shown to whoever started the run, not stored."""

    model_config = ConfigDict(validate_assignment=True)
    id: str = Field(default_factory=new_run_id)
    source: str
    connector: str
    status: RunStatus = "running"
    dry_run: bool = False
    started: str = Field(default_factory=now_iso)
    finished: str | None = None
    observed_at: str = Field(default_factory=lambda: date.today().isoformat())
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    closed: int = 0
    would_delete: int = 0
    rows_skipped: int = 0
    conflicts: int = 0
    errors: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    would_hold: bool = False
    diff: dict[str, dict[str, int]] = Field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """The run as the store keeps it."""
        return self.model_dump(exclude={"diff"})


Progress = Callable[[str], None]


def connector_for(name: str) -> Connector:
    if name not in REGISTRY:
        raise HarvestFailed(f"unknown connector '{name}'; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]()


def run_source(store: Store, source: SourceSettings, base_dir: Path, *, dry_run: bool = False,
               allow_mass_delete: bool = False, progress: Progress = lambda stage: None,
               run_id: str | None = None, observed_at: date | None = None) -> HarvestRun:
    """Run one source end to end: fetch and transform, validate, resolve identities, load (or
    compare, for a dry run), record, clean up. `observed_at`: the day the source stood as it is
    read (an old export's date, for a backfill); facts start and close on that day."""
    run = HarvestRun(id=run_id or new_run_id(), source=source.id, connector=source.connector, dry_run=dry_run)
    if observed_at is not None:
        run.observed_at = observed_at.isoformat()
    harvest_store.save_run(store, run.record())
    try:
        if not dry_run:
            _in_date_order(store, run)
        harvest = _fetch(source, base_dir, progress)
        validate(run, harvest)
        deduplicate(harvest)
        if harvest.errors and source.on_error == "fail":
            raise HarvestFailed(f"{len(harvest.errors)} malformed row(s) and on_error is 'fail'")
        progress("resolve")
        resolve_with_references(store, harvest)
        run.warnings = _kept([str(w) for w in harvest.warnings])
        run.notes = [*run.notes, *keep_known_names(store, source.id, harvest)]
        if dry_run:
            _compare(store, source, run, harvest)
        else:
            held_before = harvest_store.claimed(store, run.source, keep_ids=[])
            load(store, run, harvest, progress=progress)
            progress("cleanup")
            _cleanup(store, source, run, harvest, allow_mass_delete, held_before)
    except Exception as error:  # any failure ends the run as failed and deletes nothing
        _failed(run, error)
    else:
        run.status = run.status if run.status != "running" else "succeeded"
    _record(store, run)
    return run


ABANDONED = ("abandoned: the run never recorded how it ended (Neo4j or the process running it stopped); "
             "marked failed when the source's next run started")


def abandon_unfinished(store: Store, source_id: str) -> list[str]:
    """End as failed the source's runs that stayed "running" because whatever ran them stopped
    before it could record the outcome; a run that never recorded how it ended closed nothing.
    Call it holding the source's harvest lease, so that no run of the source is going on.
    Returns the ids of the runs so ended."""
    runs = harvest_store.abandon_unfinished(store, source_id, now_iso(), ABANDONED, MAX_ERRORS_KEPT)
    for run in runs:
        log.warning("harvest run %s of %s never finished; marked failed", run["id"], source_id)
    return [run["id"] for run in runs]


def receive(store: Store, source: SourceSettings, harvest: Harvest, run_id: str | None = None) -> HarvestRun:
    """Records a source pushed to the catalog (OpenLineage events): validate, resolve identities,
    load and record. Nothing is cleaned up: a push tells what happened, not all there is."""
    run = HarvestRun(id=run_id or new_run_id(), source=source.id, connector=source.connector)
    validate(run, harvest)
    deduplicate(harvest)
    resolve_identities(store, harvest)
    load(store, run, harvest)
    run.status = "succeeded"
    _record(store, run)
    return run


def receive_events(store: Store, source: SourceSettings, events: list[Any], run_id: str | None = None) -> HarvestRun:
    """Events pushed to the catalog, transformed by the source's connector, then received."""
    connector = connector_for(source.connector)
    harvest = connector.transform(events, connector.Config.model_validate(source.settings))
    return receive(store, source, harvest, run_id)


def _in_date_order(store: Store, run: HarvestRun) -> None:
    """A source's runs are applied in the order of the days they observed: an older one would
    close and open facts behind the back of those already applied."""
    latest = harvest_store.latest_observed(store, run.source)
    if latest is not None and run.observed_at < latest:
        raise HarvestFailed(f"source '{run.source}' has a run applied as of {latest}; a run observed at "
                            f"{run.observed_at} is older and is refused: apply a source's runs in date order")


def _fetch(source: SourceSettings, base_dir: Path, progress: Progress) -> Harvest:
    connector = connector_for(source.connector)
    config = connector.Config.model_validate(source.settings)
    secrets = _secrets(source)
    progress("fetch")
    raw = _with_retries(lambda: connector.fetch(config, secrets, base_dir), connector.transient_errors, progress)
    progress("transform")
    return connector.transform(raw, config)


def validate(run: HarvestRun, harvest: Harvest) -> None:
    """Drops what breaks the ontology and notes it on the run with the connector's own row errors."""
    harvest.errors += _drop_invalid(harvest)
    run.rows_skipped = len(harvest.errors)
    run.notes = _kept(harvest.notes)
    run.errors = _kept([str(e) for e in harvest.errors])
    run.warnings = _kept([str(w) for w in harvest.warnings])


def _kept(messages: list[str]) -> list[str]:
    """The first MAX_ERRORS_KEPT messages, and how many more there were."""
    if len(messages) <= MAX_ERRORS_KEPT:
        return messages
    return [*messages[:MAX_ERRORS_KEPT], f"… and {len(messages) - MAX_ERRORS_KEPT} more"]


def _failed(run: HarvestRun, error: Exception) -> None:
    run.status = "failed"
    if isinstance(error, (HarvestFailed, ValidationError, OSError)):
        detail = str(error)
    else:
        # What an unexpected failure says (hosts, ports, file paths, a traceback) goes to the log,
        # not into the run that readers see.
        log.exception("harvest run %s of %s failed", run.id, run.source)
        detail = f"unexpected {type(error).__name__}; the server log has the details under run {run.id}"
    run.errors = [detail, *run.errors][:MAX_ERRORS_KEPT]


def _record(store: Store, run: HarvestRun) -> None:
    run.finished = now_iso()
    harvest_store.save_run(store, run.record())
    if not run.dry_run:
        history.record_run(store, run.record())


FETCH_ATTEMPTS = 3


def _with_retries(fetch: Callable[[], Any], transient: tuple[type[Exception], ...], progress: Progress) -> Any:
    """Fetch, trying again with backoff (1 s, then 2 s) when the error is a passing one."""
    retrying = Retrying(retry=retry_if_exception_type(transient), stop=stop_after_attempt(FETCH_ATTEMPTS),
                        wait=wait_exponential(multiplier=1, max=2), reraise=True,
                        before_sleep=lambda state: progress(f"fetch failed, retry {state.attempt_number}"))
    return retrying(fetch)


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
            errors.append(RowError(record.id, f"{record.label} {_reason(error)}"))
            continue
        kept.append(NodeRecord(record.label, record.id, {**record.props, **normalised}))
    kept_rels = []
    for rel in harvest.rels:
        model = EDGE_PROPS[rel.type]
        props = {k: v for k, v in rel.props.items() if k in model.model_fields}
        try:
            normalised = model.model_validate(props).model_dump(mode="json", include=set(props))
        except ValidationError as error:
            errors.append(RowError(f"{rel.source_id} → {rel.target_id}", f"{rel.type} {_reason(error)}"))
            continue
        kept_rels.append(RelRecord(rel.type, rel.source_id, rel.target_id, {**rel.props, **normalised}))
    harvest.nodes, harvest.rels = kept, kept_rels
    return errors


def deduplicate(harvest: Harvest) -> None:
    """One record per fact, so that the run counts facts, not rows (a department named on 2,760
    users is one org unit). Records of one run that share an id must agree: two that disagree
    are refused, naming both, and the run fails before it writes anything."""
    nodes: dict[str, NodeRecord] = {}
    for record in harvest.nodes:
        earlier = nodes.get(record.id)
        if earlier is not None and earlier.label != record.label:
            raise HarvestFailed(f"two records share the id '{record.id}' but are a {earlier.label} "
                                f"('{earlier.props.get('name')}') and a {record.label} ('{record.props.get('name')}')")
        nodes[record.id] = _agreeing(earlier, record, f"two {record.label} records share the id '{record.id}'")
    rels: dict[str, RelRecord] = {}
    for rel in harvest.rels:
        rels[rel.id] = _agreeing(rels.get(rel.id), rel, f"two {rel.type} records from '{rel.source_id}' to "
                                                        f"'{rel.target_id}' share the id '{rel.id}'")
    harvest.nodes, harvest.rels = list(nodes.values()), list(rels.values())


def _agreeing(earlier: Any, record: Any, what: str, identifying: tuple[str, ...] | None = None) -> Any:
    """The record with the earlier one's properties added (the later value winning), if no
    property has two values; only the `identifying` ones, where given."""
    if earlier is None:
        return record
    clashes = sorted(k for k, v in record.props.items() if (identifying is None or k in identifying)
                     and v is not None and earlier.props.get(k) is not None and earlier.props[k] != v)
    if clashes:
        described = "; ".join(f"{k}: {earlier.props[k]!r} ≠ {record.props[k]!r}" for k in clashes)
        names = " and ".join(f"'{r.props['name']}'" for r in (earlier, record) if r.props.get("name"))
        raise HarvestFailed(f"{what}{f' ({names})' if names else ''} but disagree — {described}")
    merged = {**earlier.props, **{k: v for k, v in record.props.items() if v is not None}}
    if isinstance(record, NodeRecord):
        return NodeRecord(record.label, record.id, merged)
    return RelRecord(record.type, record.source_id, record.target_id, merged)


def _reason(error: ValidationError | ValueError) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
    return str(error)


def resolve_identities(store: Store, harvest: Harvest) -> dict[str, str]:
    """Give records the id of the node they already are, by the ontology's matching rules; then
    rewrite edges (and dataset ids made from a system's id) to follow. A record is matched by the
    strongest rule that finds a node, its own id included: a person whose directory id is known
    is never moved to another node because a weaker rule (an e-mail) names that one. Two records
    that land on one node must not differ in what identifies them (two people with their own
    UPNs are never merged); the run is refused, naming both. Returns old id -> new id."""
    renamed: dict[str, str] = {}
    settled: set[str] = set()
    by_label: dict[str, list[NodeRecord]] = defaultdict(list)
    for record in harvest.nodes:
        by_label[record.label].append(record)
    for label, records in by_label.items():
        for prop in ONTOLOGY.node(label).match_on:
            values = {}
            for record in records:
                if record.id in renamed or record.id in settled:
                    continue
                value = _match_value(label, prop, record)
                for v in value if isinstance(value, list) else [value]:
                    if v:
                        values[v] = record.id
            for value, existing in harvest_store.matches(store, label, prop, sorted(values)).items():
                if values[value] != existing:
                    renamed.setdefault(values[value], existing)
                else:
                    settled.add(existing)
    for record in harvest.nodes:
        if record.label == "Dataset":
            system, dot, rest = record.id.partition(".")
            if dot and system in renamed:
                renamed[record.id] = f"{renamed[system]}.{rest}"
    if not renamed:
        return renamed
    harvest.keep = {renamed.get(node_id, node_id) for node_id in harvest.keep}
    merged: dict[tuple[str, str], NodeRecord] = {}
    for record in harvest.nodes:
        key = (record.label, renamed.get(record.id, record.id))
        moved = NodeRecord(record.label, key[1], record.props)
        merged[key] = _agreeing(merged.get(key), moved, f"two {record.label} records of the run resolve to the "
                                                         f"existing '{key[1]}'", ONTOLOGY.node(record.label).match_on)
    harvest.nodes = list(merged.values())
    rels: dict[str, RelRecord] = {}
    for r in harvest.rels:
        moved = RelRecord(r.type, renamed.get(r.source_id, r.source_id), renamed.get(r.target_id, r.target_id), r.props)
        rels[moved.id] = _agreeing(rels.get(moved.id), moved, f"two {r.type} records resolve to one edge "
                                                               f"from '{moved.source_id}' to '{moved.target_id}'", ())
    harvest.rels = list(rels.values())
    return renamed


def resolve_with_references(store: Store, harvest: Harvest) -> None:
    """Resolve identities, then settle the references: a referenced node is linked, never
    written. Where neither the catalog nor the harvest has it, its links go (with an integration
    that only led there), the reference's warning is given, and the row it came from keeps its
    facts for this run."""
    described = {r.id for r in harvest.nodes} - {ref.target for ref in harvest.references}
    renamed = resolve_identities(store, harvest)
    if not harvest.references:
        return
    described = {renamed.get(node_id, node_id) for node_id in described}
    targets = {renamed.get(ref.target, ref.target) for ref in harvest.references}
    referenced_only = targets - described
    missing = referenced_only - set(harvest_store.existing(store, sorted(referenced_only)))
    labels = {record.id: record.label for record in harvest.nodes}
    beside = {rel.source_id if rel.target_id in missing else rel.target_id for rel in harvest.rels
              if rel.source_id in missing or rel.target_id in missing}
    dropped = missing | {node_id for node_id in beside if labels.get(node_id) == "Integration"}
    harvest.nodes = [r for r in harvest.nodes if r.id not in dropped and r.id not in referenced_only]
    harvest.rels = [r for r in harvest.rels if r.source_id not in dropped and r.target_id not in dropped]
    for ref in harvest.references:
        if renamed.get(ref.target, ref.target) in missing:
            harvest.warnings.append(ref.warning)
            harvest.keep.add(renamed.get(ref.row_node, ref.row_node))


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


def _compare(store: Store, source: SourceSettings, run: HarvestRun, harvest: Harvest) -> None:
    """A dry run: what a load and cleanup would do, counted against the store; nothing written."""
    nodes, rels = _grouped(harvest)
    diff: dict[str, dict[str, int]] = {}
    for label, records in nodes.items():
        diff[label] = harvest_store.diff_nodes(store, label, records)
    for rel_type, records in rels.items():
        diff[rel_type] = harvest_store.diff_rels(store, rel_type, records)
    keep = [r.id for r in harvest.nodes] + [r.id for r in harvest.rels] + harvest_store.row_facts(store, sorted(harvest.keep))
    claims = harvest_store.claimed(store, run.source, keep_ids=keep)
    for fact_type, counts in claims.items():
        diff.setdefault(fact_type, {"created": 0, "updated": 0, "unchanged": 0})["would_delete"] = counts["gone"]
    for counts in diff.values():
        counts.setdefault("would_delete", 0)
    run.created, run.updated, run.unchanged = (
        sum(c.get(k, 0) for c in diff.values()) for k in ("created", "updated", "unchanged"))
    run.diff = diff
    # Nothing is loaded in a dry run: what the source holds now is what it held before.
    total = sum(c["total"] for c in claims.values())
    run.would_hold = _held(source, run, claims, total)
    if run.would_hold:
        run.notes = [*run.notes, f"the real run would be held: {_hold_reason(source, run, total)}"]


def load(store: Store, run: HarvestRun, harvest: Harvest, *, actor: str | None = None,
         progress: Progress = lambda stage: None) -> None:
    """Load a harvest's records in batches; counts in total and per type, and conflicts, go on the run."""
    skip, conflicts = harvest_store.overruled(store, harvest.rels)
    harvest.rels = [r for r in harvest.rels if r.id not in skip]
    nodes, rels = _grouped(harvest)
    skipped = 0
    params = {"source": run.source, "actor": actor or f"harvest:{run.source}", "run_id": run.id, "day": run.observed_at}
    for fact_type, records in [*nodes.items(), *rels.items()]:
        progress(f"load {fact_type}")
        loader = load_nodes if fact_type in nodes else load_rels
        counts = loader(store, fact_type, records, **params)
        run.diff[fact_type] = {"created": counts.created, "updated": counts.updated,
                               "unchanged": counts.written - counts.created - counts.updated}
        conflicts += counts.conflicts
        skipped += counts.skipped
    if conflicts:
        harvest_store.record_conflicts(store, run.source, run.id, conflicts)
    run.created, run.updated, run.unchanged = (
        sum(c[k] for c in run.diff.values()) for k in ("created", "updated", "unchanged"))
    run.conflicts = len(conflicts)
    if skipped:
        run.errors = [*run.errors, f"{skipped} relationship(s) named a node that does not exist"]


def _cleanup(store: Store, source: SourceSettings, run: HarvestRun, harvest: Harvest, allow_mass_delete: bool,
             held_before: dict[str, dict[str, int]]) -> None:
    """Close what the source no longer has, unless that is more than its share of what it held
    before the run (the run's new facts do not dilute the share) and nobody confirmed it."""
    keep = harvest_store.row_facts(store, sorted(harvest.keep))
    claims = harvest_store.claimed(store, source.id, run_id=run.id, keep_ids=keep)
    for fact_type, counts in claims.items():
        run.diff.setdefault(fact_type, {"created": 0, "updated": 0, "unchanged": 0})["would_delete"] = counts["gone"]
    total = sum(c["total"] for c in held_before.values())
    if _held(source, run, claims, total) and not allow_mass_delete:
        run.status = "needs-confirmation"
        run.notes = [*run.notes, f"held: {_hold_reason(source, run, total)}"]
        return
    outcome = harvest_store.close_stale(store, source.id, run.id, run.observed_at, keep)
    run.closed, run.deleted = outcome["closed"], outcome["deleted"]


def _held(source: SourceSettings, run: HarvestRun, claims: dict[str, dict[str, int]], total: int) -> bool:
    """Sets the run's would_delete; true when that is more of the `total` facts the source held
    before the run than it may remove without confirmation."""
    run.would_delete = sum(c["gone"] for c in claims.values())
    return bool(total) and run.would_delete / total > source.max_delete_share


def _hold_reason(source: SourceSettings, run: HarvestRun, total: int) -> str:
    return (f"{run.would_delete} of the source's {total} facts are no longer in it, more than its limit of "
            f"{source.max_delete_share:.0%}; confirm the cleanup to remove them")
