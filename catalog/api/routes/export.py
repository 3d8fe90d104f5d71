"""RDF out and in: the DCAT-AP-NO catalogue, the whole catalog (backup), the vocabulary."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Request, Response
from rdflib import Graph

from catalog.api.deps import ActorDep, StoreDep, permission
from catalog.errors import InvalidInput, NotFound
from catalog.services import backup, dcat
from catalog.settings import get_settings
from ontology.rdf import vocabulary
from ontology.vocabularies import VOCABULARIES

router = APIRouter(tags=["rdf and dcat"])
RDFLIB_FORMAT = {"turtle": "turtle", "jsonld": "json-ld", "json-ld": "json-ld", "xml": "xml"}
MAX_IMPORT_BYTES = 200 * 1024 * 1024


def _rdf(graph: Graph, fmt: str, media_type: str) -> Response:
    return Response(graph.serialize(format=RDFLIB_FORMAT[fmt]), media_type=f"{media_type}; charset=utf-8")


@router.get("/export/dcat", operation_id="export_dcat", response_class=Response, openapi_extra=permission("read"),
            responses={200: {"content": {m: {} for m in dcat.FORMATS.values()}}})
def export_dcat(store: StoreDep, format: Literal["turtle", "jsonld", "xml"] = "turtle") -> Response:
    """The DCAT-AP-NO catalogue of datasets marked for publication, and FINT data services. Contact
    points name the owning unit, with the configured functional address (CATALOG_DCAT_CONTACT_EMAIL)
    or none; no person's e-mail is exported."""
    return _rdf(dcat.catalogue(store, get_settings().public_base_url, get_settings().dcat_contact_email), format, dcat.FORMATS[format])


@router.get("/export/rdf", operation_id="export_rdf", response_class=Response, openapi_extra=permission("read_access"),
            responses={200: {"content": {m: {} for m in backup.FORMATS.values()}}})
def export_rdf(store: StoreDep, format: Literal["turtle", "json-ld"] = "turtle") -> Response:
    """Every entity, ownership, grant, integration and provenance: the backup format."""
    return _rdf(backup.export_graph(store), format, backup.FORMATS[format])


@router.post("/import/rdf", operation_id="import_rdf", openapi_extra=permission("admin"))
async def import_rdf(store: StoreDep, request: Request, actor: ActorDep,
                     content_type: Annotated[str, Header()] = "text/turtle") -> dict:
    """Load a whole-catalog export (Turtle or JSON-LD); facts merge on their ids. The change history
    is never altered: a backup's history is restored only into an empty one."""
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise InvalidInput("The file is larger than the import accepts.")
    fmt = "json-ld" if "json" in content_type else "turtle"
    try:
        graph = Graph().parse(data=body.decode("utf-8"), format=fmt)
    except Exception as error:  # rdflib raises many kinds of parse errors
        raise InvalidInput(f"The body is not valid {fmt}: {str(error)[:300]}") from error
    nodes, edges = backup.import_graph(store, graph, actor)
    return {"nodes": nodes, "edges": edges}


@router.get("/ontology", operation_id="ontology", response_class=Response, openapi_extra=permission("read"),
            responses={200: {"content": {"text/turtle": {}}}})
def ontology_vocabulary(format: Literal["turtle", "json-ld"] = "turtle") -> Response:
    """The catalog's RDF vocabulary, with labels in nb and en and its mapping to the standards."""
    return _rdf(vocabulary(), format, backup.FORMATS[format])


@router.get("/vocabularies/{name}", operation_id="vocabulary", openapi_extra=permission("read"))
def controlled_vocabulary(name: str) -> dict:
    """The values a controlled field accepts."""
    if name not in VOCABULARIES:
        raise NotFound(f"No vocabulary '{name}'; there are: {', '.join(VOCABULARIES)}.")
    vocab = VOCABULARIES[name]
    return {"name": name, "base": vocab.base or None, "values": sorted(vocab.codes)}
