"""The `catalog` command: serve the API, run the local Neo4j, load the demo county."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console

from catalog.local_neo4j import LocalNeo4jError
from catalog.services.connection import Store, opened
from catalog.settings import Settings, get_settings
from catalog.store.driver import local_neo4j

app = typer.Typer(help="Data-ownership and integration catalog.", no_args_is_help=True)
neo4j_app = typer.Typer(help="The local embedded Neo4j (used when NEO4J_URI is unset).", no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")
export_app = typer.Typer(help="RDF out: the DCAT-AP-NO catalogue, or the whole catalog.", no_args_is_help=True)
app.add_typer(export_app, name="export")
console = Console()


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


@contextmanager
def _store(settings: Settings | None = None) -> Iterator[Store]:
    """The store for one command, closed when the command is done."""
    try:
        with opened(settings or get_settings()) as store:
            yield store
    except LocalNeo4jError as error:
        _fail(str(error))


def _with_field_errors(error) -> str:
    fields = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.extra.get("errors", [])]
    return "\n  ".join([error.detail, *fields])


def _command_line_actor() -> str:
    """Who the history names for a change made with this command: the operating-system user."""
    import getpass

    return f"command-line:{getpass.getuser()}"


LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          dev: bool = typer.Option(False, "--dev", help="Print ready-made tokens for each role (loopback only)."),
          workers: int = typer.Option(1, min=1, max=32, help="Worker processes, each with its own connection pool."),
          access_log: bool = typer.Option(True, "--access-log/--no-access-log",
                                          help="A line per request; leave it to a load balancer that logs them "
                                               "(it costs a read about 6 %).")) -> None:
    """Serve the web interface and the API (OpenAPI at /docs)."""
    import uvicorn

    from catalog.app import create_app

    if dev and host not in LOOPBACK:
        _fail(f"development mode hands out tokens and runs only on loopback, not on {host}")
    if dev and get_settings().neo4j_uri:
        _fail("development mode hands out admin tokens and runs only against the local embedded Neo4j, "
              "not against NEO4J_URI")
    if dev and workers > 1:
        _fail("development mode runs one worker")
    with _store() as store:
        # Development tokens left by a development server that did not stop cleanly die here.
        end_dev_mode(store)
        if dev:
            _print_dev_tokens(store)
        console.print(f"Web interface on http://{host}:{port}/  (API under /api/v1, docs: http://{host}:{port}/docs)")
        try:
            if workers == 1:
                uvicorn.run(create_app(store, dev=dev), host=host, port=port, access_log=access_log)
        finally:
            if dev:
                end_dev_mode(store)
                console.print("Development mode ended: its tokens are revoked.")
    if workers > 1:  # each worker process builds its own app and store
        uvicorn.run("catalog.app:create_app", factory=True, host=host, port=port, workers=workers,
                    access_log=access_log)


@app.command("load-demo")
def load_demo() -> None:
    """Load the demo county (Eksempel fylkeskommune). Loading twice leaves the same graph."""
    from catalog.demo.load import edit_and_harvest, load
    from catalog.demo.workflows import start_workflows

    with _store() as store:
        counts = load(store)
        console.print(f"Demo county loaded: {counts.created + counts.updated + counts.unchanged} facts "
                      f"({counts.created} new, {counts.updated} changed).")
        for run in edit_and_harvest(store):
            console.print(f"Harvested {run.source}: {run.status}, {run.created} new, {run.updated} changed, "
                          f"{run.conflicts} conflict(s), {run.rows_skipped} row(s) skipped")
        if start_workflows(store)["reviews_opened"]:
            console.print("An access review of Visma InSchool is in progress; owners have entries to confirm.")


@app.command()
def harvest(
    source: str = typer.Argument(None, help="Id of a source in sources.yaml."),
    all_sources: bool = typer.Option(False, "--all", help="Harvest every configured source."),
    sources_file: Path = typer.Option(None, "--sources", help="Another sources.yaml."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; write nothing."),
    allow_mass_delete: bool = typer.Option(False, "--allow-mass-delete", help="Confirm a large cleanup."),
    observed_at: datetime = typer.Option(None, "--observed-at", formats=["%Y-%m-%d"],
                                         help="The day the source stood as it is read (YYYY-MM-DD), to backfill "
                                              "history from old exports; a source's runs go in date order."),
) -> None:
    """Harvest one source, or all of them; exits non-zero when a run fails or is held."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from catalog.errors import AlreadyRunning, ConfigurationError
    from catalog.harvest.service import run_source
    from catalog.harvest.sources import configured_sources
    from catalog.services.scheduler import hold_for_hand_run, run_then_release

    settings = get_settings()
    if sources_file:
        settings = settings.model_copy(update={"sources_file": sources_file})
    try:
        configured = configured_sources(settings)
    except ConfigurationError as error:
        _fail(_with_field_errors(error))
    if all_sources == bool(source):
        _fail("name one source, or give --all")
    chosen = list(configured.sources.values()) if all_sources else [configured.sources.get(source)]
    if None in chosen:
        _fail(f"no source '{source}' in {configured.path}; configured: {', '.join(configured.sources) or 'none'}")
    chosen = [s for s in chosen if s.connector != "openlineage"]  # pushed to the API, not harvested
    runs = []
    with _store(settings) as store:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as bar:
            for entry in chosen:
                task = bar.add_task(entry.id, total=None)
                # Under the source's lease, as the API's and the scheduler's runs: never two at once.
                try:
                    release = hold_for_hand_run(store, settings, entry.id)
                except AlreadyRunning as error:
                    _fail(str(error))
                runs.append(run_then_release(release, run_source, store, entry, configured.path.parent, dry_run=dry_run,
                                             allow_mass_delete=allow_mass_delete,
                                             observed_at=observed_at.date() if observed_at else None,
                                             progress=lambda stage, t=task, e=entry: bar.update(t, description=f"{e.id}: {stage}")))
                bar.update(task, description=f"{entry.id}: {runs[-1].status}", total=1, completed=1)
    for run in runs:
        table = Table(title=f"{run.source} — {run.status}{' (dry run)' if dry_run else ''}")
        for column in ("type", "created", "updated", "unchanged", "would delete"):
            table.add_column(column, justify="left" if column == "type" else "right")
        for fact_type, counts in sorted(run.diff.items()):
            table.add_row(fact_type, *(str(counts.get(k, 0)) for k in ("created", "updated", "unchanged", "would_delete")))
        table.add_row("total", *(str(getattr(run, k)) for k in ("created", "updated", "unchanged", "would_delete")),
                      style="bold")
        console.print(table)
        if run.closed or run.deleted:
            console.print(f"closed {run.closed} and deleted {run.deleted} fact(s) no longer in the source "
                          f"(as of {run.observed_at})")
        if run.status == "needs-confirmation":
            console.print(f"[yellow]held:[/yellow] {run.would_delete} fact(s) would go, more than the source's "
                          "limit; nothing was closed. Rerun with --allow-mass-delete to confirm.")
        if run.would_hold:
            console.print(f"[yellow]the real run would be held:[/yellow] {run.would_delete} fact(s) would go, "
                          "more than the source's limit.")
        for error in run.errors[:20]:
            console.print(f"[red]•[/red] {error}")
        for warning in run.warnings[:20]:
            console.print(f"[yellow]•[/yellow] {warning}")
        if len(run.warnings) > 20:
            console.print(f"… {len(run.warnings) - 20} more warning(s); the run's page lists them")
    if any(run.status in ("failed", "needs-confirmation") or run.would_hold for run in runs):
        raise typer.Exit(2)


