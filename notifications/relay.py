"""Responsible for sending pending outbox e-mails over SMTP and recording what happened to each.

Each message is claimed in its own short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
relays never send the same message), handed to the server, and marked in that same transaction the
moment the server answers. One SMTP connection serves a batch of up to ``batch_size`` messages.

What the server says decides what happens to the message:

    accepted                                   -> sent (sent_at set)
    5xx for this message or its recipient      -> failed at once
    4xx, connection refused, connection lost   -> attempts + 1, still pending; failed at max_attempts

Delivery is at least once: if the process dies after the server accepted a message but before the
commit, the message is sent again on the next run. Its Message-ID is derived from the dedupe key,
so the receiving side can recognise the repeat. Within one run each message is tried at most once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import smtplib
import ssl
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import OutboxMessage
from models.base import utcnow
from models.enums import OutboxStatus
from models.errors import ConfigurationError

logger = logging.getLogger(__name__)

SENT, FAILED, DEFERRED = "sent", "failed", "deferred"
_MAX_ERROR_LENGTH = 1000


@dataclass(frozen=True, kw_only=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    use_ssl: bool = False
    from_address: str
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.starttls and self.use_ssl:
            raise ConfigurationError("SMTP: choose starttls or use_ssl, not both")
        if "@" not in parseaddr(self.from_address)[1]:
            raise ConfigurationError(f"SMTP from_address {self.from_address!r} is not an e-mail address")


@dataclass(frozen=True)
class RelayReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0


@dataclass(frozen=True)
class _Attempt:
    error: str | None = None
    permanent: bool = False
    connection_lost: bool = False


def send_pending(
    session_factory: Callable[[], Session],
    smtp: SmtpSettings,
    *,
    batch_size: int = 100,
    max_attempts: int = 5,
    max_batches: int | None = None,
) -> RelayReport:
    """Send pending messages, oldest first, until none are left to try (or `max_batches` batches ran).

    If the server cannot be reached, the next batch is deferred (attempts + 1) and the run stops.
    Wrong credentials or a server without STARTTLS raise ConfigurationError and change nothing.
    """
    if batch_size < 1 or max_attempts < 1:
        raise ValueError("batch_size and max_attempts must be at least 1")
    counts: Counter[str] = Counter()
    tried = _Cursor()
    batches = 0
    while (max_batches is None or batches < max_batches) and _has_untried(session_factory, tried):
        batches += 1
        try:
            connection = _connect(smtp)
        except OSError as error:  # smtplib.SMTPException is an OSError too
            logger.warning("SMTP server %s:%s unavailable: %s", smtp.host, smtp.port, error)
            counts += _defer_batch(
                session_factory, tried, error=_describe(error), limit=batch_size, max_attempts=max_attempts
            )
            break
        try:
            processed = _send_batch(
                connection,
                session_factory,
                smtp,
                tried=tried,
                counts=counts,
                limit=batch_size,
                max_attempts=max_attempts,
            )
        finally:
            _close(connection)
        if processed == 0:
            break
    return RelayReport(sent=counts[SENT], failed=counts[FAILED], deferred=counts[DEFERRED])


def build_email(message: OutboxMessage, smtp: SmtpSettings) -> EmailMessage:
    """The e-mail for an outbox row: text with an HTML alternative, dated when it was written."""
    email = EmailMessage()
    email["From"] = smtp.from_address
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message_id_for(message.dedupe_key, smtp.from_address)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: please, no out-of-office replies
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def message_id_for(dedupe_key: str, from_address: str) -> str:
    """The same dedupe key always gives the same Message-ID, so a repeat can be recognised.

    128 bits of the key's SHA-256 keep the header short enough not to be folded onto two lines.
    """
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "cogrant.invalid"
    return f"<{digest}@{domain}>"


def _send_batch(
    connection: smtplib.SMTP,
    session_factory: Callable[[], Session],
    smtp: SmtpSettings,
    *,
    tried: _Cursor,
    counts: Counter[str],
    limit: int,
    max_attempts: int,
) -> int:
    processed = 0
    while processed < limit:
        with session_factory() as session, session.begin():
            message = session.scalars(_claimable(tried).limit(1)).first()
            if message is None:
                break
            tried.after_id = message.id
            attempt = _deliver(connection, message, smtp)
            counts[_record(message, attempt, max_attempts=max_attempts)] += 1
        processed += 1
        if attempt.connection_lost or connection.sock is None:  # smtplib closes on 421 and I/O errors
            break
    return processed


def _deliver(connection: smtplib.SMTP, message: OutboxMessage, smtp: SmtpSettings) -> _Attempt:
    try:
        connection.send_message(build_email(message, smtp))
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        return _Attempt(_describe(error), permanent=min(codes, default=500) >= 500)
    except smtplib.SMTPResponseException as error:  # sender or data refused, or 421 closing
        return _Attempt(_describe(error), permanent=error.smtp_code >= 500)
    except (smtplib.SMTPNotSupportedError, ValueError) as error:  # e.g. non-ASCII address, no SMTPUTF8
        return _Attempt(_describe(error), permanent=True)
    except OSError as error:  # disconnected, reset, timed out
        return _Attempt(_describe(error), connection_lost=True)
    return _Attempt()


def _record(message: OutboxMessage, attempt: _Attempt, *, max_attempts: int) -> str:
    """Write the attempt onto the row (the caller commits); return sent, failed or deferred.

    attempts counts every try, successful or not; last_error keeps the latest failure as history.
    """
    message.attempts += 1
    if attempt.error is None:
        message.status, message.sent_at = OutboxStatus.SENT, utcnow()
        logger.info("sent outbox message %s (%s)", message.id, message.template)
        return SENT
    message.last_error = attempt.error
    if attempt.permanent or message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
        logger.warning("outbox message %s failed: %s", message.id, attempt.error)
        return FAILED
    logger.info("outbox message %s deferred: %s", message.id, attempt.error)
    return DEFERRED


def _defer_batch(
    session_factory: Callable[[], Session], tried: _Cursor, *, error: str, limit: int, max_attempts: int
) -> Counter[str]:
    with session_factory() as session, session.begin():
        messages = session.scalars(_claimable(tried).limit(limit)).all()
        if messages:
            tried.after_id = messages[-1].id
        return Counter(_record(message, _Attempt(error), max_attempts=max_attempts) for message in messages)


def _has_untried(session_factory: Callable[[], Session], tried: _Cursor) -> bool:
    with session_factory() as session, session.begin():
        return session.scalars(_claimable(tried).limit(1)).first() is not None


@dataclass
class _Cursor:
    """Where this run has got to: ids only grow, so each message is tried at most once per run."""

    after_id: int = 0


def _claimable(tried: _Cursor) -> Select[tuple[OutboxMessage]]:
    """Pending messages not yet tried in this run, oldest first, skipping rows another relay holds."""
    return (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.id > tried.after_id)
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)
    )


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if smtp.use_ssl:
        connection = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        connection = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    with contextlib.ExitStack() as on_error:
        on_error.callback(connection.close)
        _greet(connection, smtp, context)
        on_error.pop_all()
    return connection


def _close(connection: smtplib.SMTP) -> None:
    """Say goodbye politely if the connection still works; every message is already recorded."""
    with contextlib.suppress(OSError):  # smtplib.SMTPException is an OSError too
        connection.quit()
    connection.close()


def _greet(connection: smtplib.SMTP, smtp: SmtpSettings, context: ssl.SSLContext) -> None:
    try:
        connection.ehlo_or_helo_if_needed()
        if smtp.starttls:
            connection.starttls(context=context)
            connection.ehlo()
        if smtp.username is not None:
            connection.login(smtp.username, smtp.password or "")
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as error:
        raise ConfigurationError(f"SMTP server {smtp.host}:{smtp.port} refused our setup: {error}") from error


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = (f"{address}: {code} {_decode(text)}" for address, (code, text) in error.recipients.items())
        description = "recipient refused: " + "; ".join(refused)
    elif isinstance(error, smtplib.SMTPResponseException):
        description = f"{type(error).__name__}: {error.smtp_code} {_decode(error.smtp_error)}"
    else:
        description = f"{type(error).__name__}: {error}"
    return description[:_MAX_ERROR_LENGTH]


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text
