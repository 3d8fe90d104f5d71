"""Language: Norwegian bokmål first, English when the browser asks for it or the person chose it.

Texts live in Babel message catalogs (translations/<locale>/LC_MESSAGES/messages.po, English
msgids). The .po files are read and compiled in memory at start-up, so a fresh clone needs no
build step."""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.requests import Request

LOCALES = ("nb", "en")
DEFAULT_LOCALE = "nb"
LANGUAGE_COOKIE = "lang"
TRANSLATIONS = Path(__file__).parent / "translations"
# Browsers say "no" or "nn" as often as "nb"; all read bokmål better than English.
_ALIASES = {"no": "nb", "nn": "nb"}


@cache
def translations(locale: str) -> gettext.NullTranslations:
    po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _accepted(header: str) -> list[str]:
    weighted = []
    for part in header.split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            weight = 0.0
        if tag:
            weighted.append((weight, tag.strip().lower()))
    languages = []
    for _, tag in sorted(weighted, key=lambda w: -w[0]):
        primary = tag.split("-")[0]
        languages.append(_ALIASES.get(primary, primary))
    return languages


def locale_of(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LOCALES:
        return chosen
    return negotiate_locale(_accepted(request.headers.get("accept-language", "")), LOCALES) or DEFAULT_LOCALE
