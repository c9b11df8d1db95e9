"""Responsible for what follows a decision: awards, milestones, check-ins, payments and close-out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.applications import Application, Document
from models.base import Base, created_at, intpk, utcnow
from models.enums import (
    AwardStatus,
    ExpenseKind,
    MilestoneProgress,
    PaymentKind,
    PaymentPreference,
    PaymentStatus,
)
from models.people import Person


class Award(Base):
    __tablename__ = "award"

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    conditions: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AwardStatus] = mapped_column(
        Enum(AwardStatus, native_enum=False, length=30), default=AwardStatus.AWAITING_APPROVAL
    )
    decided_by: Mapped[str | None]
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    letter_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    letter_pdf_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    # What the budget sends to the community partner, when the round asks for at least half.
    community_partner_amount: Mapped[Decimal | None]
    terms_accepted_at: Mapped[dt.datetime | None]
    terms_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # The daily sweep's reminder before the final report is due, and its e-mail to administrators after.
    final_report_reminded_at: Mapped[dt.datetime | None]
    final_report_escalated_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    application: Mapped[Application] = relationship()
    letter: Mapped[Document | None] = relationship(foreign_keys=[letter_document_id])
    letter_pdf: Mapped[Document | None] = relationship(foreign_keys=[letter_pdf_document_id])
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="award", cascade="all, delete-orphan", order_by="Milestone.sequence"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="award", cascade="all, delete-orphan", order_by="Payment.sequence"
    )


class Milestone(Base):
    __tablename__ = "milestone"
    __table_args__ = (UniqueConstraint("award_id", "sequence"),)

    id: Mapped[intpk]
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    sequence: Mapped[int]
    title: Mapped[str]
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    reminder_sent_at: Mapped[dt.datetime | None]
    escalated_at: Mapped[dt.datetime | None]

    award: Mapped[Award] = relationship(back_populates="milestones")
    check_in: Mapped[CheckIn | None] = relationship(back_populates="milestone")


class CheckIn(Base):
    __tablename__ = "check_in"

    id: Mapped[intpk]
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id"), unique=True)
    progress: Mapped[MilestoneProgress] = mapped_column(Enum(MilestoneProgress, native_enum=False, length=20))
    note: Mapped[str] = mapped_column(Text, default="")
    involvement_changed: Mapped[str] = mapped_column(Text, default="")
    still_missing: Mapped[str] = mapped_column(Text, default="")
    fed_back: Mapped[str] = mapped_column(Text, default="")
    # Milestone sequence (as text, JSON keys) -> MilestoneProgress, for every milestone of the plan.
    milestone_progress: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    upload_document_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    submitted_at: Mapped[created_at]
    approved_at: Mapped[dt.datetime | None]
    approved_by: Mapped[str | None]
    # An administrator asked the team to change this check-in; cleared when the team sends it again.
    changes_requested_at: Mapped[dt.datetime | None]
    changes_requested_by: Mapped[str | None]
    changes_note: Mapped[str] = mapped_column(Text, default="", server_default="")

    milestone: Mapped[Milestone] = relationship(back_populates="check_in")


class Payment(Base):
    """A payment owed: an award's tranche, or a reviewer's fee or expense.

    Uniqueness makes every retry safe: `sequence` per award for tranches, `review_id` for a review's fee,
    `panel_attendance_id` for a panel day's fee, `claim_key` for an expense claim (one per form shown).
    A reviewer's fee keeps the `method` they had chosen when it was recorded (fee, decline, vouchers, or
    to an organisation, named in `payee_organisation`)."""

    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("award_id", "sequence"),)

    id: Mapped[intpk]
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestone.id"))
    payee_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    sequence: Mapped[int] = mapped_column(default=0)
    kind: Mapped[PaymentKind] = mapped_column(Enum(PaymentKind, native_enum=False, length=20))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[PaymentStatus] = mapped_column(
        Enum(PaymentStatus, native_enum=False, length=20), default=PaymentStatus.SCHEDULED
    )
    released_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]
    review_id: Mapped[int | None] = mapped_column(ForeignKey("review.id"), unique=True)
    panel_attendance_id: Mapped[int | None] = mapped_column(ForeignKey("panel_attendance.id"), unique=True)
    claim_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("funding_round.id"), index=True)
    method: Mapped[PaymentPreference | None] = mapped_column(
        Enum(PaymentPreference, native_enum=False, length=40)
    )
    payee_organisation: Mapped[str | None] = mapped_column(String(200))
    expense_kind: Mapped[ExpenseKind | None] = mapped_column(Enum(ExpenseKind, native_enum=False, length=40))
    description: Mapped[str] = mapped_column(Text, default="")
    earned_on: Mapped[dt.date | None] = mapped_column(Date)  # the day of the work; decides the tax year
    hold_released_at: Mapped[dt.datetime | None]  # when the benefits-advice hold was lifted

    award: Mapped[Award | None] = relationship(back_populates="payments")

    @property
    def counts_as_income(self) -> bool:
        """Fees and vouchers paid to the person are their income; expenses and money to an organisation
        are not."""
        return self.kind != PaymentKind.EXPENSE and self.method in {
            PaymentPreference.FEE,
            PaymentPreference.VOUCHERS,
        }


class CloseOutReport(Base):
    """The final report (GRIPP2 short form) and the community celebration report it leads to."""

    __tablename__ = "close_out_report"

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    gripp2: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    highlights: Mapped[str] = mapped_column(Text, default="")
    thanks: Mapped[str] = mapped_column(Text, default="")
    quotes: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    submitted_at: Mapped[created_at]
    celebration_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    celebration_pdf_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    application: Mapped[Application] = relationship()
    celebration_document: Mapped[Document | None] = relationship(foreign_keys=[celebration_document_id])


class NamingConsent(Base):
    """Whether a person agreed to be named in what cogrant publishes about a project (celebration report,
    open data). Nobody is named without a row saying yes."""

    __tablename__ = "naming_consent"
    __table_args__ = (UniqueConstraint("application_id", "person_id"),)

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    may_be_named: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    application: Mapped[Application] = relationship()
    person: Mapped[Person] = relationship()