@app.command()
def purge(closed_before: datetime = typer.Option(..., "--closed-before", formats=["%Y-%m-%d"],
                                                 help="Remove facts whose interval ended before this day (YYYY-MM-DD)."),
          ) -> None:
    """Remove old closed facts on purpose: relationships whose interval ended before the day, and
    nodes a harvest closed before it that nothing hangs on. Each removal stays in the history."""
    from catalog.store.harvest import purge_closed

    with _store() as store:
        removed = purge_closed(store, closed_before.date().isoformat(), "cli:purge")
    console.print(f"purged {removed} fact(s) closed before {closed_before.date().isoformat()}")


@app.command()
def scheduler(
    once: bool = typer.Option(False, "--once", help="One round, then exit."),
    now: str = typer.Option(None, "--now", help="The clock for that round (UTC, ISO 8601), for tests and backfills."),
    sources_file: Path = typer.Option(None, "--sources", help="Another sources.yaml."),
) -> None:
    """Run scheduled harvests and send notices; with several instances, each run happens once."""
    import threading
    from datetime import datetime, timezone

    from catalog.services import scheduler as scheduler_service

    settings = get_settings()
    if sources_file:
        settings = settings.model_copy(update={"sources_file": sources_file})
    with _store(settings) as store:
        if once:
            clock = datetime.fromisoformat(now) if now else datetime.now(timezone.utc)
            if clock.tzinfo is None:
                clock = clock.replace(tzinfo=timezone.utc)
            done = scheduler_service.tick(store, settings, clock)
            console.print(f"runs: {', '.join(done['runs']) or 'none'}; notices made: {done['notices']}, "
                          f"delivered: {done['delivered']}")
        else:
            console.print(f"Scheduler running every {settings.scheduler_interval_seconds:g} s; Ctrl-C stops it.")
            try:
                scheduler_service.run_forever(store, settings, threading.Event())
            except KeyboardInterrupt:
                pass


