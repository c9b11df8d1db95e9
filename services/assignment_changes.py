"""Responsible for administrators' manual changes to a round's assignment: pinning and removing pairs.

A pinned pair is a `MANUAL` assignment; every existing assignment is kept when the round's assignment is
run again. A removal deletes the assignment (only while no review has been started on it) and is
recorded, so a re-run never gives the same reviewer that application again. Pinning a removed pair
lifts the removal. Each refusal says why and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.applications import Application
from models.enums import AssignmentSource, ReviewerType
from models.errors import DomainError, NotFound
from models.lifecycle import ApplicationStatus
from models.people import ReviewerProfile
from models.review import Assignment, AssignmentRemoval, Conflict, unwaived_conflict
from models.rounds import FundingRound
from reviewers.roles import type_label


def pin_reviewer(
    session: Session,
    funding_round: FundingRound,
    *,
    application_id: int,
    reviewer_id: int,
    now: dt.datetime,
) -> Assignment:
    """Give this reviewer this application by hand; refused when conflicted or the panel place is taken."""
    application = _application_in_review(session, funding_round, application_id)
    profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.person_id == reviewer_id))
    if profile is None:
        raise NotFound(f"person {reviewer_id} is not in the reviewer pool")
    existing = _assignment(session, application_id, reviewer_id)
    if existing is not None:
        return existing
    conflict = session.scalar(
        select(Conflict).where(Conflict.application_id == application_id, Conflict.reviewer_id == reviewer_id)
    )
    if conflict is not None and not conflict.waived:
        raise DomainError(
            f"reviewer {reviewer_id} has a conflict of interest with application {application_id} "
            f"({conflict.reason}); record a waiver first"
        )
    kind = ReviewerType(profile.reviewer_type)
    need = funding_round.panel_makeup().get(str(kind), 0)
    seats = Counter(  # a reviewer with a conflict keeps their task row but not the seat
        session.scalars(
            select(Assignment.reviewer_type).where(
                Assignment.application_id == application_id,
                ~unwaived_conflict(Assignment.application_id, Assignment.reviewer_id),
            )
        )
    )
    if seats[kind] >= need:
        raise DomainError(
            f"application {application_id} already has its {need} {type_label(kind)} "
            f"reviewer{'s' if need != 1 else ''}; remove one first"
        )
    removal = _removal(session, application_id, reviewer_id)
    if removal is not None:
        session.delete(removal)
    assignment = Assignment(
        round_id=funding_round.id,
        application_id=application.id,
        reviewer_id=reviewer_id,
        reviewer_type=kind,
        source=AssignmentSource.MANUAL,
        due_at=now + dt.timedelta(days=int(funding_round.review_config.get("review_days", 21))),
    )
    session.add(assignment)
    session.flush()
    return assignment


def remove_reviewer(
    session: Session,
    funding_round: FundingRound,
    *,
    application_id: int,
    reviewer_id: int,
    actor: str,
    reason: str,
) -> AssignmentRemoval:
    """Take this reviewer off this application for good (until pinned again); refused once a review exists."""
    _application_in_review(session, funding_round, application_id)
    if not reason.strip():
        raise DomainError("say why the reviewer is removed")
    assignment = _assignment(session, application_id, reviewer_id)
    if assignment is not None and assignment.review is not None:
        raise DomainError(
            f"reviewer {reviewer_id} has already started a review of application {application_id}; "
            "it cannot be removed"
        )
    removal = _removal(session, application_id, reviewer_id)
    if removal is None:
        removal = AssignmentRemoval(
            round_id=funding_round.id,
            application_id=application_id,
            reviewer_id=reviewer_id,
            removed_by=actor,
            reason=reason.strip(),
        )
        session.add(removal)
    if assignment is not None:
        session.delete(assignment)
    session.flush()
    return removal


def removed_pairs(session: Session, funding_round: FundingRound) -> set[tuple[int, int]]:
    return set(
        session.execute(
            select(AssignmentRemoval.application_id, AssignmentRemoval.reviewer_id).where(
                AssignmentRemoval.round_id == funding_round.id
            )
        ).tuples()
    )


def _application_in_review(session: Session, funding_round: FundingRound, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.round_id != funding_round.id:
        raise NotFound(f"application {application_id} is not in round {funding_round.id}")
    if application.status != ApplicationStatus.IN_REVIEW:
        raise DomainError(f"application {application_id} is not in review, so its reviewers are settled")
    return application


def _assignment(session: Session, application_id: int, reviewer_id: int) -> Assignment | None:
    return session.scalar(
        select(Assignment).where(
            Assignment.application_id == application_id, Assignment.reviewer_id == reviewer_id
        )
    )


def _removal(session: Session, application_id: int, reviewer_id: int) -> AssignmentRemoval | None:
    return session.scalar(
        select(AssignmentRemoval).where(
            AssignmentRemoval.application_id == application_id, AssignmentRemoval.reviewer_id == reviewer_id
        )
    )
