"""Responsible for what the applicant portal keeps: one-time sign-in links and co-applicants' access.

Only a SHA-256 of each link's secret nonce is stored, so a copy of the database cannot sign anyone in.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.applications import Application
from models.base import Base, created_at, intpk
from models.people import Person


class Access(StrEnum):
    VIEW = "view"
    EDIT = "edit"


class SignInToken(Base):
    __tablename__ = "sign_in_token"

    id: Mapped[intpk]
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    nonce_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    person: Mapped[Person] = relationship()


class ApplicationAccess(Base):
    """A co-applicant invited by e-mail to view or edit one application; active once accepted."""

    __tablename__ = "application_access"
    __table_args__ = (UniqueConstraint("application_id", "person_id"),)

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    access: Mapped[Access] = mapped_column(Enum(Access, native_enum=False, length=10))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    nonce_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    application: Mapped[Application] = relationship(back_populates="access_grants")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    invited_by: Mapped[Person] = relationship(foreign_keys=[invited_by_id])
