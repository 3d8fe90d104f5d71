"""What every connector is: fetch (all I/O) and transform (pure: source data to ontology records).

A connector never sees the store. The catalog's harvesting service (`catalog.harvest`) runs it,
validates and loads what it returns, and keeps the run's record.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from ontology.records import NodeRecord, RelRecord


@dataclass(frozen=True)
class RowError:
    """A row (or record) of the source and what is wrong with it; as an error the row is skipped,
    as a warning it is kept without the value named."""

    row: int | str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass(frozen=True)
class Reference:
    """A node a record links to that the source does not itself describe (an integration's
    target named in a row): it must already be in the catalog, or the harvest drops the links
    to it and warns with `warning`, keeping the facts of `row_node` for this run."""

    target: str
    row_node: str
    warning: RowError


@dataclass
class Harvest:
    """What a transform returns: records for the graph, the rows it could not use, and what it
    used with a value left out."""

    nodes: list[NodeRecord] = field(default_factory=list)
    rels: list[RelRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Rows kept without a value that could not be read (row, column, value, the allowed values).
    warnings: list[RowError] = field(default_factory=list)
    # What a person should look at that is not an error (an application mapped to no system).
    notes: list[str] = field(default_factory=list)
    # Ids of nodes from rows that had a problem: this run closes and removes none of their facts
    # (the node, its edges, and what hangs off it), since the source may only have misspelt them.
    keep: set[str] = field(default_factory=set)
    references: list[Reference] = field(default_factory=list)


class HarvestFailed(RuntimeError):
    """The source cannot be harvested at all (refused credentials, a missing secret); the run
    fails with this message and changes nothing."""


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
