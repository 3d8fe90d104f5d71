"""DCAT-AP-NO catalogues (Turtle, RDF/XML or JSON-LD, from a file or a URL): datasets with their
publisher, themes, keywords, access rights, licence, distributions and formats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, model_validator
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from connectors.contract import Connector, Harvest, RowError
from ontology import dcat as mapping
from ontology.records import NodeRecord, RelRecord, id_for


class DcatConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str | None = Field(None, description="A file, relative to sources.yaml.")
    url: str | None = Field(None, description="Or a URL to fetch the catalogue from.")
    format: str | None = Field(None, description="turtle, xml or json-ld; guessed when left out.")
    system: str | None = Field(None, description="Id of a system that holds the imported datasets.")
    timeout: float = Field(30, gt=0, le=300)

    @model_validator(mode="after")
    def _one_place(self) -> "DcatConfig":
        if (self.path is None) == (self.url is None):
            raise ValueError("give either path or url")
        return self


class DcatConnector(Connector):
    name = "dcat"
    Config = DcatConfig
    transient_errors = (ConnectionError, TimeoutError, httpx.TransportError)

    def fetch(self, config: DcatConfig, secrets: dict[str, str], base_dir: Path) -> Graph:
        if config.path:
            return Graph().parse((base_dir / config.path).resolve(), format=config.format)
        response = httpx.get(config.url, timeout=config.timeout, follow_redirects=True,
                             headers={"Accept": "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8"})
        response.raise_for_status()
        fmt = config.format or _format_of(response.headers.get("content-type", ""))
        return Graph().parse(data=response.text, format=fmt)

    def transform(self, raw: Graph, config: DcatConfig) -> Harvest:
        harvest, nodes = Harvest(), {}
        for dataset in sorted(set(raw.subjects(RDF.type, DCAT.Dataset)), key=str):
            props = {term.prop: term.from_rdf(raw, dataset) for term in mapping.DATASET.values()}
            title = props["name"]
            if not title:
                harvest.errors.append(RowError(str(dataset), "the dataset has no dct:title"))
                continue
            dataset_id = id_for("Dataset", str(dataset), readable=title)
            distributions = list(raw.objects(dataset, DCAT.distribution))
            for term in mapping.DISTRIBUTION.values():
                props[term.prop] = next(filter(None, (term.from_rdf(raw, d) for d in distributions)), None)
            nodes[dataset_id] = NodeRecord("Dataset", dataset_id, {**props, "publish": True})
            if config.system:
                harvest.rels.append(RelRecord("HOLDS", config.system, dataset_id))
            for publisher in raw.objects(dataset, DCTERMS.publisher):
                org = _organization(raw, publisher, nodes)
                if org:
                    harvest.rels.append(RelRecord("OWNS", org, dataset_id, {"role": "dataeier"}))
            for distribution in distributions:
                for fmt in _formats(raw, distribution, nodes):
                    harvest.rels.append(RelRecord("HAS_FORMAT", dataset_id, fmt))
        harvest.nodes = list(nodes.values())
        return harvest


def _format_of(content_type: str) -> str:
    if "json" in content_type:
        return "json-ld"
    return "xml" if "xml" in content_type else "turtle"


def _organization(graph: Graph, publisher: Any, nodes: dict) -> str | None:
    """A publisher named by its Felles datakatalog URI carries its organisasjonsnummer."""
    orgnr = str(publisher).removeprefix(mapping.FDK_ORGANIZATIONS)
    if not isinstance(publisher, URIRef) or not orgnr.isdigit() or len(orgnr) != 9:
        return None
    name = mapping.text(list(graph.objects(publisher, FOAF.name))) or f"Organisasjon {orgnr}"
    org_id = id_for("Organization", orgnr)
    nodes[org_id] = NodeRecord("Organization", org_id, {"name": name, "orgnr": orgnr})
    return org_id


def _formats(graph: Graph, distribution: Any, nodes: dict) -> list[str]:
    found = []
    file_types = [mapping.code("file-type", o) for o in graph.objects(distribution, mapping.FORMAT["file_type"].predicate)]
    media_types = [str(o).removeprefix(mapping.IANA) for o in graph.objects(distribution, mapping.FORMAT["media_type"].predicate)]
    # Some catalogues give the media type as a dct:format text.
    media_types += [str(o) for o in graph.objects(distribution, DCTERMS["format"]) if isinstance(o, Literal) and "/" in str(o)]
    for file_type in filter(None, file_types):
        node_id = id_for("Format", file_type.lower())
        nodes.setdefault(node_id, NodeRecord("Format", node_id, {"name": file_type, "file_type": file_type}))
        found.append(node_id)
    for media_type in media_types:
        node_id = id_for("Format", media_type.lower())
        nodes.setdefault(node_id, NodeRecord("Format", node_id, {"name": media_type, "media_type": media_type}))
        found.append(node_id)
    return found
