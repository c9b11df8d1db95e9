"""Responsible for turning a template name and a context into an e-mail: one subject line, text and HTML.

Each e-mail lives in ``notifications/templates/<name>/`` as ``subject.txt``, ``body.txt`` and
``body.html``. HTML is autoescaped, text is not. A missing context variable is an error that names
the template and the variable (nothing is ever sent with a blank where a fact should be).

Context variables
=================

Every template needs these three; ``contact_phone`` is the only optional variable anywhere.

==================  ==========================  ================================================
variable            type                        meaning
==================  ==========================  ================================================
recipient_name      str                         how we greet the reader ("Sam", "Check-in team")
funder_name         str                         signs the e-mail: "The <funder_name> team"
contact_email       str                         where to write with questions
contact_phone       str, optional               a phone number, for people who prefer to call
==================  ==========================  ================================================

Per template (dates are ``datetime.date``/``datetime``, shown as "3 March 2026"; a ``str`` is shown
as it is; URLs are absolute links into the portal or document store):

``application_received`` (to the applicant)
    reference (str), title (str), round_name (str), decision_date (date): when we expect to decide.
``application_ineligible`` (to the applicant)
    reference (str), title (str), round_name (str), reasons (list[str]): why it does not fit,
    alternatives (list[str]): what they could do instead (may be empty: we then offer a chat).
``review_assigned`` (to a reviewer)
    round_name (str), application_count (int), due_date (date), portal_url (str).
``application_not_funded`` (to the applicant)
    reference (str), title (str), round_name (str), summary_statement (str, blank lines split
    paragraphs), lived_experience_mean and scientist_mean (float | Decimal | None; None reads
    "not available").
``award_offered`` (to the award holders)
    reference (str), title (str), amount (Decimal | int), currency (str, ISO 4217 such as "GBP"),
    conditions (list[str], may be empty), start_date (date), end_date (date),
    award_letter_url (str): where the award letter can be read and downloaded.
``checkin_reminder`` (to the project team)
    reference (str), project_title (str), milestone_title (str), due_date (date), checkin_url (str).
``checkin_overdue`` (to administrators)
    reference (str), project_title (str), milestone_title (str), due_date (date),
    days_overdue (int), project_url (str).
``celebration_shared`` (to the project team and community partners)
    reference (str), project_title (str), report_url (str): the celebration report.

``tranche_released`` (to the project team)
    project_title, reference (str), amount (str, formatted with currency), tranche_number (int),
    milestone_title (str).

``final_report_due`` (to the project team)
    project_title, reference (str), due_date (date), report_url (str).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import jinja2
from jinja2 import meta
from markupsafe import Markup, escape

from models.errors import CograntError

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAMES: tuple[str, ...] = (
    "application_received",
    "application_ineligible",
    "review_assigned",
    "application_not_funded",
    "award_offered",
    "checkin_reminder",
    "checkin_overdue",
    "celebration_shared",
    "tranche_released",
    "final_report_due",
)
PARTS: tuple[str, ...] = ("subject.txt", "body.txt", "body.html")
OPTIONAL_VARIABLES = frozenset({"contact_phone"})

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


def render_message(template: str, context: Mapping[str, object]) -> RenderedMessage:
    """Render the three parts of `template`; raise TemplateError naming any missing variable."""
    missing = sorted(required_variables(template) - context.keys())
    if missing:
        raise TemplateError(f"e-mail template '{template}' needs context variable(s): {', '.join(missing)}")
    parts = [_render_part(template, part, context) for part in PARTS]
    return RenderedMessage(subject=" ".join(parts[0].split()), text=parts[1], html=parts[2])


@functools.cache
def required_variables(template: str) -> frozenset[str]:
    """The context variables `template` uses (all parts and shared includes), less the optional ones."""
    _check_known(template)
    env = _environment()
    names: set[str] = set()
    pending = [f"{template}/{part}" for part in PARTS]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        seen.add(name)
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        tree = env.parse(source)
        names |= meta.find_undeclared_variables(tree)
        pending += [ref for ref in meta.find_referenced_templates(tree) if ref and ref not in seen]
    return frozenset(names - OPTIONAL_VARIABLES)


def _render_part(template: str, part: str, context: Mapping[str, object]) -> str:
    try:
        return _environment().get_template(f"{template}/{part}").render(context)
    except jinja2.UndefinedError as error:
        raise TemplateError(f"e-mail template '{template}' ({part}): {error.message}") from error


def _check_known(template: str) -> None:
    if template not in TEMPLATE_NAMES:
        raise TemplateError(f"no e-mail template '{template}'; known: {', '.join(TEMPLATE_NAMES)}")


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(long_date=long_date, money=money, score=score, paragraphs=paragraphs)
    return env


def long_date(value: dt.date | str) -> str:
    """3 March 2026: day first, month in words, no leading zero, the same whatever the server locale."""
    if isinstance(value, str):
        return value
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


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
