"""When a source names a system the catalog already has from another source (matched by name
or alias), the name the catalog has stands and the source's name becomes an alias: two sheets
that spell a system differently do not rename it back and forth on every run."""

from __future__ import annotations

from catalog.store import harvest as harvest_store
from catalog.store.driver import Store
from connectors.contract import Harvest
from ontology import ONTOLOGY
from ontology.records import NodeRecord

# The types whose other names are kept as aliases.
NAMED = [node.label for node in ONTOLOGY.nodes if any(p.name == "aliases" for p in node.props)]


def keep_known_names(store: Store, source: str, harvest: Harvest) -> list[str]:
    """Rewrites records whose node another source named otherwise; returns a note for each new alias."""
    notes = []
    for label in NAMED:
        records = {r.id: r for r in harvest.nodes if r.label == label}
        known = harvest_store.known_names(store, label, sorted(records))
        for node_id, stored in known.items():
            record = records[node_id]
            name = record.props.get("name")
            if not name or name == stored["name"] or stored["source"] == source:
                continue
            aliases = sorted({*(stored["aliases"] or []), *record.props.get("aliases", []), name})
            records[node_id] = NodeRecord(label, node_id, {**record.props, "name": stored["name"], "aliases": aliases})
            if name not in (stored["aliases"] or []):
                notes.append(f"'{name}' is {stored['name']} in the catalog (named so by {stored['source']}); "
                             "kept as an alias, not a rename")
        harvest.nodes = [records.get(r.id, r) if r.label == label else r for r in harvest.nodes]
    return notes
