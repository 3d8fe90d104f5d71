"""Controlled vocabularies (EU authority tables, LOS), read lazily from the Turtle files here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import Graph

HERE = Path(__file__).parent
EU = "http://publications.europa.eu/resource/authority/"
LOS = "https://psi.norge.no/los/"


@dataclass(frozen=True)
class Vocabulary:
    name: str
    file: str
    # Values are given as the code after this base (EU tables) or as the full URI (LOS).
    base: str

    @property
    def codes(self) -> frozenset[str]:
        return _codes(self.file, self.base)

    def uri(self, code: str) -> str:
        return code if code.startswith("http") else f"{self.base}{code}"

    def describe(self) -> str:
        sample = ", ".join(sorted(self.codes)[:12])
        more = f" … ({len(self.codes)} in all; GET /api/v1/vocabularies/{self.name})" if len(self.codes) > 12 else ""
        return f"{sample}{more}"


@cache
def _codes(file: str, base: str) -> frozenset[str]:
    graph = Graph().parse(HERE / file)
    # Concepts are the subjects under the table's base (the table itself is the base minus '/').
    return frozenset(str(s)[len(base):] for s in set(graph.subjects()) if str(s).startswith(base) and str(s) != base)


VOCABULARIES = {
    v.name: v for v in (
        Vocabulary("data-theme", "eu-data-theme.ttl", f"{EU}data-theme/"),
        Vocabulary("los", "los-themes.ttl", ""),
        Vocabulary("access-right", "eu-access-right.ttl", f"{EU}access-right/"),
        Vocabulary("file-type", "eu-file-type.ttl", f"{EU}file-type/"),
        Vocabulary("frequency", "eu-frequency.ttl", f"{EU}frequency/"),
        Vocabulary("licence", "eu-licence.ttl", f"{EU}licence/"),
    )
}


def check_code(vocabulary: str, value: str) -> str:
    vocab = VOCABULARIES[vocabulary]
    code = value.removeprefix(vocab.base) if vocab.base else value
    if code not in vocab.codes:
        raise ValueError(f"'{value}' is not in the {vocabulary} vocabulary; allowed: {vocab.describe()}")
    return code


def check_theme(value: str) -> str:
    """A theme is an EU data-theme code (EDUC) or a LOS theme URI."""
    if value.startswith(LOS):
        if value not in VOCABULARIES["los"].codes:
            raise ValueError(f"'{value}' is not a LOS theme; see GET /api/v1/vocabularies/los")
        return value
    try:
        return check_code("data-theme", value)
    except ValueError:
        raise ValueError(f"'{value}' is neither an EU data-theme code ({VOCABULARIES['data-theme'].describe()}) "
                         f"nor a LOS theme URI ({LOS}tema/…)") from None
