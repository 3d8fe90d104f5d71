"""The catalog's ontology, declared once; see `ontology.catalog`."""

from ontology.catalog import ONTOLOGY
from ontology.model import NodeType, Ontology, Prop, Ref, RelType

__all__ = ["ONTOLOGY", "NodeType", "Ontology", "Prop", "Ref", "RelType"]
