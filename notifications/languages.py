"""Responsible for the languages e-mails are written in: Babel message catalogues and their coverage.

Translations live in ``notifications/locale/<language>/LC_MESSAGES/messages.po`` (Babel/gettext
format; English is the source language and needs none). Catalogues are compiled from the .po file in
memory when first used, so a compiled catalogue can never be older than its source.

An e-mail is written in a person's language only if every sentence of that template (its own parts
and the shared layout) has a translation there; otherwise it is written in English as a whole, never
half and half. To add a language: add its .po file (see notifications/babel.cfg to extract the
sentences) and translate every template it should cover.
"""

from __future__ import annotations

import functools
import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"
DOMAIN = "messages"


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def available_languages() -> tuple[str, ...]:
    """English and every language with a message catalogue, e.g. ("en", "cy")."""
    others = sorted(path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *others)


def normalise(language: str | None) -> str:
    """ "cy-GB" -> "cy"; an unknown or empty tag -> English."""
    primary = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in available_languages() else SOURCE_LANGUAGE


@functools.cache
def load_catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as source:
        return read_po(source, locale=language, domain=DOMAIN)


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """gettext translations for `language`, compiled from its .po file (English: the identity)."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, load_catalogue(language), use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@functools.cache
def translated_ids(language: str) -> frozenset[str]:
    """The source sentences that have a finished (non-empty, not fuzzy) translation in `language`."""
    if language == SOURCE_LANGUAGE:
        return frozenset()
    return frozenset(
        str(message.id)
        for message in load_catalogue(language)
        if message.id and message.string and not message.fuzzy
    )
