"""Responsible for the conflict-of-interest question asked again when a reviewer submits their review.

"No conflict" submits the review (it needs every answer) and records when they confirmed it. "I do have
one" keeps what they wrote, sets the review aside (status `set_aside`: never counted, never shown to the
other reviewers), records the conflict and tells administrators; the review-round run then finds another
reviewer for the seat.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models.base import utcnow
from models.enums import ConflictSource, ReviewStatus
from models.errors import ConcurrentEdit
from models.people import Person
from models.review import Review
from models.schemas import ReviewDraftInput
from services.conflict_records import Sender, record_conflict
from services.review_round import save_review


def submit_with_confirmation(
    session: Session,
    assignment_id: int,
    review: ReviewDraftInput,
    *,
    reviewer: Person,
    has_conflict: bool,
    conflict_reason: str = "",
    expected_version: int | None = None,
    notifier: Sender | None = None,
) -> Review:
    if not has_conflict:
        record = save_review(
            session,
            assignment_id,
            review,
            reviewer_id=reviewer.id,
            submit=True,
            expected_version=expected_version,
        )
        record.no_conflict_confirmed_at = record.submitted_at
        session.flush()
        return record
    record = save_review(
        session,
        assignment_id,
        review,
        reviewer_id=reviewer.id,
        submit=False,
        expected_version=expected_version,
    )
    record.status, record.submitted_at = ReviewStatus.SET_ASIDE, utcnow()
    try:
        session.flush()
    except StaleDataError as stale:
        raise ConcurrentEdit("this review was saved somewhere else at the same moment") from stale
    record_conflict(
        session,
        application_id=record.assignment.application_id,
        reviewer=reviewer,
        source=ConflictSource.AFTER_REVIEW,
        reason=conflict_reason,
        notifier=notifier,
    )
    return record
