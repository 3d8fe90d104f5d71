"""DCAT-AP-NO: the catalogue Felles datakatalog harvests, and what each dataset still lacks.

Only datasets marked for publication and carrying every mandatory field are exported, so the
export validates against Digdir's shapes; the readiness report lists what the rest are missing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS

from catalog.store import export as export_store
from catalog.store.driver import Store
from ontology import dcat as mapping
from ontology.rdf import PREFIXES, bind
from ontology.vocabularies import EU

VCARD = PREFIXES["vcard"]
FINT_API = "https://api.felleskomponent.no"
FORMATS = {"turtle": "text/turtle", "jsonld": "application/ld+json", "xml": "application/rdf+xml"}

# Field -> whether the dataset has it. Mandatory in DCAT-AP-NO; the rest recommended.
MANDATORY = {
    "title": lambda d: bool(d["dataset"].get("name")),
    "description": lambda d: bool(d["dataset"].get("description")),
    "theme": lambda d: bool(d["dataset"].get("themes")),
    "publisher": lambda d: d["publisher"] is not None,
}
RECOMMENDED = {
    "contact_point": lambda d: bool(d["contacts"]),
    "keyword": lambda d: bool(d["dataset"].get("keywords")),
    "access_rights": lambda d: bool(d["dataset"].get("access_rights")),
    "distribution": lambda d: bool(d["formats"]),
    "licence": lambda d: bool(d["dataset"].get("licence")),
    "frequency": lambda d: bool(d["dataset"].get("frequency")),
}


def missing(entry: dict[str, Any]) -> tuple[list[str], list[str]]:
    return ([field for field, has in MANDATORY.items() if not has(entry)],
            [field for field, has in RECOMMENDED.items() if not has(entry)])


def _entries(store: Store) -> list[dict[str, Any]]:
    org = export_store.publisher(store)
    return [{**row, "publisher": org} for row in export_store.datasets(store)]


def readiness_rows(store: Store) -> list[dict[str, Any]]:
    rows = []
    for entry in _entries(store):
        mandatory, recommended = missing(entry)
        if mandatory or recommended:
            dataset = entry["dataset"]
            rows.append({"id": dataset["id"], "name": dataset.get("name"), "publish": bool(dataset.get("publish")),
                         "ready": not mandatory, "missing_mandatory": mandatory, "missing_recommended": recommended})
    return rows


def catalogue(store: Store, base_url: str, contact_email: str | None = None) -> Graph:
    """The DCAT-AP-NO catalogue. A contact point is the owning unit (for a person, the unit they
    work in) with the functional `contact_email` when one is configured; a person's own e-mail
    address is never exported."""
    graph = bind(Graph())
    org = export_store.publisher(store)
    catalog = URIRef(f"{base_url}/api/v1/export/dcat")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.identifier, Literal(str(catalog))))
    name = org["name"] if org else "Datakatalog"
    graph.add((catalog, DCTERMS.title, Literal(f"Datakatalog for {name}", lang="nb")))
    graph.add((catalog, DCTERMS.description, Literal(
        f"Datasett og datatjenester {name} deler, fra katalogen over data, eierskap og integrasjoner.", lang="nb")))
    if org:
        publisher = _publisher(graph, org)
        graph.add((catalog, DCTERMS.publisher, publisher))
    published = set()
    for entry in _entries(store):
        if entry["dataset"].get("publish") and not missing(entry)[0]:
            dataset = _dataset(graph, entry, base_url, publisher, contact_email)
            graph.add((catalog, DCAT.dataset, dataset))
            published.add(entry["dataset"]["id"])
    for row in export_store.fint_components(store):
        service = _fint_service(graph, row, base_url, published)
        graph.add((catalog, DCAT.service, service))
        if org:
            graph.add((service, DCTERMS.publisher, publisher))
    return graph


def _publisher(graph: Graph, org: dict[str, Any]) -> URIRef:
    uri = URIRef(f"{mapping.FDK_ORGANIZATIONS}{org['orgnr']}")
    graph.add((uri, RDF.type, FOAF.Agent))
    graph.add((uri, FOAF.name, Literal(org["name"], lang="nb")))
    graph.add((uri, DCTERMS.identifier, Literal(org["orgnr"])))
    return uri


def _dataset(graph: Graph, entry: dict[str, Any], base_url: str, publisher: URIRef,
             contact_email: str | None) -> URIRef:
    data = entry["dataset"]
    uri = URIRef(f"{base_url}/api/v1/datasets/{quote(data['id'], safe='')}")
    graph.add((uri, RDF.type, DCAT.Dataset))
    graph.add((uri, DCTERMS.identifier, Literal(str(uri))))
    graph.add((uri, DCTERMS.publisher, publisher))
    _terms(graph, uri, mapping.DATASET, data)
    for contact in entry["contacts"]:
        # A person is reached through their unit; a person without one is named, with no address.
        holder = contact.get("unit") or contact
        point = URIRef(f"{uri}#contact-{quote(holder['id'], safe='')}")
        graph.add((uri, DCAT.contactPoint, point))
        graph.add((point, RDF.type, VCARD.Organization))
        graph.add((point, VCARD.fn, Literal(holder.get("name") or holder["id"], lang="nb")))
        if contact_email:
            graph.add((point, VCARD.hasEmail, URIRef(f"mailto:{quote(contact_email, safe='@')}")))
    for fmt in entry["formats"]:
        distribution = URIRef(f"{uri}#distribution-{quote(fmt['id'], safe='')}")
        graph.add((uri, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.title, Literal(f"{data['name']} ({fmt['name']})", lang="nb")))
        graph.add((distribution, DCAT.accessURL, URIRef(data.get("landing_page") or str(uri))))
        _terms(graph, distribution, mapping.FORMAT, fmt)
        for file_type in mapping.FORMAT["file_type"].to_rdf(fmt.get("file_type")):
            # Stated with the export, as the reference data the validator merges in says it too.
            graph.add((file_type, SKOS.inScheme, URIRef(f"{EU}file-type")))
        _terms(graph, distribution, mapping.DISTRIBUTION, data)
    return uri


def _terms(graph: Graph, subject: URIRef, terms: dict[str, mapping.Term], values: dict[str, Any]) -> None:
    for term in terms.values():
        for value in term.to_rdf(values.get(term.prop)):
            graph.add((subject, term.predicate, value))


def _fint_service(graph: Graph, row: dict[str, Any], base_url: str, published: set[str]) -> URIRef:
    component = row["component"]
    uri = URIRef(f"{base_url}/api/v1/fint-components/{quote(component['id'], safe='')}")
    graph.add((uri, RDF.type, DCAT.DataService))
    graph.add((uri, DCTERMS.identifier, Literal(str(uri))))
    graph.add((uri, DCTERMS.title, Literal(f"FINT {component['name']}", lang="nb")))
    if component.get("description"):
        graph.add((uri, DCTERMS.description, Literal(component["description"], lang="nb")))
    path = component.get("base_path") or f"/{component['name']}"
    graph.add((uri, DCAT.endpointURL, URIRef(f"{FINT_API}{quote(path, safe='/')}")))
    for dataset_id in row["datasets"]:
        if dataset_id in published:
            graph.add((uri, DCAT.servesDataset, URIRef(f"{base_url}/api/v1/datasets/{quote(dataset_id, safe='')}")))
    return uri
