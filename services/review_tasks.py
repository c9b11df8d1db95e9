"""Responsible for what one reviewer may see of their review tasks: their list, the conflict-of-interest
declaration that comes before opening an application, and the other reviewers' submitted reviews.

A task that is not the reviewer's, or whose application they are conflicted on, raises NotFound, the same
as one that does not exist, so nobody learns about applications they may not read. Saving the review
itself is services.review_round.save_review.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.base import utcnow
from models.enums import ConflictSource, ReviewerType, ReviewStatus
from models.errors import NotFound
from models.lifecycle import ApplicationStatus
from models.people import Person
from models.review import Assignment, Conflict, Review, unwaived_conflict
from services.conflict_records import Sender, record_conflict


class TaskState(StrEnum):
    """Where a task stands, in the words the reviewer sees."""

    NOT_STARTED = "Not started"
    DRAFT = "Draft saved"
    SUBMITTED = "Submitted"
    CONFLICTED = "Conflict of interest: not yours to review"
    CLOSED = "Closed"


@dataclass(frozen=True)
class ReviewTask:
    assignment: Assignment
    state: TaskState

    @property
    def can_open(self) -> bool:
        return self.state != TaskState.CONFLICTED


@dataclass(frozen=True)
class OtherReview:
    """Another reviewer's submitted review, named only by number and group."""

    label: str
    reviewer_type: ReviewerType
    review: Review


def _conflicted_application_ids(session: Session, reviewer_id: int) -> set[int]:
    return set(
        session.scalars(
            select(Conflict.application_id).where(
                Conflict.reviewer_id == reviewer_id, Conflict.waived_by_id.is_(None)
            )
        )
    )


def _state(assignment: Assignment, conflicted: set[int]) -> TaskState:
    if assignment.application_id in conflicted:
        return TaskState.CONFLICTED
    review = assignment.review
    if review is not None and review.status == ReviewStatus.SUBMITTED:
        return TaskState.SUBMITTED
    if assignment.application.status != ApplicationStatus.IN_REVIEW:
        return TaskState.CLOSED
    return TaskState.DRAFT if review is not None else TaskState.NOT_STARTED


def tasks_of(session: Session, reviewer: Person) -> list[ReviewTask]:
    """The reviewer's tasks, soonest due first."""
    assignments = session.scalars(
        select(Assignment)
        .where(Assignment.reviewer_id == reviewer.id)
        .options(selectinload(Assignment.application), selectinload(Assignment.review))
        .order_by(Assignment.due_at, Assignment.id)
    ).all()
    conflicted = _conflicted_application_ids(session, reviewer.id)
    return [ReviewTask(assignment, _state(assignment, conflicted)) for assignment in assignments]


def task_for(session: Session, reviewer: Person, assignment_id: int) -> Assignment:
    """The reviewer's own, unconflicted task; NotFound otherwise (whether or not it exists)."""
    assignment = session.get(Assignment, assignment_id)
    if (
        assignment is None
        or assignment.reviewer_id != reviewer.id
        or assignment.application_id in _conflicted_application_ids(session, reviewer.id)
    ):
        raise NotFound(f"no review task {assignment_id} for this reviewer")
    return assignment


def declare_conflict(
    session: Session,
    reviewer: Person,
    assignment_id: int,
    *,
    has_conflict: bool,
    reason: str = "",
    notifier: Sender | None = None,
) -> Assignment:
    """Record the reviewer's answer. A conflict is recorded (ending any waiver), ends their access, and is
    told to administrators when a notifier is given."""
    assignment = task_for(session, reviewer, assignment_id)
    assignment.conflict_declared_at = utcnow()
    if has_conflict:
        record_conflict(
            session,
            application_id=assignment.application_id,
            reviewer=reviewer,
            source=ConflictSource.DECLARED,
            reason=reason,
            notifier=notifier,
        )
    session.flush()
    return assignment


def other_reviews(session: Session, assignment: Assignment) -> list[OtherReview]:
    """The other reviewers' submitted reviews of this application, once this reviewer's own is submitted.

    Only review rows and the reviewer's group are read: never drafts, names or lived-experience details.
    """
    own = assignment.review
    if own is None or own.status != ReviewStatus.SUBMITTED:
        return []
    rows = session.execute(
        select(Review, Assignment.reviewer_type)
        .join(Assignment, Review.assignment_id == Assignment.id)
        .where(
            Assignment.application_id == assignment.application_id,
            Assignment.id != assignment.id,
            Review.status == ReviewStatus.SUBMITTED,
            ~unwaived_conflict(Assignment.application_id, Assignment.reviewer_id),
        )
        .order_by(Review.submitted_at, Review.id)
    ).all()
    return [
        OtherReview(label=f"Reviewer {number}", reviewer_type=reviewer_type, review=review)
        for number, (review, reviewer_type) in enumerate(rows, start=1)
    ]
