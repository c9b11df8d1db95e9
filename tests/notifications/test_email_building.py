"""The e-mail as sent: parts in order inside multipart/alternative, and a calendar invitation where due."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

from sqlalchemy.orm import Session, sessionmaker

from notifications.calendar import checkin_uid, fold
from notifications.email_building import build_email
from notifications.outbox import enqueue

FROM = "Pilot Fund <hello@pilotfund.example>"


def _sent_form(session: Session, template: str, context: dict[str, Any], key: str) -> EmailMessage:
    message = enqueue(
        session, template=template, to_address="amina@example.org", context=context, dedupe_key=key
    )
    session.flush()
    raw = build_email(message, FROM).as_bytes()
    return cast(EmailMessage, message_from_bytes(raw, policy=policy.default))


def test_text_comes_before_html_inside_multipart_alternative(
    session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    with session_factory() as session:
        email = _sent_form(session, "award_offered", contexts["award_offered"], "award_offered:1")

    assert email.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in email.iter_parts()] == ["text/plain", "text/html"]
    assert email["Subject"].startswith("Good news") and email["Content-Language"] == "en"


def test_checkin_reminder_carries_a_calendar_invitation_with_a_stable_uid(
    session_factory: sessionmaker[Session], contexts: dict[str, dict[str, Any]]
) -> None:
    context = contexts["checkin_reminder"]
    with session_factory() as session:
        first = _sent_form(session, "checkin_reminder", context, "checkin_reminder:41:1")
        moved = context | {"due_date": dt.date(2026, 12, 8), "recipient_name": "Jo"}
        second = _sent_form(session, "checkin_reminder", moved, "checkin_reminder:41:2")

    assert first.get_content_type() == "multipart/mixed"
    body, invitation = list(first.iter_parts())
    assert [part.get_content_type() for part in body.iter_parts()] == ["text/plain", "text/html"]
    assert invitation.get_content_type() == "text/calendar"
    assert invitation.get_param("method") == "PUBLISH"
    assert invitation.get_filename() == "check-in.ics"
    ics = invitation.get_content()
    assert "DTSTART;VALUE=DATE:20261201" in ics and "DTEND;VALUE=DATE:20261202" in ics
    assert "SUMMARY:Check-in due: First community workshop (PF-2026-017)" in ics
    uid = f"UID:{checkin_uid('PF-2026-017', 'First community workshop', 'pilotfund.example')}"
    assert uid in ics
    moved_ics = list(second.iter_parts())[1].get_content()
    assert uid in moved_ics and "DTSTART;VALUE=DATE:20261208" in moved_ics  # the same event, moved
    assert all(
        line.endswith("\r") or not line for line in invitation.get_payload(decode=True).decode().split("\n")
    )


def test_calendar_text_is_escaped_and_folded_at_75_octets() -> None:
    line = "SUMMARY:" + "Gweithdy cymunedol cyntaf, ŵyl; " * 5

    folded = fold(line)

    assert all(len(piece.encode()) <= 75 for piece in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
