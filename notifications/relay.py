"""Responsible for sending due outbox e-mails over SMTP and recording what happened to each.

A batch of up to ``batch_size`` due messages is leased in one atomic UPDATE (its rows picked with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite the statement itself holds the database's write
lock), so two relays never hold the same message. The lease (``lease_until``) outlives a relay that
dies mid-batch by LEASE at most. The batch is sent over one SMTP connection and each message's outcome
is committed the moment the server answers it; `notifications.retry` decides what that outcome is.

Delivery is at least once: if the process dies after the server accepted a message but before the
commit, the message is sent again once its lease has passed. Its Message-ID is derived from the dedupe
key, so the receiving side folds the repeat. Within one run each message is tried at most once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Connection, Select, bindparam, or_, select, update
from sqlalchemy.orm import Session

from models import OutboxMessage
from models.base import utcnow
from models.enums import OutboxStatus
from notifications.email_building import build_email, message_id_for
from notifications.retry import DEFERRED, FAILED, SENT, RetryPolicy, record_attempt
from notifications.smtp_client import (
    Attempt,
    SmtpSettings,
    close,
    connect,
    deliver,
    describe,
    reachable,
    still_open,
)

__all__ = [
    "LEASE",
    "RELAY_CONNECTIONS",
    "RelayReport",
    "RetryPolicy",
    "SmtpSettings",
    "message_id_for",
    "send_pending",
]

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
# Sending waits on the SMTP server's replies; three connections overlap those waits.
RELAY_CONNECTIONS = 3
Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class FailedMessage:
    """A message this run gave up on, for the administrators' report."""

    id: int
    template: str
    to_address: str
    reason: str


@dataclass(frozen=True)
class RelayReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    failures: tuple[FailedMessage, ...] = field(default=(), compare=False)

    def __add__(self, other: RelayReport) -> RelayReport:
        return RelayReport(
            sent=self.sent + other.sent,
            failed=self.failed + other.failed,
            deferred=self.deferred + other.deferred,
            failures=self.failures + other.failures,
        )

    def counts(self) -> dict[str, int]:
        return {SENT: self.sent, FAILED: self.failed, DEFERRED: self.deferred}


def send_pending(
    session_factory: Callable[[], Session],
    smtp: SmtpSettings,
    *,
    batch_size: int = 100,
    policy: RetryPolicy | None = None,
    max_batches: int | None = None,
    connections: int = 1,
    clock: Clock = utcnow,
) -> RelayReport:
    """Send due messages, oldest first, until none are left to try (or `max_batches` batches ran).

    If the server cannot be reached, the next batch is deferred (attempts + 1) and the run stops.
    Wrong credentials or a server without STARTTLS raise ConfigurationError and change nothing.
    With `connections` > 1, as many SMTP connections send side by side (each leases its own batches),
    on PostgreSQL only: SQLite writes one transaction at a time, so there one connection sends.
    """
    if batch_size < 1 or connections < 1:
        raise ValueError("batch_size and connections must be at least 1")
    policy = policy or RetryPolicy()
    with session_factory() as session:
        if session.get_bind().dialect.name != "postgresql":
            connections = 1
    if connections > 1 and not reachable(smtp):
        connections = 1  # one relay defers one batch and says why; several would count each try twice

    def relay(_: int = 0) -> RelayReport:
        return _Relay(session_factory, smtp, policy=policy, clock=clock).run(
            batch_size=batch_size, max_batches=max_batches
        )

    if connections == 1:
        return relay()
    with ThreadPoolExecutor(max_workers=connections) as pool:
        return sum(pool.map(relay, range(connections)), RelayReport())


