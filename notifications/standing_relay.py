"""Responsible for sending e-mails soon after they are queued, for as long as a process runs: a loop over
`notifications.relay.send_pending` that waits a moment whenever nothing is due, and a wait for the outbox
to be sent.

With a standing relay beside them, stage flows only queue their e-mails (in the same transaction as
their cause) and go on: the SMTP round trips then overlap the next stage's work on another core instead of
holding up the end of every flow. The scheduled send-notifications deployment stays as the safety net:
every sender leases what it sends, so a message goes once whoever gets to it first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import func, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from models import OutboxMessage
from models.base import utcnow
from models.enums import OutboxStatus
from notifications.relay import RELAY_CONNECTIONS, RelayReport, SmtpSettings, due_conditions, send_pending

logger = logging.getLogger(__name__)

IDLE_SECONDS = 0.5  # how soon a message queued while the relay is idle goes out, at most
DATABASE_PAUSE_SECONDS = 5.0  # after the database could not be reached
SERVER_AWAY_PAUSES = (2.0, 60.0)  # while the SMTP server cannot be reached: first pause, doubling to the last


def relay_until_stopped(
    session_factory: Callable[[], Session],
    smtp: SmtpSettings,
    *,
    stopped: threading.Event,
    connections: int = RELAY_CONNECTIONS,
    batch_size: int = 100,
    idle_seconds: float = IDLE_SECONDS,
) -> RelayReport:
    """Send what is due, one batch per connection at a time, until `stopped` is set; between passes that
    found nothing, wait `idle_seconds`, and while the server cannot be reached, wait longer each time (a
    message deferred that way is due again at once). Stopping waits for the batches in hand only (seconds,
    not the whole queue), so nothing is cut off between the SMTP server's answer and its record."""
    total = RelayReport()
    away_pause = SERVER_AWAY_PAUSES[0]
    while not stopped.is_set():
        try:
            if not _anything_due(session_factory):  # one small query while idle, no SMTP connection
                stopped.wait(idle_seconds)
                continue
            report = send_pending(
                session_factory, smtp, connections=connections, batch_size=batch_size, max_batches=1
            )
        except OperationalError as error:
            logger.warning("the outbox could not be read, trying again shortly: %s", error)
            stopped.wait(DATABASE_PAUSE_SECONDS)
            continue
        for failure in report.failures:
            logger.warning(
                "gave up on e-mail %s (%s) to %s: %s",
                failure.id,
                failure.template,
                failure.to_address,
                failure.reason,
            )
        total += report
        if report.deferred and not report.sent:
            stopped.wait(away_pause)
            away_pause = min(away_pause * 2, SERVER_AWAY_PAUSES[1])
            continue
        away_pause = SERVER_AWAY_PAUSES[0]
        if report.sent + report.failed == 0:
            stopped.wait(idle_seconds)
    return total


def _anything_due(session_factory: Callable[[], Session]) -> bool:
    """Whether a relay would find something to send now (as `send_pending` chooses: not leased)."""
    with session_factory() as session:
        due = select(OutboxMessage.id).where(*due_conditions(0, utcnow())).limit(1)
        return session.scalar(due) is not None


def waiting_to_send(session: Session) -> int:
    """E-mails queued and due now, also those a relay is sending this moment (held digests and those
    deferred to later are not counted)."""
    now = utcnow()
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            )
        )
        or 0
    )


def wait_until_sent(
    session_factory: Callable[[], Session], *, timeout: float, poll_seconds: float = 0.2
) -> int:
    """Wait until nothing due is left in the outbox, or `timeout` seconds; returns how many are left."""
    deadline = time.monotonic() + timeout
    while True:
        with session_factory() as session:
            left = waiting_to_send(session)
        if left == 0 or time.monotonic() >= deadline:
            return left
        time.sleep(poll_seconds)
