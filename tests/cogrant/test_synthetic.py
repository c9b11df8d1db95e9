"""The synthetic round can be seeded again into the same database (a second `cogrant demo`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cogrant.synthetic import seed_round
from models import Application, FundingRound, ReviewerProfile
from models.lifecycle import ApplicationStatus


def test_seeding_twice_makes_a_second_round_with_the_same_reviewers(session: Session) -> None:
    first = seed_round(session, applications=8, reviewers=6, seed=1, label="first")
    second = seed_round(session, applications=8, reviewers=6, seed=2, label="second")
    session.flush()

    assert first.round_id != second.round_id
    assert session.scalar(select(func.count()).select_from(FundingRound)) == 2
    assert session.scalar(select(func.count()).select_from(ReviewerProfile)) == 6
    assert (
        session.scalar(
            select(func.count()).select_from(ReviewerProfile).where(ReviewerProfile.person_id.is_(None))
        )
        == 0
    )
    submitted = session.scalar(
        select(func.count())
        .select_from(Application)
        .where(Application.round_id == second.round_id, Application.status == ApplicationStatus.SUBMITTED)
    )
    assert submitted == 8
