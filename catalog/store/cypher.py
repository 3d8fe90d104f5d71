"""Small Cypher fragments shared by the store modules. Labels and types in them come from the
ontology only; values always travel as parameters."""

from __future__ import annotations

from typing import Iterable

from catalog.store.schema import ENTITY
from ontology.model import Ref


def label_test(variable: str, labels: Iterable[str]) -> str:
    return "(" + " OR ".join(f"{variable}:{label}" for label in labels) + ")"


def type_of(variable: str) -> str:
    return f"head([l IN labels({variable}) WHERE l <> '{ENTITY}'])"


def summary(variable: str) -> str:
    return f"{variable} {{.id, .name, type: {type_of(variable)}}}"


def ref_pattern(ref: Ref, this: str = "n", other: str = "m") -> str:
    """The stored relationship of a ref, seen from the node that declares it."""
    if ref.outgoing:
        return f"({this})-[:{ref.rel}]->({other})"
    return f"({this})<-[:{ref.rel}]-({other})"


def valid_at(variable: str) -> str:
    """True when the edge or node holds on the date $as_of (open ends count as always), and no
    harvest had closed it before that day (a node its source no longer has)."""
    return (f"({variable}.valid_from IS NULL OR {variable}.valid_from <= $as_of) AND "
            f"({variable}.valid_to IS NULL OR {variable}.valid_to >= $as_of) AND "
            f"({variable}.closed IS NULL OR {variable}.closed >= $as_of)")
