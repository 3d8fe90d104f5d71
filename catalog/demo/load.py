"""Load the demo county through the harvesting service's load stage, as the connectors' records are."""

from __future__ import annotations

from pathlib import Path

from catalog.demo.county import records
from catalog.harvest.service import HarvestRun, load as load_stage, run_source
from catalog.harvest.sources import Sources
from catalog.store.driver import Store
from catalog.store.entities import get_entity, update_entity
from connectors.contract import Harvest
from ontology.records import NodeRecord

SOURCE = "demo"


def load(store: Store) -> HarvestRun:
    """The county's own records are curated (a test holds them to the ontology), so they skip
    validation and identity resolution, and loading them is no harvest run worth recording."""
    harvest = Harvest()
    for record in records():
        (harvest.nodes if isinstance(record, NodeRecord) else harvest.rels).append(record)
    run = HarvestRun(id=SOURCE, source=SOURCE, connector=SOURCE)
    load_stage(store, run, harvest, actor="demo-loader")
    if run.errors:
        raise RuntimeError(f"the demo data is inconsistent: {'; '.join(run.errors)}")
    return run


DEMO_SOURCES = Path(__file__).parent / "sources.yaml"
# A person's edit that the inventory spreadsheet disagrees with: the edit stands, the harvest
# records a conflict.
MANUAL_EDIT = ("System", "system-public-360", {"vendor": "Tietoevry Norge AS"}, "kari.berg@eksempel-fylke.no")


def edit_and_harvest(store: Store) -> list[HarvestRun]:
    """The demo's manual edit, then its harvest sources (an inventory spreadsheet, a SQLite
    database), so a newcomer sees harvested facts, provenance and a conflict."""
    label, entity_id, change, actor = MANUAL_EDIT
    if any(get_entity(store, label, entity_id).get(k) != v for k, v in change.items()):
        update_entity(store, label, entity_id, change, replace=False, actor=actor)
    sources = Sources.read(DEMO_SOURCES)
    return [run_source(store, source, DEMO_SOURCES.parent) for source in sources.sources.values()
            if source.connector != "openlineage"]
