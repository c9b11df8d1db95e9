"""Responsible for applications and what they hold: co-leads, budget lines, documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at, intpk, utcnow
from models.enums import BudgetCategory, DocumentPurpose
from models.lifecycle import ApplicationStatus
from models.people import Organisation, Person
from models.rounds import FundingRound

if TYPE_CHECKING:
    from models.portal import ApplicationAccess


class Application(Base):
    __tablename__ = "application"
    __table_args__ = (UniqueConstraint("round_id", "submission_key"),)

    id: Mapped[intpk]
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    lead_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    # The client's idempotency key, so a double click or network retry makes one application.
    submission_key: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    sections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    coproduction_answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    duration_months: Mapped[int] = mapped_column(default=12)
    status: Mapped[ApplicationStatus] = mapped_column(
        Enum(ApplicationStatus, native_enum=False, length=40), default=ApplicationStatus.DRAFT, index=True
    )
    eligibility: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    submitted_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    round: Mapped[FundingRound] = relationship()
    applicant: Mapped[Person] = relationship()
    lead_organisation: Mapped[Organisation | None] = relationship()
    co_leads: Mapped[list[CoLead]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="CoLead.id"
    )
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="BudgetLine.id"
    )
    documents: Mapped[list[Document]] = relationship(back_populates="application", order_by="Document.id")
    # Co-applicants' invitations (models.portal), accepted or not.
    access_grants: Mapped[list[ApplicationAccess]] = relationship(
        back_populates="application", order_by="ApplicationAccess.id"
    )

    @property
    def requested_amount(self) -> Decimal:
        return sum((line.amount for line in self.budget_lines), Decimal("0"))

    def has_lived_experience_co_lead(self) -> bool:
        return any(co_lead.lived_experience for co_lead in self.co_leads)


class CoLead(Base):
    """A co-lead is a person (a patient or carer may lead) or an organisation."""

    __tablename__ = "co_lead"

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    role_title: Mapped[str] = mapped_column(String(200), default="")
    lived_experience: Mapped[bool] = mapped_column(default=False)

    application: Mapped[Application] = relationship(back_populates="co_leads")
    person: Mapped[Person | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class BudgetLine(Base):
    __tablename__ = "budget_line"

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    category: Mapped[BudgetCategory] = mapped_column(Enum(BudgetCategory, native_enum=False, length=40))
    description: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal]

    application: Mapped[Application] = relationship(back_populates="budget_lines")


class Document(Base):
    """Metadata of a file held in the document store; the bytes live in S3 under `key`."""

    __tablename__ = "document"

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    purpose: Mapped[DocumentPurpose] = mapped_column(Enum(DocumentPurpose, native_enum=False, length=40))
    key: Mapped[str] = mapped_column(String(500), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[created_at]

    application: Mapped[Application] = relationship(back_populates="documents")
