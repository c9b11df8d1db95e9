"""Responsible for each person's choices about e-mail: every message or a daily digest, and language.

Kept apart from `person` so that a person without a row simply gets the defaults (each message, English).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, intpk, utcnow
from models.enums import DeliveryChoice


class NotificationPreference(Base):
    __tablename__ = "notification_preference"

    id: Mapped[intpk]
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    delivery: Mapped[DeliveryChoice] = mapped_column(
        Enum(DeliveryChoice, native_enum=False, length=20), default=DeliveryChoice.EACH_MESSAGE
    )
    # A language tag such as "en" or "cy"; e-mails fall back to English where no translation exists.
    language: Mapped[str] = mapped_column(String(10), default="en")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
