"""Rules of the house that a reader should not have to check by hand."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CYPHER = re.compile(r"\b(MATCH|MERGE|UNWIND|DETACH DELETE|CREATE (CONSTRAINT|INDEX|FULLTEXT)|RETURN)\b.*[(\[{$]")


def test_no_cypher_outside_the_store_layer():
    offenders = []
    for package in ("catalog", "connectors", "ontology"):
        for path in (ROOT / package).rglob("*.py"):
            if "store" in path.relative_to(ROOT).parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if CYPHER.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_labels_in_store_queries_come_from_the_ontology():
    from ontology import ONTOLOGY

    known = {n.label for n in ONTOLOGY.nodes + ONTOLOGY.operational} | {"Entity"}
    for path in (ROOT / "catalog" / "store").rglob("*.py"):
        for label in re.findall(r"\(\w+:([A-Z]\w+)[ {)]", path.read_text()):
            assert label in known, f"{path.name} names a label the ontology does not declare: {label}"
