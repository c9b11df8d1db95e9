"""Administrators' pinned and removed pairs, through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.enums import AssignmentSource, ConflictSource, ReviewerType
from models.errors import DomainError, NotFound
from models.lifecycle import ApplicationStatus
from models.review import Assignment, AssignmentRemoval, Conflict, Review
from services.assignment_changes import pin_reviewer, remove_reviewer
from services.review_round import assign_round
from tests.support.factories import make_application, make_reviewer, make_round

LE, SCI = ReviewerType.LIVED_EXPERIENCE, ReviewerType.SCIENTIST


def pairs(session: Session) -> set[tuple[int, int]]:
    return set(session.execute(select(Assignment.application_id, Assignment.reviewer_id)).tuples())


@pytest.fixture
def round_in_review(session: Session) -> dict:
    funding_round = make_round(session)
    apps = [
        make_application(session, status=ApplicationStatus.IN_REVIEW, funding_round=funding_round)
        for _ in range(2)
    ]
    lived = [make_reviewer(session, LE, max_load=2) for _ in range(3)]
    scientists = [make_reviewer(session, SCI, max_load=2) for _ in range(3)]
    assign_round(session, funding_round, now=utcnow(), actor="test")
    return {"round": funding_round, "apps": apps, "lived": lived, "scientists": scientists}


def test_a_removed_pair_stays_removed_and_the_panel_is_filled_again(
    session: Session, round_in_review: dict
) -> None:
    funding_round, app = round_in_review["round"], round_in_review["apps"][0]
    before = pairs(session)
    assert len(before) == 8
    removed = next(r for a, r in sorted(before) if a == app.id)
    remove_reviewer(
        session, funding_round, application_id=app.id, reviewer_id=removed, actor="admin", reason="knows them"
    )
    assert (app.id, removed) not in pairs(session)
    assign_round(session, funding_round, now=utcnow(), actor="test")
    after = pairs(session)
    assert (app.id, removed) not in after
    assert before - {(app.id, removed)} <= after  # nothing else moved
    assert len(after) == 8
    removal = session.scalar(select(AssignmentRemoval))
    assert (removal.removed_by, removal.reason) == ("admin", "knows them")


def test_a_pinned_pair_survives_a_rerun_and_lifts_a_removal(session: Session, round_in_review: dict) -> None:
    funding_round, app = round_in_review["round"], round_in_review["apps"][1]
    current = {r for a, r in pairs(session) if a == app.id}
    lived_now = [p.id for p in round_in_review["lived"] if p.id in current]
    spare = next(p.id for p in round_in_review["lived"] if p.id not in current)
    with pytest.raises(DomainError, match="already has its 2 lived-experience reviewers"):
        pin_reviewer(session, funding_round, application_id=app.id, reviewer_id=spare, now=utcnow())
    remove_reviewer(
        session, funding_round, application_id=app.id, reviewer_id=lived_now[0], actor="admin", reason="ill"
    )
    remove_reviewer(
        session, funding_round, application_id=app.id, reviewer_id=spare, actor="admin", reason="not this one"
    )
    pinned = pin_reviewer(session, funding_round, application_id=app.id, reviewer_id=spare, now=utcnow())
    assert pinned.source == AssignmentSource.MANUAL
    assert session.scalar(select(AssignmentRemoval).where(AssignmentRemoval.reviewer_id == spare)) is None
    assign_round(session, funding_round, now=utcnow(), actor="test")
    after = pairs(session)
    assert (app.id, spare) in after and (app.id, lived_now[0]) not in after


def test_refusals_change_nothing(session: Session, round_in_review: dict) -> None:
    funding_round, app = round_in_review["round"], round_in_review["apps"][0]
    other = make_reviewer(session, SCI)
    session.add(
        Conflict(application_id=app.id, reviewer_id=other.id, source=ConflictSource.DECLARED, reason="x")
    )
    session.flush()
    before = pairs(session)
    with pytest.raises(DomainError, match="conflict of interest"):
        pin_reviewer(session, funding_round, application_id=app.id, reviewer_id=other.id, now=utcnow())
    with pytest.raises(NotFound, match="not in the reviewer pool"):
        pin_reviewer(
            session, funding_round, application_id=app.id, reviewer_id=app.applicant_id, now=utcnow()
        )
    with pytest.raises(DomainError, match="say why"):
        remove_reviewer(
            session, funding_round, application_id=app.id, reviewer_id=other.id, actor="a", reason=" "
        )
    started = session.scalar(select(Assignment).where(Assignment.application_id == app.id))
    session.add(Review(assignment=started))
    session.flush()
    with pytest.raises(DomainError, match="already started a review"):
        remove_reviewer(
            session,
            funding_round,
            application_id=app.id,
            reviewer_id=started.reviewer_id,
            actor="a",
            reason="r",
        )
    assert pairs(session) == before
    assert session.scalar(select(AssignmentRemoval)) is None
