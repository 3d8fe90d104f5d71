"""DCAT-AP-NO catalogues (Turtle, RDF/XML or JSON-LD, from a file or a URL): datasets with their
publisher, themes, keywords, access rights, licence, distributions and formats."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, model_validator
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from connectors.contract import Connector, Harvest, RowError
from ontology.records import NodeRecord, RelRecord, slug
from ontology.vocabularies import LOS, VOCABULARIES

FDK_ORGANIZATIONS = "https://organization-catalog.fellesdatakatalog.digdir.no/organizations/"
IANA = "https://www.iana.org/assignments/media-types/"
LANGUAGES = ("nb", "no", "nn", "en", None)


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
            title = _text(raw, dataset, DCTERMS.title)
            if not title:
                harvest.errors.append(RowError(str(dataset), "the dataset has no dct:title"))
                continue
            dataset_id = f"dataset-{slug(title)[:50]}-{hashlib.sha1(str(dataset).encode()).hexdigest()[:8]}"
            distributions = list(raw.objects(dataset, DCAT.distribution))
            licences = [_code("licence", o) for d in distributions for o in raw.objects(d, DCTERMS.license)]
            nodes[dataset_id] = NodeRecord("Dataset", dataset_id, {
                "name": title, "description": _text(raw, dataset, DCTERMS.description),
                "themes": sorted(filter(None, (_theme(t) for t in raw.objects(dataset, DCAT.theme)))) or None,
                "keywords": sorted({str(k) for k in raw.objects(dataset, DCAT.keyword)}) or None,
                "access_rights": _code("access-right", raw.value(dataset, DCTERMS.accessRights)),
                "frequency": _code("frequency", raw.value(dataset, DCTERMS.accrualPeriodicity)),
                "licence": next(filter(None, licences), None),
                "landing_page": str(raw.value(dataset, DCAT.landingPage) or "") or None,
                "publish": True})
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


def _text(graph: Graph, subject, predicate) -> str | None:
    values = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
    for language in LANGUAGES:
        for value in values:
            if value.language == language:
                return str(value)
    return str(values[0]) if values else None


def _code(vocabulary: str, value: Any) -> str | None:
    vocab = VOCABULARIES[vocabulary]
    code = str(value).removeprefix(vocab.base) if value is not None else None
    return code if code in vocab.codes else None


def _theme(value: Any) -> str | None:
    if str(value).startswith(LOS):
        return str(value) if str(value) in VOCABULARIES["los"].codes else None
    return _code("data-theme", value)


def _organization(graph: Graph, publisher: Any, nodes: dict) -> str | None:
    """A publisher named by its Felles datakatalog URI carries its organisasjonsnummer."""
    orgnr = str(publisher).removeprefix(FDK_ORGANIZATIONS)
    if not isinstance(publisher, URIRef) or not orgnr.isdigit() or len(orgnr) != 9:
        return None
    name = _text(graph, publisher, FOAF.name) or f"Organisasjon {orgnr}"
    org_id = f"org-{orgnr}"
    nodes[org_id] = NodeRecord("Organization", org_id, {"name": name, "orgnr": orgnr})
    return org_id


def _formats(graph: Graph, distribution: Any, nodes: dict) -> list[str]:
    found = []
    file_types = [_code("file-type", o) for o in graph.objects(distribution, DCTERMS["format"])]
    media_types = [str(o).removeprefix(IANA) for o in graph.objects(distribution, DCAT.mediaType)]
    media_types += [str(o) for o in graph.objects(distribution, DCTERMS["format"]) if isinstance(o, Literal) and "/" in str(o)]
    for file_type in filter(None, file_types):
        node_id = f"format-{slug(file_type)}"
        nodes.setdefault(node_id, NodeRecord("Format", node_id, {"name": file_type, "file_type": file_type}))
        found.append(node_id)
    for media_type in media_types:
        node_id = f"format-{slug(media_type)}"
        nodes.setdefault(node_id, NodeRecord("Format", node_id, {"name": media_type, "media_type": media_type}))
        found.append(node_id)
    return found
