"""The ontology as an RDF vocabulary (Turtle, labels in nb and en), mapped to the standards it
builds on: DCAT, W3C ORG, FOAF, vCard, PROV-O, DCTERMS, and W3C's Data Privacy Vocabulary (DPV)
for the governance register, its controlled values included. Derived from the same declarations
as the graph schema and the API models."""

from __future__ import annotations

from functools import cache

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef

from ontology.catalog import ONTOLOGY

CAT = Namespace("https://w3id.org/datakatalog/ontology#")
SCHEMA = Namespace("https://schema.org/")
PREFIXES = {
    "cat": CAT,
    "dcat": Namespace("http://www.w3.org/ns/dcat#"),
    "dct": Namespace("http://purl.org/dc/terms/"),
    "org": Namespace("http://www.w3.org/ns/org#"),
    "foaf": Namespace("http://xmlns.com/foaf/0.1/"),
    "vcard": Namespace("http://www.w3.org/2006/vcard/ns#"),
    "prov": Namespace("http://www.w3.org/ns/prov#"),
    "skos": Namespace("http://www.w3.org/2004/02/skos/core#"),
    "cv": Namespace("http://data.europa.eu/m8g/"),
    "schema": SCHEMA,
    "dpv": Namespace("https://w3id.org/dpv#"),
    "pd": Namespace("https://w3id.org/dpv/pd#"),
    "risk": Namespace("https://w3id.org/dpv/risk#"),
    "eu-gdpr": Namespace("https://w3id.org/dpv/legal/eu/gdpr#"),
}


def expand(curie: str) -> URIRef:
    prefix, local = curie.split(":", 1)
    return PREFIXES[prefix][local]


def bind(graph: Graph) -> Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


@cache
def vocabulary() -> Graph:
    graph = bind(Graph())
    graph.add((URIRef(str(CAT)[:-1]), RDF.type, OWL.Ontology))
    props: dict[str, set[str]] = {}
    for node in ONTOLOGY.nodes + ONTOLOGY.operational:
        cls = CAT[node.label]
        graph.add((cls, RDF.type, OWL.Class))
        graph.add((cls, RDFS.label, Literal(node.label, lang="en")))
        graph.add((cls, RDFS.label, Literal(node.nb or node.label, lang="nb")))
        graph.add((cls, RDFS.comment, Literal(node.description, lang="en")))
        if node.rdf_class:
            graph.add((cls, RDFS.subClassOf, expand(node.rdf_class)))
        for prop in (ONTOLOGY.all_props(node) if node in ONTOLOGY.nodes else node.props):
            props.setdefault(prop.name, set()).add(node.label)
            _datatype_property(graph, prop)
    for prop in ONTOLOGY.provenance:
        _datatype_property(graph, prop)
    for name, labels in props.items():
        for label in labels:
            graph.add((CAT[name], SCHEMA.domainIncludes, CAT[label]))
    for rel in ONTOLOGY.relationships:
        prop = CAT[rel.type]
        graph.add((prop, RDF.type, OWL.ObjectProperty))
        graph.add((prop, RDFS.label, Literal(rel.type.lower().replace("_", " "), lang="en")))
        graph.add((prop, RDFS.label, Literal(rel.nb, lang="nb")))
        graph.add((prop, RDFS.comment, Literal(rel.description, lang="en")))
        for label in rel.sources:
            graph.add((prop, SCHEMA.domainIncludes, CAT[label]))
        for label in rel.targets:
            graph.add((prop, SCHEMA.rangeIncludes, CAT[label]))
        if rel.rdf:
            graph.add((prop, RDFS.subPropertyOf, expand(rel.rdf)))
        for edge_prop in rel.props:
            _datatype_property(graph, edge_prop)
    return graph


def _datatype_property(graph: Graph, prop) -> None:
    # Several types may share a property name (kind, status); each brings its own controlled values.
    for value, term in (prop.choice_rdf or {}).items():
        concept = controlled_value(prop.name, value)
        graph.add((concept, RDF.type, SKOS.Concept))
        graph.add((concept, SKOS.prefLabel, Literal(value)))
        graph.add((concept, SKOS.exactMatch, expand(term)))
    iri = CAT[prop.name]
    if (iri, RDF.type, OWL.DatatypeProperty) in graph:
        return
    graph.add((iri, RDF.type, OWL.DatatypeProperty))
    graph.add((iri, RDFS.label, Literal(prop.name.replace("_", " "), lang="en")))
    if prop.description:
        graph.add((iri, RDFS.comment, Literal(prop.description, lang="en")))
    if prop.rdf:
        graph.add((iri, RDFS.subPropertyOf, expand(prop.rdf)))


def controlled_value(prop_name: str, value: str) -> URIRef:
    """The catalog's own term for a controlled value, such as cat:art6_basis-public-task."""
    return CAT[f"{prop_name}-{value}"]
