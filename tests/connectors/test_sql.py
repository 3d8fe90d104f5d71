"""The SQL connector against SQLite and a real PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from catalog.harvest.service import run_source
from catalog.harvest.sources import SourceSettings
from tests.conftest import missing_server
from tests.factory import create

SCHEMA = """
CREATE TABLE elev (elev_id INTEGER PRIMARY KEY, fodselsnummer VARCHAR(11) NOT NULL, fornavn VARCHAR(100), skole VARCHAR(100));
CREATE TABLE fag (fagkode VARCHAR(10) PRIMARY KEY, navn VARCHAR(100));
CREATE TABLE karakter (elev_id INTEGER REFERENCES elev(elev_id), fagkode VARCHAR(10) REFERENCES fag(fagkode), karakter INTEGER);
CREATE VIEW snitt AS SELECT f.navn, avg(k.karakter) AS snitt FROM karakter k JOIN fag f ON f.fagkode = k.fagkode GROUP BY f.navn;
CREATE VIEW elevresultat AS SELECT e.fornavn, k.karakter FROM elev e JOIN karakter k ON k.elev_id = e.elev_id;
"""


def _harvest(store, client, url: str, base: Path, **settings):
    system = create(client, "System", name="Datavarehus")
    location = create(client, "StorageLocation", name="Azure Norway East", country="NO")
    source = SourceSettings(id="dvh", connector="sql", settings={
        "url": url, "system": system["id"], "location": location["id"], **settings})
    run = run_source(store, source, base)
    assert run.status == "succeeded", run.errors
    datasets = {d["name"]: d for d in client.get("/api/v1/datasets", params={"system": system["id"]}).json()["items"]}
    return system, run, datasets


def _check(client, datasets: dict, prefix: str = "") -> None:
    elev, fag, snitt = datasets[f"{prefix}elev"], datasets[f"{prefix}fag"], datasets[f"{prefix}snitt"]
    assert elev["personal_data"] is True and fag["personal_data"] is False
    assert any(c.startswith("fodselsnummer") for c in elev["columns"])
    assert sorted(snitt["derived_from"]) == sorted([datasets[f"{prefix}karakter"]["id"], fag["id"]])
    assert datasets[f"{prefix}elevresultat"]["personal_data"] is True  # fornavn
    lineage = client.get(f"/api/v1/lineage/{fag['id']}", params={"direction": "downstream", "depth": 1}).json()
    assert {"source": fag["id"], "target": snitt["id"], "type": "derivation", "kind": "declared", "via": "view",
            "via_name": "view"} in lineage["edges"]


def test_sqlite_tables_views_and_lineage(clean_store, session_client, tmp_path):
    with sqlite3.connect(tmp_path / "dvh.sqlite") as connection:
        connection.executescript(SCHEMA)
    system, run, datasets = _harvest(clean_store, session_client, "sqlite:///dvh.sqlite", tmp_path)
    assert set(datasets) == {"elev", "fag", "karakter", "snitt", "elevresultat"}
    _check(session_client, datasets)
    again = run_source(clean_store, SourceSettings(id="dvh", connector="sql", settings={
        "url": "sqlite:///dvh.sqlite", "system": system["id"]}), tmp_path)
    assert again.created == 0


def test_unreachable_database_fails_the_run(clean_store, tmp_path):
    source = SourceSettings(id="db", connector="sql", settings={
        "url": "postgresql+psycopg2://nobody@127.0.0.1:1/none", "system": "system-x", "connect_timeout": 2})
    run = run_source(clean_store, source, tmp_path)
    assert run.status == "failed" and run.errors


def _postgres_binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL server (Debian's package), run as the postgres user when we are root."""
    binaries = _postgres_binaries()
    if binaries is None:
        missing_server("PostgreSQL is not installed (apt-get install postgresql; .ci/run does it)")
    # Not under pytest's own temporary folder: the postgres user must be able to reach it.
    scratch = Path(tempfile.mkdtemp(prefix="catalog-pg-"))
    scratch.chmod(0o777)
    data = scratch / "data"
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    port = int(os.environ.get("CATALOG_TEST_PG_PORT", "55432"))
    subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"],
                   check=True, capture_output=True)
    subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-w", "-l", str(data / "log"), "-o",
                    f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"], check=True, capture_output=True)
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    try:
        engine = create_engine(url)
        for _ in range(50):
            try:
                with engine.begin() as connection:
                    connection.execute(text("CREATE SCHEMA skole"))
                    connection.execute(text("SET search_path TO skole"))
                    for statement in filter(str.strip, SCHEMA.split(";")):
                        connection.execute(text(statement))
                    connection.execute(text("COMMENT ON TABLE skole.elev IS 'Elever i videregående'"))
                    connection.execute(text("COMMENT ON COLUMN skole.fag.navn IS 'Fagets navn'"))
                break
            except Exception:
                time.sleep(0.2)
        engine.dispose()
        yield url
    finally:
        subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


def test_postgresql_schemas_comments_and_view_lineage(clean_store, session_client, postgres, tmp_path):
    _, run, datasets = _harvest(clean_store, session_client, postgres, tmp_path, schemas=["skole"])
    assert set(datasets) == {"skole.elev", "skole.fag", "skole.karakter", "skole.snitt", "skole.elevresultat"}
    assert datasets["skole.elev"]["description"] == "Elever i videregående"
    assert "navn VARCHAR(100) — Fagets navn" in datasets["skole.fag"]["columns"]
    _check(session_client, datasets, prefix="skole.")
