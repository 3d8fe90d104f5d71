"""The `catalog` command: serve the API, run the local Neo4j, load the demo county."""

from __future__ import annotations

import typer
from rich.console import Console

from catalog.local_neo4j import LocalNeo4jError
from catalog.settings import get_settings
from catalog.store.driver import Store, local_neo4j

app = typer.Typer(help="Data-ownership and integration catalog.", no_args_is_help=True)
neo4j_app = typer.Typer(help="The local embedded Neo4j (used when NEO4J_URI is unset).", no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")
console = Console()


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API (OpenAPI at /docs)."""
    import uvicorn

    from catalog.api.app import create_app

    try:
        store = Store.connect(get_settings())
    except LocalNeo4jError as error:
        _fail(str(error))
    console.print(f"Catalog API on http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    uvicorn.run(create_app(store), host=host, port=port)


@app.command("load-demo")
def load_demo() -> None:
    """Load the demo county (Eksempel fylkeskommune). Loading twice leaves the same graph."""
    from catalog.demo.load import load
    from catalog.store.schema import ensure_schema

    try:
        store = Store.connect(get_settings())
    except LocalNeo4jError as error:
        _fail(str(error))
    try:
        ensure_schema(store)
        counts = load(store)
    finally:
        store.close()
    console.print(f"Demo county loaded: {counts.written} facts ({counts.created} new, {counts.updated} changed).")


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
