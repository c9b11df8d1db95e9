"""Responsible for calendar invitations (RFC 5545 .ics) that go with check-in reminders.

Built with the standard library only. The event is all-day on the due date. Its UID comes from the
project reference and the check-in's title, so a reminder sent again (or with a moved date) updates
the same event in the reader's calendar instead of adding a second one; SEQUENCE grows with the time
the reminder was written, as RFC 5545 asks of an update.
"""

from __future__ import annotations

import datetime as dt
import hashlib

PRODUCT_ID = "-//cogrant//check-in reminders//EN"
_MAX_LINE_OCTETS = 75


def checkin_event(
    *,
    reference: str,
    milestone_title: str,
    due_date: dt.date,
    written_at: dt.datetime,
    domain: str = "cogrant.invalid",
) -> str:
    """A VCALENDAR with one all-day VEVENT on `due_date`, lines folded and ended by CRLF."""
    if isinstance(due_date, dt.datetime):
        due_date = due_date.date()
    stamp = written_at.astimezone(dt.UTC)
    description = f"Tell us how this part of your plan is going: {milestone_title}. Project {reference}."
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "METHOD:PUBLISH",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{checkin_uid(reference, milestone_title, domain)}",
        f"SEQUENCE:{int(stamp.timestamp()) // 60}",
        f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{due_date:%Y%m%d}",
        f"DTEND;VALUE=DATE:{due_date + dt.timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape_text(f'Check-in due: {milestone_title} ({reference})')}",
        f"DESCRIPTION:{escape_text(description)}",
        "TRANSP:TRANSPARENT",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{escape_text(f'Check-in due: {milestone_title}')}",
        "TRIGGER:-P2D",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def checkin_uid(reference: str, milestone_title: str, domain: str) -> str:
    digest = hashlib.sha256(f"{reference}\x00{milestone_title}".encode()).hexdigest()[:32]
    return f"checkin-{digest}@{domain}"


def escape_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon and comma escaped, line breaks as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (continuations start with a space)."""
    pieces: list[str] = []
    current, size = "", 0
    limit = _MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, _MAX_LINE_OCTETS - 1  # the leading space counts
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)