def _print_dev_tokens(store: Store) -> None:
    from datetime import datetime

    from catalog.security import ROLES, create_token
    from catalog.store.security import an_owner

    stamp = datetime.now().strftime("%Y%m%d%H%M%S")
    owner = an_owner(store)
    folder = get_settings().data_dir
    folder.mkdir(parents=True, exist_ok=True)
    console.print("[bold]Development mode[/bold]: tokens valid for one day (send as 'Authorization: Bearer …'), "
                  f"also in {folder}/dev-token-<role>:")
    for role in ROLES:
        person = owner[0] if role == "owner" and owner else None
        token = create_token(store, f"dev-{role}-{stamp}", role, 1, person, dev=True, actor="development-mode")
        path = folder / f"dev-token-{role}"
        path.write_text(token)
        path.chmod(0o600)
        note = f"  (acts for {owner[0]}, who owns {owner[1]})" if person else ""
        console.print(f"  {role:<10} {token}{note}", soft_wrap=True)


def end_dev_mode(store: Store) -> None:
    """Revoke every development token and remove the files that hold them."""
    from catalog.security import forget_tokens
    from catalog.store.security import revoke_dev_tokens

    revoke_dev_tokens(store)
    forget_tokens()
    for path in get_settings().data_dir.glob("dev-token-*"):
        path.unlink(missing_ok=True)


history_app = typer.Typer(help="The change history (audit trail).", no_args_is_help=True)
app.add_typer(history_app, name="history")


@history_app.command("verify")
def history_verify() -> None:
    """Check the history's hash chain; exits non-zero and names the first break when it is broken."""
    from catalog.services.administration import verify_history

    with _store() as store:
        verdict = verify_history(store)
    if not verdict.intact:
        where = f" ({verdict.record_id})" if verdict.record_id else ""
        _fail(f"the history is broken at record {verdict.break_at}{where}: {verdict.reason}; "
              f"{verdict.checked} record(s) before it hold")
    console.print(f"history intact: {verdict.checked} record(s), each chained to the one before")


token_app = typer.Typer(help="API tokens for connectors and automation.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(role: str = typer.Option(..., help="reader, owner, architect, auditor or admin"),
                 name: str = typer.Option(..., help="What the token is for; unique."),
                 expires: int = typer.Option(90, help="Days until it expires."),
                 person: str = typer.Option(None, help="The person an owner token acts for.")) -> None:
    """Print a new API token (the way to bootstrap the first admin)."""
    from catalog.errors import CatalogError
    from catalog.security import create_token

    with _store() as store:
        try:
            typer.echo(create_token(store, name, role, expires, person, actor=_command_line_actor()))
        except CatalogError as error:
            _fail(error.detail)


