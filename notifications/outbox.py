"""Responsible for writing e-mails into the outbox inside the caller's transaction, once per dedupe key.

`enqueue` never commits: the e-mail is saved if and only if the change that caused it is saved.
The dedupe key names the cause (for example ``"award_offered:award=42"``); asking again with the same
key returns the message already there, so a re-run of a flow never writes a second e-mail.

Two transactions that enqueue the same key at the same moment both pass the check; the unique
constraint on ``outbox_message.dedupe_key`` then rejects the second commit, and its retry finds the first.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OutboxMessage
from models.base import utcnow
from models.enums import OutboxStatus
from models.errors import CograntError
from notifications.calendar import checkin_event
from notifications.catalogue import message_type
from notifications.rendering import render_message

logger = logging.getLogger(__name__)

# Characters that could end a header, add a recipient or hide a second address.
_FORBIDDEN_IN_ADDRESS = frozenset(',;:<>"()[]\\')


_PENDING_KEY = "outbox_pending_by_dedupe_key"


class InvalidAddress(CograntError):
    """An e-mail address is not usable as a single recipient."""


def enqueue(
    session: Session,
    *,
    template: str,
    to_address: str,
    context: Mapping[str, object],
    dedupe_key: str,
    language: str | None = None,
    for_digest: bool = False,
) -> OutboxMessage:
    """Render `template` and add it to the outbox in `session` (not committed); same key, same message.

    In `language` where the template is translated (else English). With `for_digest`, a message that
    may wait (see notifications.catalogue) is held for the person's daily digest instead of sent."""
    check_address(to_address)
    _check_dedupe_key(dedupe_key)
    existing = find_message(session, dedupe_key)
    if existing is not None:
        _warn_if_different(existing, template=template, to_address=to_address)
        return existing
    rendered = render_message(template, context, language=language)
    kind = message_type(template)
    held = for_digest and kind is not None and kind.digestible
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        template=template,
        to_address=to_address,
        language=rendered.language,
        subject=_fit_subject(rendered.subject),
        body_text=rendered.text,
        body_html=rendered.html,
        calendar=_calendar(context) if kind is not None and kind.calendar else None,
        status=OutboxStatus.HELD_FOR_DIGEST if held else OutboxStatus.PENDING,
        attempts=0,
    )
    session.add(message)
    # Remembered by key, so finding it again does not scan every new object in the session.
    session.info.setdefault(_PENDING_KEY, {})[dedupe_key] = message
    return message


def _calendar(context: Mapping[str, object]) -> str:
    contact = str(context.get("contact_email", ""))
    return checkin_event(
        reference=str(context["reference"]),
        milestone_title=str(context["milestone_title"]),
        due_date=context["due_date"],  # type: ignore[arg-type]
        written_at=utcnow(),
        domain=contact.rpartition("@")[2] or "cogrant.invalid",
    )


def find_message(session: Session, dedupe_key: str) -> OutboxMessage | None:
    """The message with `dedupe_key` added to this session or already in the database, if any."""
    pending = session.info.get(_PENDING_KEY, {}).get(dedupe_key)
    if pending is not None and pending in session:
        return pending
    # Do not flush the caller's other half-built objects just to look for a message.
    with session.no_autoflush:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).first()


def check_address(address: str) -> None:
    """Accept one plain address (local@domain); refuse anything that could inject headers or recipients."""
    if len(address) > _column_length("to_address"):
        raise InvalidAddress(f"e-mail address is too long ({len(address)} characters)")
    local, at, domain = address.partition("@")
    problems = []
    if not at or not local or not domain or "@" in domain:
        problems.append("it needs exactly one @ with text on both sides")
    if any(char.isspace() or not char.isprintable() for char in address):
        problems.append("it contains a space, line break or control character")
    if _FORBIDDEN_IN_ADDRESS.intersection(address):
        problems.append("it contains punctuation that is not allowed in a single address")
    if problems:
        raise InvalidAddress(f"cannot send e-mail to {address!r}: " + "; ".join(problems))


def _check_dedupe_key(dedupe_key: str) -> None:
    if not dedupe_key.strip() or len(dedupe_key) > _column_length("dedupe_key"):
        raise ValueError(
            f"dedupe_key must be 1-{_column_length('dedupe_key')} characters, got {dedupe_key!r}"
        )


def _fit_subject(subject: str) -> str:
    limit = _column_length("subject")
    return subject if len(subject) <= limit else subject[: limit - 1].rstrip() + "…"


def _column_length(name: str) -> int:
    return int(OutboxMessage.__table__.c[name].type.length)


def _warn_if_different(existing: OutboxMessage, *, template: str, to_address: str) -> None:
    if (existing.template, existing.to_address) != (template, to_address):
        logger.warning(
            "dedupe key %r already used for %s to %s; not adding %s to %s",
            existing.dedupe_key,
            existing.template,
            existing.to_address,
            template,
            to_address,
        )
