"""Harvest sources as sources.yaml lists them: which are configured, and finding one.

A sources.yaml that cannot be read or does not say what a source needs is the operator's to
fix, so it is a ConfigurationError naming the file and what is wrong in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from catalog.errors import ConfigurationError, NotFound
from catalog.settings import Settings
from connectors import REGISTRY


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
    # When the scheduler runs it: a cron expression in UTC, such as "0 3 * * *" (03:00 every night).
    schedule: str | None = None

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None and not croniter.is_valid(value):
            raise ValueError(f"'{value}' is not a cron expression (minute hour day month weekday)")
        return value


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: list[SourceSettings] = Field(default_factory=list)


@dataclass(frozen=True)
class Sources:
    path: Path
    sources: dict[str, SourceSettings]

    @classmethod
    def read(cls, path: Path) -> "Sources":
        try:
            parsed = SourcesFile.model_validate(yaml.safe_load(path.read_text()) or {})
        except (OSError, yaml.YAMLError) as error:
            raise ConfigurationError(f"{path} cannot be read: {error}") from error
        except ValidationError as error:
            raise ConfigurationError(f"{path} is not a valid sources file: {error.error_count()} problem(s)",
                                     errors=_errors(error)) from error
        errors = [error for index, entry in enumerate(parsed.sources) for error in _setting_errors(index, entry)]
        if errors:
            raise ConfigurationError(f"{path} has settings its connectors do not take: {len(errors)} problem(s)",
                                     errors=errors)
        return cls(path.resolve(), {entry.id: entry for entry in parsed.sources})


def _setting_errors(index: int, entry: SourceSettings) -> list[dict[str, Any]]:
    """A source's settings checked against its connector's own (unknown keys, unknown fields
    in columns:), so that a mistake is named when the file is read, not when the source runs."""
    connector = REGISTRY.get(entry.connector)
    if connector is None:
        return []
    try:
        connector.Config.model_validate(entry.settings)
    except ValidationError as error:
        return [{**e, "loc": ["sources", index, "settings", *e["loc"]]} for e in _errors(error)]
    return []


def _errors(error: ValidationError) -> list[dict[str, Any]]:
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]


def configured_sources(settings: Settings) -> Sources:
    path = settings.sources_file
    if not path.exists():
        return Sources(path.resolve(), {})
    return Sources.read(path)


def source(settings: Settings, source_id: str) -> tuple[SourceSettings, Path]:
    sources = configured_sources(settings)
    if source_id not in sources.sources:
        known = ", ".join(sources.sources) or "none"
        raise NotFound(f"No harvest source '{source_id}' in {sources.path} (configured: {known}).")
    return sources.sources[source_id], sources.path.parent


def openlineage_source(settings: Settings) -> SourceSettings:
    """The configured OpenLineage source (namespace mapping), or a default one."""
    found = [s for s in configured_sources(settings).sources.values() if s.connector == "openlineage"]
    return found[0] if found else SourceSettings(id="openlineage", connector="openlineage")
