"""Relays in separate processes against a real SMTP server, on SQLite and PostgreSQL: a relay killed
between the server's acceptance and its own commit (one repeat, same Message-ID), and two relays at once
(every message exactly once)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections import Counter
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cogrant.stack.ports import DEFAULT_HOST, free_port
from cogrant.stack.smtp import DevSMTPServer, Mailbox
from models import OutboxMessage
from models.enums import OutboxStatus
from notifications.outbox import enqueue
from notifications.relay import LEASE, RelayReport, SmtpSettings, send_pending
from tests.notifications.conftest import sample_contexts

FROM = "grants@example.org"
RELAY_PROCESS = """
import sys
from notifications.relay import SmtpSettings, send_pending
from services.database import create_db_engine, session_factory
url, port, batch_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
smtp = SmtpSettings(host="127.0.0.1", port=port, from_address="grants@example.org", timeout=30)
print(send_pending(session_factory(create_db_engine(url)), smtp, batch_size=batch_size).sent)
"""


def _queue(sessions: sessionmaker[Session], count: int) -> None:
    context = sample_contexts()["review_assigned"]
    with sessions() as session:
        for number in range(count):
            enqueue(
                session,
                template="review_assigned",
                to_address=f"reviewer{number}@example.org",
                context=context,
                dedupe_key=f"review_assigned:crash-test:{number}",
            )
        session.commit()


def _start_relay(url: str, port: int, batch_size: int) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", RELAY_PROCESS, url, str(port), str(batch_size)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=os.getcwd())


class _KillsTheRelayOnFirstMessage:
    """Stores each message, and on the first one kills the relay process before answering 250."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.relay_pid: int | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mailbox.add(
            mail_from=envelope.mail_from, rcpt_tos=tuple(envelope.rcpt_tos), data=envelope.original_content
        )
        if len(self.mailbox.messages) == 1 and self.relay_pid is not None:
            os.kill(self.relay_pid, signal.SIGKILL)
        return "250 Message accepted for delivery"


def test_relay_killed_between_send_and_mark_repeats_one_message_with_its_message_id(
    shared_db: tuple[str, sessionmaker[Session]],
) -> None:
    url, sessions = shared_db
    _queue(sessions, 5)
    mailbox, port = Mailbox(), free_port()
    handler = _KillsTheRelayOnFirstMessage(mailbox)
    controller = Controller(handler, hostname=DEFAULT_HOST, port=port, server_hostname="localhost")
    controller.start()
    try:
        relay = _start_relay(url, port, batch_size=1)  # leases one message at a time
        handler.relay_pid = relay.pid
        assert relay.wait(timeout=60) == -signal.SIGKILL
        assert len(mailbox.messages) == 1  # accepted by the server, never marked sent

        settings = SmtpSettings(host=DEFAULT_HOST, port=port, from_address=FROM)
        # The dead relay's lease still holds its message; the others go now.
        assert send_pending(sessions, settings) == RelayReport(sent=4)
        after_lease = dt.datetime.now(dt.UTC) + LEASE + dt.timedelta(seconds=1)
        assert send_pending(sessions, settings, clock=lambda: after_lease) == RelayReport(sent=1)
        assert send_pending(sessions, settings, clock=lambda: after_lease) == RelayReport()
    finally:
        controller.stop()

    per_message_id = Counter(message.parse()["Message-ID"] for message in mailbox.messages)
    assert len(per_message_id) == 5 and sorted(per_message_id.values()) == [1, 1, 1, 1, 2]
    repeated = [m for m in mailbox.messages if per_message_id[m.parse()["Message-ID"]] == 2]
    assert repeated[0].data == repeated[1].data  # byte for byte the same e-mail, so clients fold it
    with sessions() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {OutboxStatus.SENT}


def test_two_relay_processes_at_once_send_each_message_exactly_once(
    shared_db: tuple[str, sessionmaker[Session]],
) -> None:
    url, sessions = shared_db
    count = 400
    _queue(sessions, count)
    with DevSMTPServer() as server:
        relays = [_start_relay(url, server.port, batch_size=10) for _ in range(2)]
        sent = [int(relay.communicate(timeout=120)[0].strip()) for relay in relays]
        received = server.wait_for(count)

    assert sum(sent) == count and all(number > 0 for number in sent)  # both relays did part of the work
    per_message_id = Counter(message.parse()["Message-ID"] for message in received)
    assert len(received) == count and set(per_message_id.values()) == {1}
    with sessions() as session:
        rows = session.execute(select(OutboxMessage.status, OutboxMessage.lease_until)).all()
    assert {(status, lease) for status, lease in rows} == {(OutboxStatus.SENT, None)}
