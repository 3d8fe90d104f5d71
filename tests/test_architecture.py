"""Rules of the house that a reader should not have to check by hand."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

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


LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("ontology", "connectors", "catalog")


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True)


def test_the_layers_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_crossing_a_layer_fails_the_contracts(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.java", "*.xml"))
    with (tmp_path / "connectors" / "contract.py").open("a") as contract:
        contract.write("\nfrom catalog.store import driver  # noqa\n")
    with (tmp_path / "catalog" / "store" / "search.py").open("a") as search:
        search.write("\nfrom catalog.services import lineage  # noqa\n")
    with (tmp_path / "catalog" / "api" / "problems.py").open("a") as problems:
        problems.write("\nfrom neo4j.exceptions import ConstraintError  # noqa\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "connectors.contract -> catalog.store.driver" in result.stdout
    assert "catalog.store.search -> catalog.services.lineage" in result.stdout
    assert "catalog.api.problems -> neo4j" in result.stdout


def test_every_part_of_the_catalog_has_its_layer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers, connectors, routes, *_ = config["contracts"]
    named = set(re.findall(r"[\w.]+", " ".join(layers["layers"])))
    parts = {f"catalog.{p.stem}" for p in (ROOT / "catalog").iterdir()
             if p.name != "__init__.py" and (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert parts <= named, f"give these a layer in pyproject.toml: {sorted(parts - named)}"
    pages = {"catalog.api", "catalog.web"} & parts
    assert set(routes["source_modules"]) == pages


def test_connectors_import_nothing_of_the_catalog():
    pattern = re.compile(r"^\s*(from|import) catalog\b", re.MULTILINE)
    assert [p.name for p in (ROOT / "connectors").rglob("*.py") if pattern.search(p.read_text())] == []


def test_a_missing_test_server_fails_in_ci_and_skips_elsewhere(monkeypatch):
    from tests.conftest import missing_server

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="slapd is not installed"):
        missing_server("slapd is not installed")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        missing_server("slapd is not installed")
