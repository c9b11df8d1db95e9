"""Responsible for what administrators see of e-mail: the messages the development SMTP catcher caught,
and the outbox messages that could not be delivered (with a way to queue one again).

Data functions only; the web portal's administrators' mailbox page is built on them. The catcher
(`cogrant.stack.smtp`, started by `cogrant up`) writes each message as an .eml file whose first lines
are X-Envelope-From and X-Envelope-To; file names sort by the time they arrived.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import cast

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import OutboxMessage
from models.enums import OutboxStatus
from models.errors import CograntError
from notifications.outbox import check_address

_CAUGHT_ID = re.compile(r"^[0-9T.]+-[0-9]{4,}$")  # the catcher's file names, without ".eml"


class NotInMailbox(CograntError):
    """No caught message or outbox message with that id (or the id is not a valid one)."""


@dataclass(frozen=True)
class CaughtSummary:
    id: str
    envelope_from: str
    envelope_to: tuple[str, ...]
    subject: str
    sent_at: dt.datetime | None
    message_id: str


@dataclass(frozen=True)
class CaughtMessage:
    summary: CaughtSummary
    text: str
    html: str
    attachments: tuple[tuple[str, str], ...]  # (file name, content type)
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class FailedEmail:
    id: int
    template: str
    to_address: str
    subject: str
    attempts: int
    reason: str
    failed_at: dt.datetime | None


def caught_messages(
    mail_dir: Path, *, limit: int = 50, offset: int = 0, to_address: str | None = None
) -> list[CaughtSummary]:
    """Caught messages, newest first; only those to `to_address` if given."""
    found: list[CaughtSummary] = []
    skipped = 0
    for path in sorted(Path(mail_dir).glob("*.eml"), reverse=True):
        summary = _summary(path.stem, _parse(path))
        if to_address is not None and to_address.lower() not in (a.lower() for a in summary.envelope_to):
            continue
        if skipped < offset:
            skipped += 1
            continue
        found.append(summary)
        if len(found) == limit:
            break
    return found


def read_caught(mail_dir: Path, message_id: str) -> CaughtMessage:
    """One caught message in full: text, HTML (show it sandboxed: it is untrusted), attachments."""
    if not _CAUGHT_ID.match(message_id):
        raise NotInMailbox(f"{message_id!r} is not a caught message's id")
    path = Path(mail_dir) / f"{message_id}.eml"
    if not path.is_file():
        raise NotInMailbox(f"no caught message {message_id!r} in {mail_dir}")
    email = _parse(path)
    text, html = email.get_body(("plain",)), email.get_body(("html",))
    return CaughtMessage(
        summary=_summary(message_id, email),
        text=text.get_content() if text is not None else "",
        html=html.get_content() if html is not None else "",
        attachments=tuple(
            (part.get_filename() or "", part.get_content_type()) for part in email.iter_attachments()
        ),
        headers=tuple((name, str(value)) for name, value in email.items()),
    )


def failed_emails(session: Session, *, limit: int = 50, offset: int = 0) -> list[FailedEmail]:
    """Outbox messages that will not be retried, most recent failure first."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        FailedEmail(m.id, m.template, m.to_address, m.subject, m.attempts, m.last_error or "", m.failed_at)
        for m in rows
    ]


def outbox_counts(session: Session) -> dict[str, int]:
    """How many outbox messages are in each status (every status listed, zero if none)."""
    counted = dict(
        session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
        .tuples()
        .all()
    )
    return {status.value: counted.get(status, 0) for status in OutboxStatus}


def queue_again(session: Session, outbox_id: int, *, to_address: str | None = None) -> OutboxMessage:
    """Send a failed message again, to a corrected address if given (the caller commits).

    It keeps its dedupe key, so it is still one e-mail: a message that has not failed is refused."""
    message = session.get(OutboxMessage, outbox_id, with_for_update=True)
    if message is None:
        raise NotInMailbox(f"no outbox message {outbox_id}")
    if message.status != OutboxStatus.FAILED:
        raise NotInMailbox(
            f"outbox message {outbox_id} is {message.status.value}, not failed; nothing to redo"
        )
    if to_address is not None:
        check_address(to_address)
    # Conditional on still being failed: SQLite ignores FOR UPDATE, and a relay may have sent a copy
    # queued again by someone else since we read the row.
    changed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.FAILED)
        .values(
            to_address=to_address or message.to_address,
            status=OutboxStatus.PENDING,
            attempts=0,
            failed_at=None,
            next_attempt_at=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise NotInMailbox(f"outbox message {outbox_id} was queued again by someone else just now")
    session.refresh(message)
    return message


def _parse(path: Path) -> EmailMessage:
    with path.open("rb") as source:
        return cast(EmailMessage, BytesParser(policy=policy.default).parse(source))


def _summary(message_id: str, email: EmailMessage) -> CaughtSummary:
    date = email.get("Date")
    try:
        sent_at = parsedate_to_datetime(str(date)) if date else None
    except (TypeError, ValueError):
        sent_at = None
    envelope_to = tuple(a.strip() for a in str(email.get("X-Envelope-To", "")).split(",") if a.strip())
    return CaughtSummary(
        id=message_id,
        envelope_from=str(email.get("X-Envelope-From", "")).strip("<>"),
        envelope_to=envelope_to,
        subject=str(email.get("Subject", "")),
        sent_at=sent_at,
        message_id=str(email.get("Message-ID", "")),
    )
