"""DCAT-AP-NO, one mapping for both ways: the export (catalog.services.dcat) writes datasets by it
and the dcat connector reads them back by it.

Which catalog property is which DCAT term, and which vocabulary its codes come from, is the
ontology's declaration (Prop.rdf, Prop.vocabulary); this module adds only DCAT's shape: the
licence sits on each distribution, a format's codes on the distribution that has it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ontology.catalog import ONTOLOGY
from ontology.checks import web_address
from ontology.rdf import expand
from ontology.vocabularies import LOS, VOCABULARIES

FDK_ORGANIZATIONS = "https://organization-catalog.fellesdatakatalog.digdir.no/organizations/"
IANA = "https://www.iana.org/assignments/media-types/"
LANGUAGE = "nb"
# The language a text is read in when a catalogue gives several, best first (None: untagged).
READ_LANGUAGES = ("nb", "no", "nn", "en", None)


@dataclass(frozen=True)
class Term:
    """One catalog property as one DCAT term."""

    prop: str
    predicate: URIRef
    many: bool
    vocabulary: str | None = None
    # A web address: a URI in RDF, not a text.
    address: bool = False
    # Codes that are the tail of a URI under this base without a vocabulary of ours (media types).
    base: str | None = None

    def to_rdf(self, value: Any) -> Iterator[Node]:
        for item in (value or []) if self.many else ([value] if value else []):
            if self.vocabulary:
                yield URIRef(VOCABULARIES[self.vocabulary].uri(item))
            elif self.base:
                yield URIRef(f"{self.base}{item}")
            elif self.address:
                yield URIRef(item)
            else:
                yield Literal(item, lang=LANGUAGE)

    def from_rdf(self, graph: Graph, subject: Node) -> Any:
        objects = list(graph.objects(subject, self.predicate))
        if self.vocabulary:
            values = [c for c in (code(self.vocabulary, o) for o in objects) if c]
        elif self.base:
            values = [str(o).removeprefix(self.base) for o in objects if str(o).startswith(self.base)]
        elif self.address:
            values = [str(o) for o in objects]
        elif self.many:
            values = sorted({str(o) for o in objects})
        else:
            return text(objects)
        if self.many:
            return sorted(values) or None
        return values[0] if values else None


def code(vocabulary: str, value: Any) -> str | None:
    """The code a URI stands for in a vocabulary (a LOS theme is its own URI), if it is one."""
    uri = str(value)
    if vocabulary == "data-theme" and uri.startswith(LOS):
        return uri if uri in VOCABULARIES["los"].codes else None
    vocab = VOCABULARIES[vocabulary]
    found = uri.removeprefix(vocab.base)
    return found if found in vocab.codes else None


def text(values: list[Node]) -> str | None:
    literals = [v for v in values if isinstance(v, Literal)]
    for language in READ_LANGUAGES:
        for literal in literals:
            if literal.language == language:
                return str(literal)
    return str(literals[0]) if literals else None


def _terms(label: str, *names: str) -> dict[str, Term]:
    props = {p.name: p for p in ONTOLOGY.all_props(ONTOLOGY.node(label))}
    return {name: Term(name, expand(props[name].rdf), props[name].kind == "list", props[name].vocabulary,
                       props[name].check is web_address, IANA if props[name].rdf == "dcat:mediaType" else None)
            for name in names}


_DATASET_RDF = [p.name for p in ONTOLOGY.all_props(ONTOLOGY.node("Dataset")) if p.rdf]
# DCAT-AP-NO gives a dataset's licence on each of its distributions.
DISTRIBUTION = _terms("Dataset", "licence")
DATASET = _terms("Dataset", *(name for name in _DATASET_RDF if name not in DISTRIBUTION))
FORMAT = _terms("Format", "file_type", "media_type")
