"""Validators and derivations the declarations refer to."""

from __future__ import annotations

import re
from typing import Any

# The EU member states plus Iceland, Liechtenstein and Norway (ISO 3166-1 alpha-2).
EEA_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)

_ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def organisasjonsnummer(value: str) -> str:
    """Enhetsregisteret's organisation number: nine digits, the last a modulus-11 check digit."""
    digits = value.replace(" ", "")
    if len(digits) != 9 or not digits.isdigit():
        raise ValueError("an organisasjonsnummer has exactly nine digits")
    remainder = sum(int(d) * w for d, w in zip(digits, _ORGNR_WEIGHTS)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    if check == 10 or check != int(digits[8]):
        raise ValueError("the check digit of this organisasjonsnummer is wrong")
    return digits


def country_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise ValueError("use a two-letter ISO 3166-1 country code, such as NO or IE")
    return code


def lower_case(value: str) -> str:
    """E-mail addresses and sign-in names compare case-insensitively; store them so."""
    return value.strip().lower()


def match_key(name: str) -> str:
    """A name reduced to what identifies it: 'Public 360', 'public-360' and 'PUBLIC360' agree."""
    return re.sub(r"[\W_]+", "", name.lower())


def match_keys(record: dict[str, Any]) -> list[str] | None:
    names = [record.get("name"), *(record.get("aliases") or [])]
    keys = sorted({match_key(n) for n in names if n} - {""})
    return keys or None


def web_address(value: str) -> str:
    """An absolute http(s) address, as the RDF export needs it."""
    if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", value):
        raise ValueError("give a full web address starting with https:// (no spaces)")
    return value


def inside_eea(record: dict[str, Any]) -> bool | None:
    country = record.get("country")
    return None if country is None else country in EEA_COUNTRIES


def theme(value: str) -> str:
    from ontology.vocabularies import check_theme

    return check_theme(value)


def file_type(value: str) -> str:
    from ontology.vocabularies import check_code

    return check_code("file-type", value.upper())


def frequency(value: str) -> str:
    from ontology.vocabularies import check_code

    return check_code("frequency", value.upper())


def licence(value: str) -> str:
    from ontology.vocabularies import check_code

    return check_code("licence", value)
