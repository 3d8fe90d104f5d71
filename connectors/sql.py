"""SQL databases, inspected with SQLAlchemy: schemas, tables and views become datasets of one
system; view dependencies become dataset lineage; columns that name personal data flag it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from connectors.contract import Connector, Harvest
from ontology.records import NodeRecord, RelRecord, dataset_id

# Column names or comments that mark personal data (Norwegian and English), matched as words.
PERSONAL_MARKERS = ("fødselsnummer", "fodselsnummer", "personnummer", "fnr", "ssn", "e-post", "epost", "email",
                    "mail", "adresse", "address", "telefon", "mobil", "phone", "fornavn", "etternavn", "birth",
                    "fodselsdato", "fødselsdato")
_MARKER = re.compile(r"(?<![a-zæøå])(" + "|".join(re.escape(m) for m in PERSONAL_MARKERS) + r")", re.IGNORECASE)
_REFERENCE = re.compile(r"\b(?:from|join)[\s(]+([\w.\"`\[\]]+)", re.IGNORECASE)


class SqlConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(description="SQLAlchemy URL; a relative SQLite path is read from beside sources.yaml.")
    system: str = Field(description="Id of the system the database belongs to.")
    system_name: str | None = Field(None, description="Its name, should the catalog not know it yet.")
    location: str | None = Field(None, description="Id of the storage location the data lives in.")
    schemas: list[str] | None = Field(None, description="Schemas to read; the default schema when left out.")
    connect_timeout: int = Field(10, ge=1, le=300)


@dataclass
class Table:
    schema: str | None
    name: str
    kind: str  # "table" or "view"
    comment: str | None
    columns: list[tuple[str, str, str | None]] = field(default_factory=list)
    definition: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


class SqlConnector(Connector):
    name = "sql"
    Config = SqlConfig
    transient_errors = (ConnectionError, TimeoutError, OperationalError)

    def fetch(self, config: SqlConfig, secrets: dict[str, str], base_dir: Path) -> list[Table]:
        url = make_url(config.url)
        if url.drivername.startswith("sqlite") and url.database and not Path(url.database).is_absolute():
            url = url.set(database=str((base_dir / url.database).resolve()))
        if "password" in secrets:
            url = url.set(password=secrets["password"])
        connect_args = {"timeout": config.connect_timeout} if url.drivername.startswith("sqlite") else \
            {"connect_timeout": config.connect_timeout}
        engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
        try:
            inspector = inspect(engine)
            tables = []
            for schema in config.schemas or [None]:
                for name in inspector.get_table_names(schema=schema):
                    tables.append(_read(inspector, schema, name, "table"))
                for name in inspector.get_view_names(schema=schema):
                    table = _read(inspector, schema, name, "view")
                    table.definition = inspector.get_view_definition(name, schema=schema)
                    tables.append(table)
            return tables
        finally:
            engine.dispose()

    def transform(self, raw: list[Table], config: SqlConfig) -> Harvest:
        harvest = Harvest()
        system = config.system
        if config.system_name:  # otherwise the system is one the catalog already knows
            harvest.nodes.append(NodeRecord("System", system, {"name": config.system_name}))
        ids = {t.qualified.lower(): dataset_id(system, t.qualified) for t in raw}
        ids.update({t.name.lower(): dataset_id(system, t.qualified) for t in raw})
        for table in raw:
            node_id = ids[table.qualified.lower()]
            personal = any(_MARKER.search(f"{c[0]} {c[2] or ''}") for c in table.columns)
            harvest.nodes.append(NodeRecord("Dataset", node_id, {
                "name": table.qualified, "description": table.comment, "personal_data": personal,
                "columns": [f"{name} {kind}" + (f" — {comment}" if comment else "")
                            for name, kind, comment in table.columns][:200],
                "keywords": [table.kind]}))
            harvest.rels.append(RelRecord("HOLDS", system, node_id))
            if config.location:
                harvest.rels.append(RelRecord("STORED_IN", node_id, config.location))
            for referenced in _references(table.definition or ""):
                target = ids.get(referenced.lower()) or ids.get(referenced.split(".")[-1].lower())
                if target and target != node_id:
                    harvest.rels.append(RelRecord("DERIVED_FROM", node_id, target, {"kind": "declared", "via": "view"}))
        return harvest


def _read(inspector, schema: str | None, name: str, kind: str) -> Table:
    try:
        comment = inspector.get_table_comment(name, schema=schema).get("text")
    except NotImplementedError:  # SQLite keeps no comments
        comment = None
    columns = [(c["name"], str(c["type"]), c.get("comment")) for c in inspector.get_columns(name, schema=schema)]
    return Table(schema, name, kind, comment, columns)


def _references(definition: str) -> set[str]:
    return {re.sub(r"[\"`\[\]]", "", match) for match in _REFERENCE.findall(definition)}
