"""Responsible for joint review records: conflicts, assignments, reviews, panel attendance and decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Enum, Exists, ForeignKey, Text, UniqueConstraint, exists
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.applications import Application
from models.base import Base, created_at, intpk, utcnow
from models.enums import AssignmentSource, ConflictSource, Recommendation, ReviewerType, ReviewStatus
from models.people import Person


class Conflict(Base):
    __tablename__ = "conflict"
    __table_args__ = (UniqueConstraint("application_id", "reviewer_id"),)

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    source: Mapped[ConflictSource] = mapped_column(Enum(ConflictSource, native_enum=False, length=20))
    reason: Mapped[str] = mapped_column(Text)
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    waiver_reason: Mapped[str | None] = mapped_column(Text)
    waived_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    @property
    def waived(self) -> bool:
        return self.waived_by_id is not None


def unwaived_conflict(application_id: Any, reviewer_id: Any) -> Exists:
    """SQL: this (application, reviewer) pair has a conflict of interest that is not waived."""
    return exists().where(
        Conflict.application_id == application_id,
        Conflict.reviewer_id == reviewer_id,
        Conflict.waived_by_id.is_(None),
    )


class Assignment(Base):
    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("application_id", "reviewer_id"),)

    id: Mapped[intpk]
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    reviewer_type: Mapped[ReviewerType] = mapped_column(Enum(ReviewerType, native_enum=False, length=40))
    source: Mapped[AssignmentSource] = mapped_column(Enum(AssignmentSource, native_enum=False, length=20))
    affinity: Mapped[float] = mapped_column(default=0.0)
    due_at: Mapped[dt.datetime]
    # When the reviewer answered "do you have a conflict of interest?"; they see nothing before that.
    conflict_declared_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    application: Mapped[Application] = relationship()
    reviewer: Mapped[Person] = relationship()
    review: Mapped[Review | None] = relationship(back_populates="assignment")


class AssignmentRemoval(Base):
    """An administrator took this reviewer off this application; re-running the assignment respects it."""

    __tablename__ = "assignment_removal"
    __table_args__ = (UniqueConstraint("application_id", "reviewer_id"),)

    id: Mapped[intpk]
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    removed_by: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]


class Review(Base):
    """One reviewer's scores (1 best .. 9 worst, None = can't judge) on the seven criteria."""

    __tablename__ = "review"

    id: Mapped[intpk]
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), unique=True)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    overall: Mapped[int | None]
    comment_for_applicant: Mapped[str] = mapped_column(Text, default="")
    comment_for_panel: Mapped[str] = mapped_column(Text, default="")
    # The reviewer asks the panel to discuss this application (it joins the discussion list).
    nominated_for_discussion: Mapped[bool] = mapped_column(default=False)
    nomination_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReviewStatus] = mapped_column(
        Enum(ReviewStatus, native_enum=False, length=20), default=ReviewStatus.DRAFT
    )
    submitted_at: Mapped[dt.datetime | None]
    # When the reviewer confirmed, on submitting, that they still have no conflict of interest.
    no_conflict_confirmed_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    assignment: Mapped[Assignment] = relationship(back_populates="review")


class PanelAttendance(Base):
    """One panel member present on one panel day; each is paid one panel-day fee."""

    __tablename__ = "panel_attendance"
    __table_args__ = (UniqueConstraint("round_id", "person_id", "day"),)

    id: Mapped[intpk]
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]

    person: Mapped[Person] = relationship()


class PanelDecision(Base):
    __tablename__ = "panel_decision"

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    lived_experience_mean: Mapped[float | None]
    scientist_mean: Mapped[float | None]
    community_mean: Mapped[float | None]
    preliminary_score: Mapped[float | None]
    final_score: Mapped[float | None]
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    discussed: Mapped[bool] = mapped_column(default=False)
    rank: Mapped[int | None]
    recommendation: Mapped[Recommendation | None] = mapped_column(
        Enum(Recommendation, native_enum=False, length=20)
    )
    summary_statement: Mapped[str] = mapped_column(Text, default="")
    discussion_notes: Mapped[str] = mapped_column(Text, default="")
    lived_experience_chair_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    scientist_chair_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    application: Mapped[Application] = relationship()
