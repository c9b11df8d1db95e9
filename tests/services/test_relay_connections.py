"""The relay with several SMTP connections at once, on SQLite and PostgreSQL: each e-mail sent once."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cogrant.stack.smtp import DevSMTPServer
from models import OutboxMessage
from models.enums import OutboxStatus
from notifications.outbox import enqueue
from notifications.relay import SmtpSettings, send_pending

MESSAGES = 240


def _queue(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        for number in range(MESSAGES):
            enqueue(
                session,
                template="review_assigned",
                to_address=f"reviewer{number}@example.org",
                dedupe_key=f"review_assigned:{number}",
                context={
                    "recipient_name": f"Reviewer {number}",
                    "funder_name": "Test Fund",
                    "contact_email": "grants@example.org",
                    "round_name": "Pilots",
                    "application_count": 3,
                    "due_date": dt.date(2027, 1, 31),
                    "portal_url": "http://127.0.0.1/reviews",
                },
            )
        session.commit()


def test_three_connections_send_every_message_exactly_once(sessions: sessionmaker[Session]) -> None:
    _queue(sessions)
    with DevSMTPServer() as server:
        settings = SmtpSettings(host=server.host, port=server.port, from_address="grants@example.org")
        report = send_pending(sessions, settings, batch_size=20, connections=3)
        again = send_pending(sessions, settings, batch_size=20, connections=3)
        received = server.messages

    assert (report.sent, report.failed, report.deferred) == (MESSAGES, 0, 0)
    assert again.sent == 0
    per_recipient = Counter(recipient for message in received for recipient in message.rcpt_tos)
    assert len(per_recipient) == MESSAGES and set(per_recipient.values()) == {1}
    with sessions() as session:
        unsent = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != OutboxStatus.SENT)
        )
        leased = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.lease_until.is_not(None))
        )
    assert (unsent, leased) == (0, 0)
