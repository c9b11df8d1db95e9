"""Responsible for sending pending outbox e-mails over SMTP and recording what happened to each.

A batch of up to ``batch_size`` messages is leased in one short transaction (``FOR UPDATE SKIP LOCKED``
on PostgreSQL plus a ``lease_until`` time, so two relays never send the same message), sent over one
SMTP connection, and each message's outcome is committed the moment the server answers it.

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
import datetime as dt
import functools
import hashlib
import logging
import smtplib
import ssl
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, parseaddr

from sqlalchemy import Select, or_, select, text
from sqlalchemy.orm import Session

from models import OutboxMessage
from models.base import utcnow
from models.enums import OutboxStatus
from models.errors import ConfigurationError

logger = logging.getLogger(__name__)

SENT, FAILED, DEFERRED = "sent", "failed", "deferred"
LEASE = dt.timedelta(minutes=5)
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
    connections: int = 1,
) -> RelayReport:
    """Send pending messages, oldest first, until none are left to try (or `max_batches` batches ran).

    If the server cannot be reached, the next batch is deferred (attempts + 1) and the run stops.
    Wrong credentials or a server without STARTTLS raise ConfigurationError and change nothing.
    With `connections` > 1, as many SMTP connections send side by side (each leases its own batches),
    on PostgreSQL only: SQLite cannot lock rows, so there one connection sends.
    """
    if batch_size < 1 or max_attempts < 1 or connections < 1:
        raise ValueError("batch_size, max_attempts and connections must be at least 1")
    with session_factory() as session:
        if session.get_bind().dialect.name != "postgresql":
            connections = 1
    if connections > 1 and not _reachable(smtp):
        connections = 1  # one relay defers one batch and says why; several would count each try twice
    if connections == 1:
        return _relay(
            session_factory, smtp, batch_size=batch_size, max_attempts=max_attempts, max_batches=max_batches
        )
    with ThreadPoolExecutor(max_workers=connections) as pool:
        reports = list(
            pool.map(
                lambda _: _relay(
                    session_factory,
                    smtp,
                    batch_size=batch_size,
                    max_attempts=max_attempts,
                    max_batches=max_batches,
                ),
                range(connections),
            )
        )
    return RelayReport(
        sent=sum(r.sent for r in reports),
        failed=sum(r.failed for r in reports),
        deferred=sum(r.deferred for r in reports),
    )


def _reachable(smtp: SmtpSettings) -> bool:
    try:
        _close(_connect(smtp))
    except OSError:
        return False
    return True


def _relay(
    session_factory: Callable[[], Session],
    smtp: SmtpSettings,
    *,
    batch_size: int,
    max_attempts: int,
    max_batches: int | None,
) -> RelayReport:
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


def build_email(message: OutboxMessage, smtp: SmtpSettings) -> Message:
    """The e-mail for an outbox row: text with an HTML alternative, dated when it was written.

    Built with the classic MIME classes: a quarter of the cost of EmailMessage's header policy."""
    text_part = MIMEText(message.body_text, "plain", "utf-8")
    email: Message = text_part
    if message.body_html:
        email = MIMEMultipart("alternative")
        email.attach(text_part)
        email.attach(MIMEText(message.body_html, "html", "utf-8"))
    email["From"] = smtp.from_address
    email["To"] = message.to_address
    email["Subject"] = (
        Header(message.subject, "utf-8").encode() if not message.subject.isascii() else message.subject
    )
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message_id_for(message.dedupe_key, smtp.from_address)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: please, no out-of-office replies
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
    claimed = _claim(session_factory, tried, limit=limit)
    processed = 0
    with session_factory() as session:
        session.expire_on_commit = False
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
        ).all()
        for message in messages:
            attempt = _deliver(connection, message, smtp)
            counts[_record(message, attempt, max_attempts=max_attempts)] += 1
            message.lease_until = None
            _commit_mark(session)
            processed += 1
            if attempt.connection_lost or connection.sock is None:  # smtplib closes on 421 and I/O errors
                break
        if processed < len(messages):  # the connection dropped: free the untried ones for the next batch
            tried.after_id = messages[processed - 1].id
            for message in messages[processed:]:
                message.lease_until = None
        session.commit()
    return processed


def _claim(session_factory: Callable[[], Session], tried: _Cursor, *, limit: int) -> list[int]:
    """Lease up to `limit` pending messages in one short transaction; returns their ids, oldest first."""
    with session_factory() as session, session.begin():
        messages = session.scalars(_claimable(tried).limit(limit)).all()
        lease_until = utcnow() + LEASE
        for message in messages:
            message.lease_until = lease_until
        if messages:
            tried.after_id = messages[-1].id
        return [message.id for message in messages]


def _commit_mark(session: Session) -> None:
    """Commit one message's outcome. On PostgreSQL without waiting for the disk (for this transaction
    only): only a crash of the database server itself could lose the mark and resend that message."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))
    session.commit()


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
    """Pending messages not yet tried in this run, oldest first, skipping rows another relay holds
    locked or leased (a relay that died mid-batch holds its lease for LEASE, then they are free)."""
    return (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.id > tried.after_id,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < utcnow()),
        )
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)
    )


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    # Loading the CA bundle costs tens of milliseconds: only when TLS is used.
    context = _tls_context() if smtp.use_ssl or smtp.starttls else None
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


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _greet(connection: smtplib.SMTP, smtp: SmtpSettings, context: ssl.SSLContext | None) -> None:
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
