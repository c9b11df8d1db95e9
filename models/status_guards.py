"""Responsible for the guards of the status machine: what must be true before an application may move.

A guard takes the applications making the same move and returns, for each in the same order, the list
of problems that stop it (empty when it may go ahead). A guard that reads the database asks once for the
whole list, so moving a round's applications costs a query per guard, not one per application.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.applications import Application
from models.awards import Award, CloseOutReport, Milestone, Payment
from models.base import utcnow
from models.enums import AwardStatus, Recommendation, ReviewStatus
from models.review import Assignment, PanelDecision, Review, unwaived_conflict

Guard = Callable[[Session, Sequence[Application]], list[list[str]]]
OneByOne = Callable[[Session, Application], list[str]]


def one_by_one(check: OneByOne) -> Guard:
    """A guard from a check that needs nothing but the application and what it holds."""

    def guard(session: Session, applications: Sequence[Application]) -> list[list[str]]:
        return [check(session, application) for application in applications]

    guard.__name__ = guard.__qualname__ = check.__name__
    return guard


def _ids(applications: Sequence[Application]) -> list[int]:
    return [application.id for application in applications]


def completeness_problems(session: Session, application: Application) -> list[str]:
    problems = []
    if not application.title.strip():
        problems.append("the project needs a title")
    if not application.summary.strip():
        problems.append("the plain-language summary is empty")
    if not application.has_lived_experience_co_lead():
        problems.append("at least one co-lead must have lived experience")
    if not application.budget_lines:
        problems.append("the budget has no lines")
    elif application.requested_amount > application.round.max_award:
        problems.append(
            f"the budget ({application.requested_amount}) is above this round's maximum "
            f"({application.round.max_award} {application.round.currency})"
        )
    return problems


def round_is_open(session: Session, application: Application) -> list[str]:
    if not application.round.is_open(utcnow()):
        return [f"the round '{application.round.name}' is not open for applications now"]
    return []


def eligibility_passed(session: Session, application: Application) -> list[str]:
    if application.eligibility is None:
        return ["eligibility has not been screened"]
    return [] if application.eligibility.get("eligible") else ["eligibility screening did not pass"]


def eligibility_failed(session: Session, application: Application) -> list[str]:
    if application.eligibility is None:
        return ["eligibility has not been screened"]
    return ["eligibility screening passed"] if application.eligibility.get("eligible") else []


def enough_reviews(session: Session, applications: Sequence[Application]) -> list[list[str]]:
    submitted = Counter(
        session.execute(
            select(Assignment.application_id, Assignment.reviewer_type)
            .join(Review, Review.assignment_id == Assignment.id)
            .where(
                Assignment.application_id.in_(_ids(applications)),
                Review.status == ReviewStatus.SUBMITTED,
                ~unwaived_conflict(Assignment.application_id, Assignment.reviewer_id),
            )
        )
        .tuples()
        .all()
    )
    return [
        [
            f"{submitted[(application.id, kind)]} of {needed} {kind.replace('_', ' ')} reviews submitted"
            for kind, needed in application.round.panel_makeup().items()
            if submitted[(application.id, kind)] < needed
        ]
        for application in applications
    ]


def _recommendations(
    session: Session, applications: Sequence[Application]
) -> dict[int, Recommendation | None]:
    return dict(
        session.execute(
            select(PanelDecision.application_id, PanelDecision.recommendation).where(
                PanelDecision.application_id.in_(_ids(applications))
            )
        )
        .tuples()
        .all()
    )


def _award_statuses(session: Session, applications: Sequence[Application]) -> dict[int, AwardStatus]:
    if not applications:
        return {}
    return dict(
        session.execute(
            select(Award.application_id, Award.status).where(Award.application_id.in_(_ids(applications)))
        )
        .tuples()
        .all()
    )


def award_approved(session: Session, applications: Sequence[Application]) -> list[list[str]]:
    recommendations = _recommendations(session, applications)
    statuses = _award_statuses(session, applications)
    problems: list[list[str]] = []
    for application in applications:
        mine = [] if recommendations.get(application.id) else ["the panel has not made a recommendation"]
        if statuses.get(application.id) != AwardStatus.APPROVED:
            mine.append("an administrator has not approved the award")
        problems.append(mine)
    return problems


def not_funded_decided(session: Session, applications: Sequence[Application]) -> list[list[str]]:
    recommendations = _recommendations(session, applications)
    # An administrator's decline is asked about only where the panel did not already say no.
    undecided = [a for a in applications if recommendations.get(a.id) != Recommendation.DO_NOT_FUND]
    statuses = _award_statuses(session, undecided)
    still_open = {a.id for a in undecided if statuses.get(a.id) != AwardStatus.DECLINED}
    return [
        ["neither the panel nor an administrator has decided not to fund it"] if a.id in still_open else []
        for a in applications
    ]


def award_set_up(session: Session, applications: Sequence[Application]) -> list[list[str]]:
    has_schedule = select(Payment.id).where(Payment.award_id == Award.id).exists()
    awards = {
        application_id: (letter_id, scheduled)
        for application_id, letter_id, scheduled in session.execute(
            select(Award.application_id, Award.letter_document_id, has_schedule).where(
                Award.application_id.in_(_ids(applications))
            )
        )
        .tuples()
        .all()
    }
    problems: list[list[str]] = []
    for application in applications:
        letter_id, scheduled = awards.get(application.id, (None, False))
        mine = [] if letter_id is not None else ["the award letter has not been issued"]
        if not scheduled:
            mine.append("there is no payment schedule")
        problems.append(mine)
    return problems


def check_ins_received(session: Session, applications: Sequence[Application]) -> list[list[str]]:
    milestones: dict[int, list[tuple[str, bool]]] = {}
    for application_id, title, reported in session.execute(
        select(Award.application_id, Milestone.title, Milestone.check_in.has())
        .join(Award, Award.id == Milestone.award_id)
        .where(Award.application_id.in_(_ids(applications)))
        .order_by(Award.application_id, Milestone.sequence)
    ).tuples():
        milestones.setdefault(application_id, []).append((title, reported))
    return [
        [f"no check-in yet for '{title}'" for title, reported in milestones[application.id] if not reported]
        if application.id in milestones
        else ["the project has no milestones"]
        for application in applications
    ]


def closed_out(session: Session, applications: Sequence[Application]) -> list[list[str]]:
    reports = dict(
        session.execute(
            select(CloseOutReport.application_id, CloseOutReport.celebration_document_id).where(
                CloseOutReport.application_id.in_(_ids(applications))
            )
        )
        .tuples()
        .all()
    )
    problems: list[list[str]] = []
    for application in applications:
        if application.id not in reports:
            problems.append(["the final report has not been received"])
        else:
            problems.append([] if reports[application.id] else ["the celebration report has not been made"])
    return problems
