"""The standing relay against a real SMTP server: it sends as messages are queued, idles without
spinning, stops cleanly, and runs as `cogrant relay` in a process of its own (as the stack starts it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cogrant.stack.embedded import StackEndpoints
from cogrant.stack.ports import free_port
from cogrant.stack.process import process_running
from cogrant.stack.smtp import DevSMTPServer
from models import OutboxMessage
from models.enums import OutboxStatus
from notifications.outbox import enqueue
from notifications.relay import RelayReport, SmtpSettings
from notifications.standing_relay import relay_until_stopped, wait_until_sent, waiting_to_send

Contexts = dict[str, dict[str, Any]]


def _queue(sessions: sessionmaker[Session], contexts: Contexts, numbers: range) -> None:
    with sessions() as session:
        for number in numbers:
            enqueue(
                session,
                template="review_assigned",
                to_address=f"reviewer{number}@example.org",
                context=contexts["review_assigned"] | {"recipient_name": f"Reviewer {number}"},
                dedupe_key=f"review_assigned:round=7:reviewer={number}",
            )
        session.commit()


def _statuses(sessions: sessionmaker[Session]) -> list[OutboxStatus]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def _start(
    sessions: sessionmaker[Session], smtp: SmtpSettings
) -> tuple[threading.Event, list[RelayReport], threading.Thread]:
    stopped, reports = threading.Event(), []
    thread = threading.Thread(
        target=lambda: reports.append(relay_until_stopped(sessions, smtp, stopped=stopped, idle_seconds=0.05))
    )
    thread.start()
    return stopped, reports, thread


def test_sends_what_is_queued_while_it_runs_and_stops_when_asked(
    session_factory: sessionmaker[Session],
    contexts: Contexts,
    smtp_server: DevSMTPServer,
    smtp_settings: Callable[..., SmtpSettings],
) -> None:
    _queue(session_factory, contexts, range(3))
    stopped, reports, thread = _start(session_factory, smtp_settings(smtp_server.port))
    try:
        smtp_server.wait_for(3)
        _queue(session_factory, contexts, range(3, 5))  # queued later: sent without anyone asking
        smtp_server.wait_for(5)
        assert wait_until_sent(session_factory, timeout=5) == 0
    finally:
        stopped.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert reports == [RelayReport(sent=5)]
    assert _statuses(session_factory) == [OutboxStatus.SENT] * 5
    assert len({message.parse()["Message-ID"] for message in smtp_server.messages}) == 5


def test_waits_without_retrying_at_once_while_the_server_is_away(
    session_factory: sessionmaker[Session], contexts: Contexts, smtp_settings: Callable[..., SmtpSettings]
) -> None:
    _queue(session_factory, contexts, range(2))
    stopped, reports, thread = _start(session_factory, smtp_settings(free_port(), timeout=0.5))
    time.sleep(1.0)
    stopped.set()
    thread.join(timeout=10)
    with session_factory() as session:
        attempts = list(session.scalars(select(OutboxMessage.attempts)))
        assert waiting_to_send(session) == 2  # still due: tried again when the pause is over
    assert attempts == [1, 1]  # one try each in a second, not a busy loop
    assert reports == [RelayReport(deferred=2)]


def test_wait_until_sent_gives_up_after_its_timeout_and_says_how_many_are_left(
    session_factory: sessionmaker[Session], contexts: Contexts
) -> None:
    _queue(session_factory, contexts, range(4))
    began = time.monotonic()
    assert wait_until_sent(session_factory, timeout=0.3, poll_seconds=0.05) == 4
    assert time.monotonic() - began < 2


def test_a_child_that_has_exited_is_not_running_even_before_it_is_waited_for() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while process_running(child.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_running(child.pid)
    child.wait()
    assert process_running(os.getpid())
    assert not process_running(None)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_cogrant_relay_runs_as_its_own_process_and_stops_cleanly(
    stop: signal.Signals,
    tmp_path: Path,
    shared_db: tuple[str, sessionmaker[Session]],
    contexts: Contexts,
    smtp_server: DevSMTPServer,
) -> None:
    url, sessions = shared_db
    StackEndpoints(
        database_url=url,
        s3_endpoint_url="http://127.0.0.1:9",  # the relay never touches documents
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        prefect_api_url=None,
        prefect_ui_url=None,
        mail_dir="",
        owner_pid=os.getpid(),
    ).write(tmp_path)
    relay = subprocess.Popen(
        [sys.executable, "-m", "cogrant.cli", "relay"],
        env=os.environ | {"COGRANT_DATA_DIR": str(tmp_path)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _queue(sessions, contexts, range(3))
        smtp_server.wait_for(3, timeout=30)
    finally:
        relay.send_signal(stop)
        _, said = relay.communicate(timeout=30)
    assert relay.returncode == 0, said
    assert "Stopped: 3 sent, 0 given up on." in said
    assert _statuses(sessions) == [OutboxStatus.SENT] * 3
