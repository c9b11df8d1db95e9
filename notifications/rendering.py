"""Responsible for turning a template name, a context and a language into an e-mail's three parts.

Each e-mail lives in ``notifications/templates/<name>/`` as ``subject.txt``, ``body.txt`` and
``body.html`` (what each needs: notifications.catalogue). HTML is autoescaped, text is not. A missing
context variable is an error naming the template and the variable (StrictUndefined: nothing is ever
sent with a blank where a fact should be). Sentences in ``{% trans %}`` blocks are translated through
the Babel catalogues of notifications.languages; a template is written in the wanted language only
if all of its sentences are translated there.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import jinja2
from babel.dates import format_date
from jinja2 import meta
from markupsafe import Markup, escape

from models.errors import CograntError
from notifications.catalogue import OPTIONAL_KEYS, TEMPLATE_NAMES
from notifications.languages import SOURCE_LANGUAGE, normalise, translated_ids, translations

__all__ = ["TEMPLATE_DIR", "TEMPLATE_NAMES", "RenderedMessage", "TemplateError", "render_message"]

TEMPLATE_DIR = Path(__file__).parent / "templates"
PARTS: tuple[str, ...] = ("subject.txt", "body.txt", "body.html")
# Supplied by the renderer itself, never by the caller.
RENDERER_VARIABLES = frozenset({"html_lang"})

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


class TemplateError(CograntError):
    """An e-mail template is unknown or its context is incomplete (a programming error, not user input)."""


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str
    language: str = SOURCE_LANGUAGE


def render_message(
    template: str, context: Mapping[str, object], *, language: str | None = None
) -> RenderedMessage:
    """Render the three parts of `template`, in `language` where fully translated, else in English.

    Raises TemplateError naming any missing variable."""
    missing = sorted(required_variables(template) - context.keys())
    if missing:
        raise TemplateError(f"e-mail template '{template}' needs context variable(s): {', '.join(missing)}")
    used = language_for(template, language)
    values = {**context, "html_lang": used}
    parts = [_render_part(template, part, values, used) for part in PARTS]
    return RenderedMessage(subject=" ".join(parts[0].split()), text=parts[1], html=parts[2], language=used)


def language_for(template: str, wanted: str | None) -> str:
    """`wanted` if every sentence of `template` is translated into it, else English."""
    language = normalise(wanted)
    if language == SOURCE_LANGUAGE or not own_sentences(template):
        return SOURCE_LANGUAGE
    return language if sentences(template) <= translated_ids(language) else SOURCE_LANGUAGE


@functools.cache
def required_variables(template: str) -> frozenset[str]:
    """The context variables `template` uses (all parts and shared includes), less the optional ones."""
    env = _environment(SOURCE_LANGUAGE)
    names: set[str] = set()
    for name in _sources(template):
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        names |= meta.find_undeclared_variables(env.parse(source))
    return frozenset(names - OPTIONAL_KEYS - RENDERER_VARIABLES - env.globals.keys())


@functools.cache
def sentences(template: str) -> frozenset[str]:
    """The translatable sentences of `template`, its layout and the shared parts it includes."""
    return _sentences_in(_sources(template))


@functools.cache
def own_sentences(template: str) -> frozenset[str]:
    """The translatable sentences in the template's own three parts."""
    return _sentences_in(tuple(f"{template}/{part}" for part in PARTS))


def _sentences_in(names: tuple[str, ...]) -> frozenset[str]:
    env = _environment(SOURCE_LANGUAGE)
    found: set[str] = set()
    for name in names:
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        for _, _, message in env.extract_translations(source):  # type: ignore[attr-defined]
            found |= {message} if isinstance(message, str) else {m for m in message if m}
    return frozenset(found)


@functools.cache
def _sources(template: str) -> tuple[str, ...]:
    """The template's three parts and every template they extend or include, each once."""
    _check_known(template)
    env = _environment(SOURCE_LANGUAGE)
    pending = [f"{template}/{part}" for part in PARTS]
    seen: list[str] = []
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.append(name)
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        pending += [ref for ref in meta.find_referenced_templates(env.parse(source)) if ref]
    return tuple(seen)


def _render_part(template: str, part: str, context: Mapping[str, object], language: str) -> str:
    try:
        return _environment(language).get_template(f"{template}/{part}").render(context)
    except jinja2.UndefinedError as error:
        raise TemplateError(f"e-mail template '{template}' ({part}): {error.message}") from error


def _check_known(template: str) -> None:
    if template not in TEMPLATE_NAMES:
        raise TemplateError(f"no e-mail template '{template}'; known: {', '.join(TEMPLATE_NAMES)}")


@functools.cache
def _environment(language: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    dates = long_date if language == SOURCE_LANGUAGE else functools.partial(_local_date, language=language)
    env.filters.update(long_date=dates, money=money, score=score, paragraphs=paragraphs)
    return env


def long_date(value: dt.date | str) -> str:
    """3 March 2026: day first, month in words, no leading zero, the same whatever the server locale."""
    if isinstance(value, str):
        return value
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _local_date(value: dt.date | str, *, language: str) -> str:
    return value if isinstance(value, str) else format_date(value, "d MMMM y", locale=language)


def money(amount: Decimal | int | float, currency: str) -> str:
    """£25,000 or £1,250.50; currencies without a symbol here are written as "25,000 CAD"."""
    value = Decimal(str(amount))
    number = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    symbol = _CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}{number}" if symbol else f"{number} {currency.upper()}"


def score(value: Decimal | float | None) -> str:
    """A group mean on the 1-9 scale, to one decimal place, halves rounded up (3.25 is 3.3)."""
    if value is None:
        return "not available"
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def paragraphs(text: str) -> Markup:
    """Escaped HTML paragraphs: blank lines split paragraphs, single line breaks are kept."""
    blocks = [block.strip() for block in str(text).replace("\r\n", "\n").split("\n\n") if block.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in block.split("\n")))
        for block in blocks
    )