class _Relay:
    """One relay loop over one SMTP connection at a time; `after_id` is where this run has got to
    (ids only grow, so each message is tried at most once per run)."""

    def __init__(
        self, session_factory: Callable[[], Session], smtp: SmtpSettings, *, policy: RetryPolicy, clock: Clock
    ) -> None:
        self.sessions, self.smtp, self.policy, self.clock = session_factory, smtp, policy, clock
        self.after_id = 0
        self.counts: Counter[str] = Counter()
        self.failures: list[FailedMessage] = []

    def run(self, *, batch_size: int, max_batches: int | None) -> RelayReport:
        batches = 0
        while (max_batches is None or batches < max_batches) and self._has_due():
            batches += 1
            try:
                connection = connect(self.smtp)
            except OSError as error:  # smtplib.SMTPException is an OSError too
                logger.warning("SMTP server %s:%s unavailable: %s", self.smtp.host, self.smtp.port, error)
                self._defer_batch(Attempt(describe(error), server_unavailable=True), limit=batch_size)
                break
            try:
                processed = self._send_batch(connection, limit=batch_size)
            finally:
                close(connection)
            if processed == 0:
                break
        return RelayReport(
            sent=self.counts[SENT],
            failed=self.counts[FAILED],
            deferred=self.counts[DEFERRED],
            failures=tuple(self.failures),
        )

    def _send_batch(self, connection: smtplib.SMTP, *, limit: int) -> int:
        claimed = self._claim(limit)
        with self.sessions() as session:
            messages = session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
            ).all()
            session.expunge_all()  # outcomes are written below, one small UPDATE and commit each
            engine = session.get_bind()
        processed = 0
        with engine.connect() as database, _marks_without_waiting_for_disk(database):
            for message in messages:
                attempt = deliver(connection, build_email(message, self.smtp.from_address))
                self._record(message, attempt)
                database.execute(_MARK, _mark_values(message))
                database.commit()
                processed += 1
                if attempt.server_unavailable or not still_open(connection):
                    break
            if processed < len(messages):  # the connection dropped: free the untried ones for the next batch
                self.after_id = messages[processed - 1].id
                untried = [message.id for message in messages[processed:]]
                database.execute(
                    update(OutboxMessage).where(OutboxMessage.id.in_(untried)).values(lease_until=None)
                )
                database.commit()
        return processed

    def _claim(self, limit: int) -> list[int]:
        """Lease up to `limit` due messages; returns their ids, oldest first.

        PostgreSQL: lock the rows (skipping rows other relays hold), then lease them, in one transaction.
        (One UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED) may run its subquery
        more than once and lease more than n.) SQLite: one UPDATE with the subquery, which SQLite runs
        once, under the database's single write lock, so two relays cannot both lease a row."""
        now = self.clock()
        chosen = _due(self.after_id, now).with_only_columns(OutboxMessage.id).limit(limit)
        with self.sessions() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                chosen_ids: object = list(session.scalars(chosen))
            else:
                chosen_ids = chosen
            ids = session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(chosen_ids), *due_conditions(self.after_id, now))
                .values(lease_until=now + LEASE)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            ).all()
        ids = sorted(ids)
        if ids:
            self.after_id = ids[-1]
        return ids

    def _defer_batch(self, attempt: Attempt, *, limit: int) -> None:
        with self.sessions() as session, session.begin():
            messages = session.scalars(_due(self.after_id, self.clock()).limit(limit)).all()
            for message in messages:
                self._record(message, attempt)
            if messages:
                self.after_id = messages[-1].id

    def _record(self, message: OutboxMessage, attempt: Attempt) -> None:
        outcome = record_attempt(message, attempt, policy=self.policy, now=self.clock())
        self.counts[outcome] += 1
        if outcome == FAILED:
            reason = message.last_error or ""
            self.failures.append(FailedMessage(message.id, message.template, message.to_address, reason))

    def _has_due(self) -> bool:
        with self.sessions() as session, session.begin():
            return session.scalars(_due(self.after_id, self.clock()).limit(1)).first() is not None


_MARK = (
    update(OutboxMessage.__table__)
    .where(OutboxMessage.__table__.c.id == bindparam("message_id"))
    .values(
        status=bindparam("status"),
        attempts=bindparam("attempts"),
        sent_at=bindparam("sent_at"),
        failed_at=bindparam("failed_at"),
        next_attempt_at=bindparam("next_attempt_at"),
        last_error=bindparam("last_error"),
        lease_until=None,
    )
)


def _mark_values(message: OutboxMessage) -> dict[str, object]:
    return {
        "message_id": message.id,
        "status": message.status,
        "attempts": message.attempts,
        "sent_at": message.sent_at,
        "failed_at": message.failed_at,
        "next_attempt_at": message.next_attempt_at,
        "last_error": message.last_error,
    }


@contextlib.contextmanager
def _marks_without_waiting_for_disk(database: Connection) -> Iterator[None]:
    """On PostgreSQL, commit each outcome without waiting for the disk while this batch runs (the
    setting is put back after): only a crash of the database server itself could lose a mark, and
    then that message is sent once more, with the same Message-ID."""
    if database.dialect.name != "postgresql":
        yield
        return
    database.exec_driver_sql("SET synchronous_commit = off")
    database.commit()
    try:
        yield
    finally:
        database.rollback()
        database.exec_driver_sql("RESET synchronous_commit")
        database.commit()


def due_conditions(after_id: int, now: dt.datetime) -> tuple[object, ...]:
    """Pending, past `after_id`, not leased by a relay, and not deferred to later."""
    return (
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.id > after_id,
        or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )


def _due(after_id: int, now: dt.datetime) -> Select[tuple[OutboxMessage]]:
    """Pending messages due now and not yet tried in this run, oldest first, skipping rows another relay
    holds locked or leased (a relay that died mid-batch holds its lease for LEASE, then they are free)."""
    return (
        select(OutboxMessage)
        .where(*due_conditions(after_id, now))
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)
    )
