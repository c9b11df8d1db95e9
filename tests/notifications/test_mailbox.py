"""The administrators' mailbox data: messages the SMTP catcher kept as files, and undeliverable e-mails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from cogrant.stack.ports import free_port
from cogrant.stack.smtp import DevSMTPServer
from models import OutboxMessage
from notifications.mailbox import (
    NotInMailbox,
    caught_messages,
    failed_emails,
    outbox_counts,
    queue_again,
    read_caught,
)
from notifications.outbox import InvalidAddress, enqueue
from notifications.relay import RelayReport, SmtpSettings, send_pending

FROM = "Pilot Fund <hello@pilotfund.example>"


def _queue(session: Session, contexts: dict[str, Any], template: str, to: str, key: str) -> OutboxMessage:
    return enqueue(session, template=template, to_address=to, context=contexts[template], dedupe_key=key)


def test_caught_messages_are_listed_newest_first_and_read_in_full(
    tmp_path: Path, session_factory: sessionmaker[Session], contexts: dict[str, Any]
) -> None:
    mail_dir = tmp_path / "mail"
    with session_factory() as session:
        _queue(session, contexts, "application_received", "amina@example.org", "k1")
        _queue(session, contexts, "checkin_reminder", "jo@example.org", "k2")
        _queue(session, contexts, "celebration_shared", "amina@example.org", "k3")
        session.commit()
    # Files only, as the catcher run by `cogrant up` keeps them.
    with DevSMTPServer(mail_dir=mail_dir, keep_in_memory=False) as server:
        settings = SmtpSettings(host=server.host, port=server.port, from_address=FROM)
        assert send_pending(session_factory, settings) == RelayReport(sent=3)

    listed = caught_messages(mail_dir)
    assert [m.subject.split(":")[0].split("!")[0] for m in listed] == [
        "Thank you",
        "Reminder",
        "We have your application",
    ]
    assert (
        listed[1].envelope_to == ("jo@example.org",) and listed[1].envelope_from == "hello@pilotfund.example"
    )
    assert [m.envelope_to for m in caught_messages(mail_dir, to_address="AMINA@example.org")] == [
        ("amina@example.org",),
        ("amina@example.org",),
    ]
    assert len(caught_messages(mail_dir, limit=1, offset=1)) == 1

    reminder = read_caught(mail_dir, listed[1].id)
    assert "First community workshop" in reminder.text and '<html lang="en">' in reminder.html
    assert reminder.attachments == (("check-in.ics", "text/calendar"),)
    assert ("Auto-Submitted", "auto-generated") in reminder.headers


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "x", "20261125T101010.000001-0001/../a", ""])
def test_reading_refuses_ids_that_are_not_caught_messages(tmp_path: Path, bad_id: str) -> None:
    with pytest.raises(NotInMailbox):
        read_caught(tmp_path, bad_id)
    with pytest.raises(NotInMailbox, match="no caught message"):
        read_caught(tmp_path, "20261125T101010.000001-0001")


def test_failed_emails_are_listed_and_can_be_queued_again_to_a_corrected_address(
    shared_db: tuple[str, sessionmaker[Session]], contexts: dict[str, Any], refusing_smtp: Any
) -> None:
    _, sessions = shared_db
    mailbox, port = refusing_smtp({"amina@exmaple.org": "550 5.1.1 No such domain"})
    with sessions() as session:
        wrong = _queue(session, contexts, "award_offered", "amina@exmaple.org", "award_offered:1")
        _queue(session, contexts, "celebration_shared", "jo@example.org", "celebration_shared:1")
        session.commit()
    settings = SmtpSettings(host="127.0.0.1", port=port, from_address=FROM)
    assert send_pending(sessions, settings) == RelayReport(sent=1, failed=1)

    with sessions() as session:
        [failed] = failed_emails(session)
        assert (failed.id, failed.to_address, failed.template) == (
            wrong.id,
            "amina@exmaple.org",
            "award_offered",
        )
        assert "550 5.1.1 No such domain" in failed.reason and failed.failed_at is not None
        assert outbox_counts(session) | {"sent": 1, "failed": 1} == outbox_counts(session)
        with pytest.raises(InvalidAddress):
            queue_again(session, failed.id, to_address="amina at example.org")
        queue_again(session, failed.id, to_address="amina@example.org")
        session.commit()
        with pytest.raises(NotInMailbox, match="pending, not failed"):
            queue_again(session, failed.id)
        with pytest.raises(NotInMailbox, match="no outbox message 999999"):
            queue_again(session, 999999)

    assert send_pending(sessions, settings) == RelayReport(sent=1)
    with sessions() as session:
        assert failed_emails(session) == []
        assert outbox_counts(session)["sent"] == 2 and outbox_counts(session)["failed"] == 0
    assert [m.rcpt_tos for m in mailbox.messages] == [("jo@example.org",), ("amina@example.org",)]


def test_empty_mail_directory_lists_nothing(tmp_path: Path) -> None:
    assert caught_messages(tmp_path / str(free_port())) == []
