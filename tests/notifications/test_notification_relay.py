"""The relay against real SMTP servers over TCP: delivery, no duplicates, outages and refusals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cogrant.stack.ports import free_port
from cogrant.stack.smtp import DevSMTPServer, Mailbox
from models import OutboxMessage
from models.enums import OutboxStatus
from models.errors import ConfigurationError
from notifications.outbox import enqueue
from notifications.relay import RelayReport, RetryPolicy, SmtpSettings, message_id_for, send_pending
from tests.notifications.conftest import RefusingHandler

Contexts = dict[str, dict[str, Any]]
Settings = Callable[..., SmtpSettings]


def _enqueue_many(session_factory: sessionmaker[Session], contexts: Contexts, addresses: list[str]) -> None:
    with session_factory() as session:
        for number, address in enumerate(addresses):
            enqueue(
                session,
                template="review_assigned",
                to_address=address,
                context=contexts["review_assigned"] | {"recipient_name": f"Reviewer {number}"},
                dedupe_key=f"review_assigned:round=7:reviewer={number}",
            )
        session.commit()


def _rows(session_factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with session_factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _addresses(count: int) -> list[str]:
    return [f"reviewer{number}@example.org" for number in range(count)]


def test_delivers_text_and_html_with_headers(
    session_factory: sessionmaker[Session],
    contexts: Contexts,
    smtp_server: DevSMTPServer,
    smtp_settings: Settings,
) -> None:
    _enqueue_many(session_factory, contexts, _addresses(3))

    report = send_pending(session_factory, smtp_settings(smtp_server.port))

    assert report == RelayReport(sent=3)
    received = smtp_server.wait_for(3)
    rows = _rows(session_factory)
    for row, envelope in zip(rows, received, strict=True):  # oldest first
        email = envelope.parse()
        assert envelope.rcpt_tos == (row.to_address,)
        assert email["To"] == row.to_address
        assert email["From"] == "Pilot Fund <hello@pilotfund.example>"
        assert email["Subject"] == "You have 5 applications to read for Spring 2026"
        assert email["Message-ID"] == message_id_for(row.dedupe_key, "hello@pilotfund.example")
        assert email["Date"].datetime == row.created_at.replace(microsecond=0)
        assert email.get_content_type() == "multipart/alternative"
        assert "17 April 2026" in email.get_body(("plain",)).get_content()
        assert '<html lang="en">' in email.get_body(("html",)).get_content()
        assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 1, None)
        assert row.sent_at is not None


def test_message_ids_are_stable_and_distinct() -> None:
    first = message_id_for("award_offered:award=1", "hello@pilotfund.example")

    assert first == message_id_for("award_offered:award=1", "Pilot Fund <hello@pilotfund.example>")
    assert first != message_id_for("award_offered:award=2", "hello@pilotfund.example")
    assert first.startswith("<") and first.endswith("@pilotfund.example>")


def test_second_run_sends_nothing(
    session_factory: sessionmaker[Session],
    contexts: Contexts,
    smtp_server: DevSMTPServer,
    smtp_settings: Settings,
) -> None:
    _enqueue_many(session_factory, contexts, _addresses(2))
    send_pending(session_factory, smtp_settings(smtp_server.port))
    _enqueue_many(session_factory, contexts, _addresses(2))  # a flow re-run: same dedupe keys

    assert send_pending(session_factory, smtp_settings(smtp_server.port)) == RelayReport()
    assert len(smtp_server.messages) == 2
    assert len(_rows(session_factory)) == 2


def test_nothing_pending_means_no_connection(
    session_factory: sessionmaker[Session], smtp_settings: Settings
) -> None:
    assert send_pending(session_factory, smtp_settings(free_port())) == RelayReport()


def test_batches_cover_everything_over_several_connections(
    session_factory: sessionmaker[Session],
    contexts: Contexts,
    smtp_server: DevSMTPServer,
    smtp_settings: Settings,
) -> None:
    _enqueue_many(session_factory, contexts, _addresses(5))

    assert send_pending(session_factory, smtp_settings(smtp_server.port), batch_size=2) == RelayReport(sent=5)
    assert [m.rcpt_tos[0] for m in smtp_server.messages] == _addresses(5)


def test_max_batches_limits_one_run(
    session_factory: sessionmaker[Session],
    contexts: Contexts,
    smtp_server: DevSMTPServer,
    smtp_settings: Settings,
) -> None:
    _enqueue_many(session_factory, contexts, _addresses(5))

    report = send_pending(session_factory, smtp_settings(smtp_server.port), batch_size=2, max_batches=1)

    assert report == RelayReport(sent=2)
    assert [row.status for row in _rows(session_factory)].count(OutboxStatus.PENDING) == 3


def test_server_down_then_back_loses_and_duplicates_nothing(
    tmp_path: Any, session_factory: sessionmaker[Session], contexts: Contexts, smtp_settings: Settings
) -> None:
    port = free_port()
    _enqueue_many(session_factory, contexts, _addresses(3))

    down = send_pending(session_factory, smtp_settings(port))

    assert down == RelayReport(deferred=3)
    for row in _rows(session_factory):
        assert (row.status, row.attempts, row.sent_at) == (OutboxStatus.PENDING, 1, None)
        assert "ConnectionRefusedError" in (row.last_error or "")

    with DevSMTPServer(port=port) as server:
        back = send_pending(session_factory, smtp_settings(port))
        assert back == RelayReport(sent=3)
        assert sorted(m.rcpt_tos[0] for m in server.wait_for(3)) == _addresses(3)
        assert send_pending(session_factory, smtp_settings(port)) == RelayReport()
        assert len(server.messages) == 3
    assert {(row.status, row.attempts) for row in _rows(session_factory)} == {(OutboxStatus.SENT, 2)}


def test_refused_for_now_backs_off_then_fails_after_max_attempts(
    session_factory: sessionmaker[Session], contexts: Contexts, refusing_smtp: Any, smtp_settings: Settings
) -> None:
    _, port = refusing_smtp({"reviewer0@example.org": "450 4.2.1 Mailbox busy, try later"})
    _enqueue_many(session_factory, contexts, _addresses(1))
    policy = RetryPolicy(max_attempts=3, first_delay=dt.timedelta(minutes=1))
    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)

    def run(minutes: float) -> RelayReport:
        clock = start + dt.timedelta(minutes=minutes)
        return send_pending(session_factory, smtp_settings(port), policy=policy, clock=lambda: clock)

    assert run(0) == RelayReport(deferred=1)
    assert _rows(session_factory)[0].next_attempt_at == start + dt.timedelta(minutes=1)
    assert run(0.5) == RelayReport()  # not due yet: backing off
    assert run(1) == RelayReport(deferred=1)
    assert _rows(session_factory)[0].next_attempt_at == start + dt.timedelta(minutes=3)  # doubled
    assert run(2.9) == RelayReport()
    report = run(3)
    assert report == RelayReport(failed=1)
    [row] = _rows(session_factory)
    assert (row.status, row.attempts, row.failed_at) == (
        OutboxStatus.FAILED,
        3,
        start + dt.timedelta(minutes=3),
    )
    assert "refused 3 times" in (row.last_error or "") and "450" in (row.last_error or "")
    assert [(f.to_address, f.template) for f in report.failures] == [
        ("reviewer0@example.org", "review_assigned")
    ]


def test_back_off_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(first_delay=dt.timedelta(minutes=1), max_delay=dt.timedelta(minutes=10))

    assert [policy.delay_after(n).total_seconds() / 60 for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert policy.delay_after(10_000) == dt.timedelta(minutes=10)


def test_five_minute_outage_with_a_relay_every_minute_delivers_everything(
    session_factory: sessionmaker[Session], contexts: Contexts, smtp_settings: Settings
) -> None:
    port = free_port()
    _enqueue_many(session_factory, contexts, _addresses(250))
    start = dt.datetime.now(dt.UTC)
    policy = RetryPolicy(max_attempts=3)  # few tries on purpose: an outage must not use them up

    def run_at(minute: int) -> RelayReport:
        clock = start + dt.timedelta(minutes=minute)
        return send_pending(
            session_factory, smtp_settings(port), policy=policy, batch_size=100, clock=lambda: clock
        )

    down = [run_at(minute) for minute in range(5)]
    assert all(report.failed == 0 and report.sent == 0 for report in down)
    assert {row.status for row in _rows(session_factory)} == {OutboxStatus.PENDING}

    with DevSMTPServer(port=port) as server:
        back = [run_at(minute) for minute in range(5, 8)]
        received = server.wait_for(250)

    assert [report.sent for report in back] == [250, 0, 0]
    assert sorted(m.rcpt_tos[0] for m in received) == sorted(_addresses(250))
    rows = _rows(session_factory)
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    assert max(row.attempts for row in rows) == 6  # the oldest batch was tried at every run of the outage


def test_an_outage_longer_than_give_up_after_fails_the_message(
    session_factory: sessionmaker[Session], contexts: Contexts, smtp_settings: Settings
) -> None:
    _enqueue_many(session_factory, contexts, _addresses(1))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    policy = RetryPolicy(give_up_after=dt.timedelta(days=2))

    report = send_pending(session_factory, smtp_settings(free_port()), policy=policy, clock=lambda: later)

    assert report == RelayReport(failed=1)
    [row] = _rows(session_factory)
    assert row.status == OutboxStatus.FAILED and "server unavailable for over 2 days" in (
        row.last_error or ""
    )


def test_permanent_refusal_fails_that_message_only(
    session_factory: sessionmaker[Session], contexts: Contexts, refusing_smtp: Any, smtp_settings: Settings
) -> None:
    mailbox, port = refusing_smtp({"reviewer1@example.org": "550 5.1.1 No such person here"})
    _enqueue_many(session_factory, contexts, _addresses(3))

    assert send_pending(session_factory, smtp_settings(port)) == RelayReport(sent=2, failed=1)

    refused = _rows(session_factory)[1]
    assert (refused.status, refused.attempts) == (OutboxStatus.FAILED, 1)
    assert "550" in (refused.last_error or "") and "No such person" in (refused.last_error or "")
    assert [m.rcpt_tos for m in mailbox.messages] == [("reviewer0@example.org",), ("reviewer2@example.org",)]
    assert send_pending(session_factory, smtp_settings(port)) == RelayReport()


def test_temporary_refusal_keeps_the_message_pending(
    session_factory: sessionmaker[Session], contexts: Contexts, refusing_smtp: Any, smtp_settings: Settings
) -> None:
    mailbox, port = refusing_smtp({"reviewer0@example.org": "450 4.2.1 Mailbox busy, try later"})
    _enqueue_many(session_factory, contexts, _addresses(2))

    assert send_pending(session_factory, smtp_settings(port)) == RelayReport(sent=1, deferred=1)

    busy = _rows(session_factory)[0]
    assert (busy.status, busy.attempts) == (OutboxStatus.PENDING, 1)
    assert "450" in (busy.last_error or "")
    assert len(mailbox.messages) == 1


def test_server_closing_mid_batch_reconnects_for_the_rest(
    session_factory: sessionmaker[Session], contexts: Contexts, refusing_smtp: Any, smtp_settings: Settings
) -> None:
    mailbox, port = refusing_smtp({"reviewer1@example.org": "421 4.3.2 Closing, too busy"})
    _enqueue_many(session_factory, contexts, _addresses(3))

    assert send_pending(session_factory, smtp_settings(port)) == RelayReport(sent=2, deferred=1)

    assert [row.attempts for row in _rows(session_factory)] == [1, 1, 1]
    assert len(mailbox.messages) == 2


def test_wrong_setup_raises_and_changes_nothing(
    session_factory: sessionmaker[Session],
    contexts: Contexts,
    smtp_server: DevSMTPServer,
    smtp_settings: Settings,
) -> None:
    _enqueue_many(session_factory, contexts, _addresses(1))

    with pytest.raises(ConfigurationError, match="refused our setup"):
        send_pending(session_factory, smtp_settings(smtp_server.port, username="relay", password="secret"))

    [row] = _rows(session_factory)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    assert smtp_server.messages == []


def test_settings_refuse_contradictions_and_hide_the_password() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        SmtpSettings(host="mail", port=465, from_address="a@b.example", starttls=True, use_ssl=True)
    with pytest.raises(ConfigurationError, match="not an e-mail address"):
        SmtpSettings(host="mail", port=25, from_address="nobody")
    assert "secret" not in repr(
        SmtpSettings(host="mail", port=25, from_address="a@b.example", password="secret")
    )


def test_accented_address_goes_by_smtputf8_or_fails_clearly(
    session_factory: sessionmaker[Session], contexts: Contexts, smtp_settings: Settings
) -> None:
    _enqueue_many(session_factory, contexts, ["zoë@example.org"])
    mailbox, port = Mailbox(), free_port()
    controller = Controller(
        RefusingHandler(mailbox, {}), hostname="127.0.0.1", port=port, enable_SMTPUTF8=False
    )
    controller.start()
    try:
        report = send_pending(session_factory, smtp_settings(port))
    finally:
        controller.stop()

    assert report == RelayReport(failed=1) and mailbox.messages == []
    assert "no SMTPUTF8" in (_rows(session_factory)[0].last_error or "")
