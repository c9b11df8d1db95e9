"""Responsible for talking to the SMTP server: settings, connecting, and what each answer means for a message.

Every outcome of one delivery falls in one of three kinds:

    accepted                                        -> Attempt() with no error
    5xx for this message or its recipient           -> permanent: the message can never go as it is
    4xx for this message or its recipient           -> transient, message-specific: back off and retry
    cannot connect, timeout, connection lost, 421   -> the server is unavailable: not the message's fault
"""

from __future__ import annotations

import contextlib
import functools
import smtplib
import ssl
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.utils import parseaddr

from models.errors import ConfigurationError

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
class Attempt:
    """What happened when one message was offered to the server."""

    error: str | None = None
    permanent: bool = False
    server_unavailable: bool = False


def connect(smtp: SmtpSettings) -> smtplib.SMTP:
    """An open, greeted (and if configured, encrypted and logged-in) connection; OSError if unreachable."""
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


def reachable(smtp: SmtpSettings) -> bool:
    try:
        close(connect(smtp))
    except OSError:
        return False
    return True


def close(connection: smtplib.SMTP) -> None:
    """Say goodbye politely if the connection still works; every message is already recorded."""
    with contextlib.suppress(OSError):  # smtplib.SMTPException is an OSError too
        connection.quit()
    connection.close()


def deliver(connection: smtplib.SMTP, email: Message) -> Attempt:
    """Offer one e-mail on `connection` and classify the answer (see the module docstring)."""
    if not str(email["To"]).isascii():
        if not connection.has_extn("smtputf8"):
            return Attempt(
                "the mail server does not accept addresses with accented or non-Latin letters (no SMTPUTF8)",
                permanent=True,
            )
        email.policy = policy.SMTPUTF8  # the classic default policy cannot write UTF-8 headers
    try:
        connection.send_message(email)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if 421 in codes:
            return Attempt(describe(error), server_unavailable=True)
        return Attempt(describe(error), permanent=min(codes, default=500) >= 500)
    except smtplib.SMTPResponseException as error:  # sender or data refused, or 421 closing
        if error.smtp_code == 421:
            return Attempt(describe(error), server_unavailable=True)
        return Attempt(describe(error), permanent=error.smtp_code >= 500)
    except (
        smtplib.SMTPNotSupportedError,
        ValueError,
        TypeError,
    ) as error:  # e.g. non-ASCII address, no SMTPUTF8
        return Attempt(describe(error), permanent=True)
    except OSError as error:  # disconnected, reset, timed out
        return Attempt(describe(error), server_unavailable=True)
    return Attempt()


def still_open(connection: smtplib.SMTP) -> bool:
    """smtplib closes the socket itself after a 421 or an I/O error."""
    return connection.sock is not None


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


def describe(error: BaseException) -> str:
    """A short, readable account of an SMTP failure for the outbox row and administrators."""
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
