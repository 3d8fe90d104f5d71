"""Whole-catalog RDF (Turtle or JSON-LD): every node and edge with all its properties and
provenance, so that export → empty store → import gives the same graph. Also the backup format.

Nodes are resources typed with the vocabulary's class; edges are resources of type cat:Edge
naming their relationship, ends and properties (and are also stated directly, for readers).
Lists travel as rdf:JSON literals, so their order survives.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote

from pydantic import ValidationError
from rdflib import RDF, XSD, Graph, Literal, URIRef

from catalog.errors import InvalidInput
from catalog.store import backup as backup_store
from catalog.store import history
from catalog.store.driver import Store
from ontology.api_models import EDGE_PROPS, NODE_MODELS
from ontology.rdf import CAT, bind

FORMATS = {"turtle": "text/turtle", "json-ld": "application/ld+json"}
ID_BASE = "urn:datakatalog:"
MAX_ERRORS_SHOWN = 100


def _node_uri(node_id: str) -> URIRef:
    return URIRef(f"{ID_BASE}node:{quote(node_id, safe='')}")


def _edge_uri(edge_id: str) -> URIRef:
    return URIRef(f"{ID_BASE}edge:{quote(edge_id, safe='')}")


def _literal(value: Any) -> Literal:
    if isinstance(value, list):
        return Literal(json.dumps(value, ensure_ascii=False), datatype=RDF.JSON)
    if isinstance(value, bool):
        return Literal(value, datatype=XSD.boolean)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    if isinstance(value, float):
        return Literal(value, datatype=XSD.double)
    return Literal(str(value))


def _value(literal: Literal) -> Any:
    if literal.datatype == RDF.JSON:
        return json.loads(str(literal))
    value = literal.toPython()
    return str(value) if isinstance(value, Literal) else value


def export_graph(store: Store) -> Graph:
    graph = bind(Graph())
    for row in backup_store.nodes(store):
        subject = _node_uri(row["props"]["id"])
        graph.add((subject, RDF.type, CAT[row["label"]]))
        for name, value in row["props"].items():
            graph.add((subject, CAT[name], _literal(value)))
    for row in backup_store.edges(store):
        subject = _edge_uri(row["props"]["id"])
        graph.add((_node_uri(row["source"]), CAT[row["type"]], _node_uri(row["target"])))
        graph.add((subject, RDF.type, CAT.Edge))
        graph.add((subject, CAT.relationship, CAT[row["type"]]))
        graph.add((subject, CAT["from"], _node_uri(row["source"])))
        graph.add((subject, CAT.to, _node_uri(row["target"])))
        for name, value in row["props"].items():
            graph.add((subject, CAT[name], _literal(value)))
    return graph


HISTORY_LABELS = {"ChangeRecord", "HistoryHead"}


def import_graph(store: Store, graph: Graph, actor: str) -> tuple[int, int]:
    """Load a whole-catalog export. The change history is append-only: an import brings a backup's
    history only into a store that has none yet (a restore), and only when its hash chain holds;
    otherwise the history in the file is left out. The import itself is then recorded."""
    node_rows, edge_rows = [], []
    for subject, _, cls in graph.triples((None, RDF.type, None)):
        if not str(cls).startswith(str(CAT)) or not str(subject).startswith(ID_BASE):
            continue
        props = {str(p)[len(str(CAT)):]: _value(o) for p, o in graph.predicate_objects(subject)
                 if str(p).startswith(str(CAT)) and isinstance(o, Literal)}
        if cls == CAT.Edge:
            edge_rows.append({"type": str(graph.value(subject, CAT.relationship))[len(str(CAT)):],
                              "source": _id(graph.value(subject, CAT["from"])),
                              "target": _id(graph.value(subject, CAT.to)), "props": props})
        else:
            node_rows.append({"label": str(cls)[len(str(CAT)):], "props": props})
    errors = _invalid(node_rows, edge_rows)
    if errors:
        raise InvalidInput(f"{len(errors)} value(s) in the RDF break the ontology; nothing was imported.",
                           errors=errors[:MAX_ERRORS_SHOWN])
    node_rows, history_rows = _history_to_restore(store, node_rows)
    try:
        nodes, edges = backup_store.restore(store, node_rows + history_rows, edge_rows)
    except (KeyError, ValueError) as error:
        raise InvalidInput(f"The RDF is not a catalog export: {error}") from error
    history.record_now(store, "import", "catalog", "RdfImport", actor, None,
                       {"nodes": nodes - len(history_rows), "edges": edges,
                        "history_records_restored": sum(row["label"] == "ChangeRecord" for row in history_rows)})
    return nodes, edges


def _history_to_restore(store: Store, node_rows: list[dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    """The rows other than history, and the history rows to restore: all of them into an empty
    history when their chain holds (a broken one is refused), none into a history that exists."""
    rest = [row for row in node_rows if row["label"] not in HISTORY_LABELS]
    kept = [row for row in node_rows if row["label"] in HISTORY_LABELS]
    if not kept or not history.is_empty(store):
        return rest, []
    records = sorted((row["props"] for row in kept if row["label"] == "ChangeRecord"), key=lambda r: r.get("seq") or 0)
    head = next((row["props"] for row in kept if row["label"] == "HistoryHead"), None)
    verdict = history.check_chain(records, head)
    if not verdict.intact:
        raise InvalidInput(f"The history in the file is broken at record {verdict.break_at}: {verdict.reason}; "
                           "nothing was imported.")
    return rest, kept


def _invalid(node_rows: list[dict[str, Any]], edge_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every property the ontology declares, checked as the API checks it, before anything is written."""
    checks = [(NODE_MODELS[row["label"]].patch, row) for row in node_rows if row["label"] in NODE_MODELS]
    checks += [(EDGE_PROPS[row["type"]], row) for row in edge_rows if row["type"] in EDGE_PROPS]
    errors = []
    for model, row in checks:
        try:
            model.model_validate({k: v for k, v in row["props"].items() if k in model.model_fields})
        except ValidationError as error:
            errors += [{"loc": [row["props"].get("id"), *e["loc"]], "msg": e["msg"], "type": e["type"]}
                       for e in error.errors()]
    return errors


def _id(uri: URIRef | None) -> str:
    if uri is None or not str(uri).startswith(f"{ID_BASE}node:"):
        raise InvalidInput(f"An edge points at {uri!r}, which is not a catalog node.")
    return unquote(str(uri)[len(f"{ID_BASE}node:"):])
