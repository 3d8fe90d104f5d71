"""Harvest sources as the API and CLI see them: which are configured, and running one."""

from __future__ import annotations

from pathlib import Path

from catalog.errors import NotFound, StoreUnavailable
from catalog.settings import Settings
from catalog.harvest.service import SourceSettings, Sources


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
    try:
        sources = configured_sources(settings)
    except (OSError, ValueError) as error:
        raise StoreUnavailable(f"sources.yaml cannot be read: {error}") from error
    found = [s for s in sources.sources.values() if s.connector == "openlineage"]
    return found[0] if found else SourceSettings(id="openlineage", connector="openlineage")
