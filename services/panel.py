"""Responsible for the panel: final scores, a ranked recommendation within the pot, summary statements."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.applications import Application
from models.base import utcnow
from models.enums import Recommendation, ReviewerType, ReviewStatus
from models.errors import DomainError
from models.lifecycle import ApplicationStatus
from models.people import ReviewerProfile
from models.review import Assignment, PanelDecision, Review, unwaived_conflict
from models.rounds import FundingRound
from models.schemas import PanelInput
from models.status_change import change_statuses
from reviewers.scoring import recommend_within_pot

S = ApplicationStatus


def _check_co_chairs(session: Session, panel: PanelInput) -> None:
    for person_id, wanted in (
        (panel.lived_experience_chair_id, ReviewerType.LIVED_EXPERIENCE),
        (panel.scientist_chair_id, ReviewerType.SCIENTIST),
    ):
        profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.person_id == person_id))
        if profile is None or profile.reviewer_type != wanted:
            raise DomainError(f"co-chair {person_id} must be a {wanted.replace('_', ' ')} reviewer")


def decide_round(
    session: Session, funding_round: FundingRound, panel: PanelInput, *, actor: str
) -> list[int]:
    """Rank every application at panel, recommend within the pot; returns the ids recommended for funding.

    Decisions already made stay made, so re-running changes nothing."""
    _check_co_chairs(session, panel)
    pending = (
        session.execute(
            select(PanelDecision, Application)
            .join(Application, Application.id == PanelDecision.application_id)
            .where(
                PanelDecision.round_id == funding_round.id,
                PanelDecision.recommendation.is_(None),
                Application.status == S.PANEL,
            )
            .options(selectinload(Application.budget_lines))
            .order_by(Application.id)
        )
        .tuples()
        .all()
    )
    if not pending:
        return []
    committed = sum((a.requested_amount for d, a in _decided(session, funding_round)), start=Decimal("0"))
    for decision, _application in pending:
        decision.final_score = panel.final_scores.get(decision.application_id, decision.preliminary_score)
        decision.discussion_notes = panel.discussion_notes.get(decision.application_id, "")
    ranked = sorted(
        pending, key=lambda pair: (pair[0].final_score is None, pair[0].final_score or 0, pair[1].id)
    )
    funded = set(
        recommend_within_pot(
            [(a.id, d.final_score, a.requested_amount) for d, a in ranked], funding_round.pot - committed
        )
    )
    comments = comments_for_applicants(session, [application.id for _, application in ranked])
    for rank, (decision, application) in enumerate(ranked, start=1):
        decision.rank = rank
        decision.recommendation = (
            Recommendation.FUND if application.id in funded else Recommendation.DO_NOT_FUND
        )
        decision.lived_experience_chair_id = panel.lived_experience_chair_id
        decision.scientist_chair_id = panel.scientist_chair_id
        decision.decided_at = utcnow()
        decision.summary_statement = summary_statement(decision, comments[application.id])
    not_funded = [application for _, application in ranked if application.id not in funded]
    change_statuses(session, not_funded, S.NOT_FUNDED, actor=actor, reason="panel recommendation")
    session.flush()
    return [application.id for _, application in ranked if application.id in funded]


def _decided(session: Session, funding_round: FundingRound) -> list[tuple[PanelDecision, Application]]:
    return list(
        session.execute(
            select(PanelDecision, Application)
            .join(Application, Application.id == PanelDecision.application_id)
            .where(
                PanelDecision.round_id == funding_round.id,
                PanelDecision.recommendation == Recommendation.FUND,
            )
            .options(selectinload(Application.budget_lines))
        ).tuples()
    )


def comments_for_applicants(session: Session, application_ids: list[int]) -> dict[int, list[str]]:
    """The counted reviews' comments for the applicant, by application (by reviewer group, then in order)."""
    rows = session.execute(
        select(Assignment.application_id, Review.comment_for_applicant)
        .join(Assignment)
        .where(
            Assignment.application_id.in_(application_ids),
            Review.status == ReviewStatus.SUBMITTED,
            Review.comment_for_applicant != "",
            ~unwaived_conflict(Assignment.application_id, Assignment.reviewer_id),
        )
        .order_by(Assignment.application_id, Assignment.reviewer_type, Review.id)
    )
    comments: dict[int, list[str]] = defaultdict(list)
    for application_id, comment in rows:
        comments[application_id].append(comment)
    return comments


def summary_statement(decision: PanelDecision, comments: list[str]) -> str:
    """Plain words for the applicant: both group means, anonymised comments, discussion notes."""
    lines = [
        "Scores run from 1 (best) to 9.",
        f"People with lived experience gave it {_mean_text(decision.lived_experience_mean)} on average.",
        f"Scientists gave it {_mean_text(decision.scientist_mean)} on average.",
        "Both groups count the same.",
    ]
    if decision.final_score is not None:
        lines.append(f"Its final score was {decision.final_score:.0f} (10 is best, 90 is lowest).")
    lines += [f"Reviewer {n}: {comment}" for n, comment in enumerate(comments, start=1)]
    if decision.discussed and decision.discussion_notes:
        lines.append(f"From the panel's discussion: {decision.discussion_notes}")
    return "\n".join(lines)


def _mean_text(value: float | None) -> str:
    return "no score" if value is None else f"{value:.1f}"