@token_app.command("revoke")
def token_revoke(name: str) -> None:
    """Revoke a token for good."""
    from catalog.services.administration import revoke_token

    with _store() as store:
        if not revoke_token(store, name, _command_line_actor()):
            _fail(f"no token named '{name}'")
    console.print(f"revoked {name}")


def _write(text: str, output: Path | None) -> None:
    if output:
        output.write_text(text)
        console.print(f"wrote {output}")
    else:
        typer.echo(text)


def _export(make_graph, formats: dict[str, str], format: str, output: Path | None) -> None:
    if format not in formats:
        _fail(f"format must be one of {', '.join(formats)}")
    with _store() as store:
        graph = make_graph(store)
    _write(graph.serialize(format={"jsonld": "json-ld"}.get(format, format)), output)


@export_app.command("dcat")
def export_dcat(format: str = typer.Option("turtle", help="turtle, jsonld or xml"),
                output: Path = typer.Option(None, "--output", "-o")) -> None:
    """The DCAT-AP-NO catalogue for Felles datakatalog."""
    from catalog.services import dcat

    settings = get_settings()
    _export(lambda store: dcat.catalogue(store, settings.public_base_url, settings.dcat_contact_email),
            dcat.FORMATS, format, output)


@export_app.command("rdf")
def export_rdf(format: str = typer.Option("turtle", help="turtle or json-ld"),
               output: Path = typer.Option(None, "--output", "-o")) -> None:
    """Every entity, edge and its provenance: the backup."""
    from catalog.services import backup

    _export(backup.export_graph, backup.FORMATS, format, output)


@app.command("import")
def import_rdf(file: Path = typer.Argument(..., exists=True, dir_okay=False),
               format: str = typer.Option(None, help="turtle or json-ld; by the file's ending when left out")) -> None:
    """Load a whole-catalog RDF export (a backup) into the store."""
    from rdflib import Graph

    from catalog.errors import CatalogError
    from catalog.services import backup

    fmt = format or ("json-ld" if file.suffix in (".jsonld", ".json") else "turtle")
    try:
        graph = Graph().parse(file, format=fmt)
    except Exception as error:  # rdflib raises many kinds of parse errors
        _fail(f"{file} is not valid {fmt}: {str(error)[:300]}")
    with _store() as store:
        try:
            nodes, edges = backup.import_graph(store, graph, _command_line_actor())
        except CatalogError as error:
            _fail(error.detail)
    console.print(f"imported {nodes} nodes and {edges} edges")


@app.command("rebuild-projections")
def rebuild_projections() -> None:
    """Draw the flow edges lineage walks again from the facts (after an upgrade, or to check)."""
    from catalog.services import lineage

    with _store() as store:
        drawn = lineage.rebuild_projection(store)
    console.print(f"drew {drawn} flow edges")


@neo4j_app.command()
def start() -> None:
    """Build (first time) and start the local Neo4j, or reuse the running one."""
    try:
        status = local_neo4j(get_settings()).start()
    except LocalNeo4jError as error:
        _fail(str(error))
    console.print(f"Neo4j listens on {status.uri} (pid {status.pid}, data in {status.home})")


@neo4j_app.command()
def stop() -> None:
    """Stop the local Neo4j cleanly."""
    stopped = local_neo4j(get_settings()).stop()
    console.print("Neo4j stopped." if stopped else "Neo4j was not running.")


@neo4j_app.command()
def status() -> None:
    """Say whether the local Neo4j runs, and where."""
    current = local_neo4j(get_settings()).status()
    if current.running:
        console.print(f"running on {current.uri} (pid {current.pid}, data in {current.home})")
    else:
        console.print(f"not running (would listen on {current.uri})")
        raise typer.Exit(3)


if __name__ == "__main__":
    app()
