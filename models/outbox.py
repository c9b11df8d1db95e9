"""Responsible for the transactional outbox: e-mails written in the same transaction as their cause."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, intpk
from models.enums import OutboxStatus


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_status_id", "status", "id"),)

    id: Mapped[intpk]
    # One message per cause: the same dedupe key twice is the same e-mail, never sent twice.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    template: Mapped[str] = mapped_column(String(80))
    to_address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # An iCalendar invitation sent as a text/calendar attachment (check-in reminders), if any.
    calendar: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=20), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    # Not tried again before then (back-off after a refusal that may pass); None means at once.
    next_attempt_at: Mapped[dt.datetime | None]
    # A relay sending this message holds it until then; a relay that died frees it when it passes.
    lease_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]
    sent_at: Mapped[dt.datetime | None]
    failed_at: Mapped[dt.datetime | None]
