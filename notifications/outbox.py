"""Responsible for writing e-mails into the outbox inside the caller's transaction, once per dedupe key.

`enqueue` never commits: the e-mail is saved if and only if the change that caused it is saved.
The dedupe key names the cause (for example ``"award_offered:award=42"``); asking again with the same
key returns the message already there, so a re-run of a flow never writes a second e-mail.
`enqueue_all` looks up the keys of many e-mails at once; inside a `batch` block, `enqueue_later` gathers
the e-mails a whole pass causes and enqueues them together when the block ends (one look-up, not one per
e-mail).

Two transactions that enqueue the same key at the same moment both pass the check; the unique
constraint on ``outbox_message.dedupe_key`` then rejects the second commit, and its retry finds the first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

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
_BATCH_KEY = "outbox_batch"
# Keys looked up in one statement; well under every database's limit on bound parameters.
_KEYS_PER_LOOKUP = 500


class InvalidAddress(CograntError):
    """An e-mail address is not usable as a single recipient."""


@dataclass(frozen=True)
class Email:
    """One e-mail to queue: `template` rendered with `context` for `to_address`, once per `dedupe_key`.

    In `language` where the template is translated (else English). With `for_digest`, a message that
    may wait (see notifications.catalogue) is held for the person's daily digest instead of sent."""

    template: str
    to_address: str
    context: Mapping[str, object]
    dedupe_key: str
    language: str | None = None
    for_digest: bool = False


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
    """Render `template` and add it to the outbox in `session` (not committed); same key, same message."""
    email = Email(template, to_address, context, dedupe_key, language=language, for_digest=for_digest)
    return enqueue_all(session, [email])[0]


def enqueue_all(session: Session, emails: Sequence[Email]) -> list[OutboxMessage]:
    """`enqueue` each of `emails`, in order, looking their keys up together; one message per key."""
    for email in emails:
        check_address(email.to_address)
        _check_dedupe_key(email.dedupe_key)
    found = _find_messages(session, [email.dedupe_key for email in emails])
    messages = []
    for email in emails:
        message = found.get(email.dedupe_key)
        if message is None:
            message = found[email.dedupe_key] = _add(session, email)
        else:
            _warn_if_different(message, template=email.template, to_address=email.to_address)
        messages.append(message)
    return messages


@contextmanager
def batch(session: Session) -> Iterator[None]:
    """E-mails given to `enqueue_later` inside the block are enqueued together when it ends. Nested
    blocks are part of the outermost one. If the block raises, its e-mails are dropped with the changes
    that caused them (the caller rolls back)."""
    if _BATCH_KEY in session.info:
        yield
        return
    gathered: list[Email] = []
    session.info[_BATCH_KEY] = gathered
    try:
        yield
    finally:
        del session.info[_BATCH_KEY]
    enqueue_all(session, gathered)


def enqueue_later(session: Session, email: Email) -> None:
    """Enqueue `email` at the end of the `batch` block this runs in, or at once outside one. A bad
    address or key is refused here and now."""
    gathered: list[Email] | None = session.info.get(_BATCH_KEY)
    if gathered is None:
        enqueue_all(session, [email])
        return
    check_address(email.to_address)
    _check_dedupe_key(email.dedupe_key)
    gathered.append(email)


def _add(session: Session, email: Email) -> OutboxMessage:
    rendered = render_message(email.template, email.context, language=email.language)
    kind = message_type(email.template)
    held = email.for_digest and kind is not None and kind.digestible
    message = OutboxMessage(
        dedupe_key=email.dedupe_key,
        template=email.template,
        to_address=email.to_address,
        language=rendered.language,
        subject=_fit_subject(rendered.subject),
        body_text=rendered.text,
        body_html=rendered.html,
        calendar=_calendar(email.context) if kind is not None and kind.calendar else None,
        status=OutboxStatus.HELD_FOR_DIGEST if held else OutboxStatus.PENDING,
        attempts=0,
    )
    session.add(message)
    # Remembered by key, so finding it again does not scan every new object in the session.
    session.info.setdefault(_PENDING_KEY, {})[email.dedupe_key] = message
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
    return _find_messages(session, [dedupe_key]).get(dedupe_key)


def _find_messages(session: Session, dedupe_keys: Sequence[str]) -> dict[str, OutboxMessage]:
    """The messages with these keys added to this session or already in the database, by key."""
    pending: dict[str, OutboxMessage] = session.info.get(_PENDING_KEY, {})
    found = {key: pending[key] for key in dedupe_keys if key in pending and pending[key] in session}
    missing = list(dict.fromkeys(key for key in dedupe_keys if key not in found))
    # Do not flush the caller's other half-built objects just to look for messages.
    with session.no_autoflush:
        for start in range(0, len(missing), _KEYS_PER_LOOKUP):
            chunk = missing[start : start + _KEYS_PER_LOOKUP]
            found |= {
                message.dedupe_key: message
                for message in session.scalars(
                    select(OutboxMessage).where(OutboxMessage.dedupe_key.in_(chunk))
                )
            }
    return found


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
