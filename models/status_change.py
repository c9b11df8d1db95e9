"""Responsible for the one function that changes an application's status, its guards and audit row.

A guard returns the list of problems that stop a change (empty when it may go ahead). Every change is
checked against `models.lifecycle.TRANSITIONS`, audited, and recorded as a `StatusChanged` event in
`session.info["events"]` so the unit of work can queue what it causes in the same transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.applications import Application
from models.audit import AuditEntry
from models.awards import Award, CloseOutReport, Milestone, Payment
from models.base import utcnow
from models.enums import AwardStatus, Recommendation, ReviewStatus
from models.errors import GuardFailed, IllegalTransition
from models.lifecycle import TRANSITIONS, ApplicationStatus
from models.review import Assignment, PanelDecision, Review, unwaived_conflict

S = ApplicationStatus
Guard = Callable[[Session, Application], list[str]]


@dataclass(frozen=True)
class StatusChanged:
    application_id: int
    from_status: ApplicationStatus
    to_status: ApplicationStatus
    actor: str
    reason: str
    # The changed row itself, so handlers in the same session need not load it again.
    application: Application | None = field(default=None, compare=False, repr=False)


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


def _round_is_open(session: Session, application: Application) -> list[str]:
    if not application.round.is_open(utcnow()):
        return [f"the round '{application.round.name}' is not open for applications now"]
    return []


def _eligibility_passed(session: Session, application: Application) -> list[str]:
    if application.eligibility is None:
        return ["eligibility has not been screened"]
    return [] if application.eligibility.get("eligible") else ["eligibility screening did not pass"]


def _eligibility_failed(session: Session, application: Application) -> list[str]:
    if application.eligibility is None:
        return ["eligibility has not been screened"]
    return ["eligibility screening passed"] if application.eligibility.get("eligible") else []


def _enough_reviews(session: Session, application: Application) -> list[str]:
    submitted = Counter(
        session.scalars(
            select(Assignment.reviewer_type)
            .join(Review, Review.assignment_id == Assignment.id)
            .where(
                Assignment.application_id == application.id,
                Review.status == ReviewStatus.SUBMITTED,
                ~unwaived_conflict(Assignment.application_id, Assignment.reviewer_id),
            )
        )
    )
    return [
        f"{submitted.get(kind, 0)} of {needed} {kind.replace('_', ' ')} reviews submitted"
        for kind, needed in application.round.panel_makeup().items()
        if submitted.get(kind, 0) < needed
    ]


def _panel_decided(session: Session, application: Application) -> list[str]:
    decided = session.scalar(
        select(func.count())
        .select_from(PanelDecision)
        .where(PanelDecision.application_id == application.id, PanelDecision.recommendation.is_not(None))
    )
    return [] if decided else ["the panel has not made a recommendation"]


def _award_status(session: Session, application: Application) -> AwardStatus | None:
    return session.scalar(select(Award.status).where(Award.application_id == application.id))


def _award_approved(session: Session, application: Application) -> list[str]:
    problems = _panel_decided(session, application)
    if _award_status(session, application) != AwardStatus.APPROVED:
        problems.append("an administrator has not approved the award")
    return problems


def _not_funded_decided(session: Session, application: Application) -> list[str]:
    recommendation = session.scalar(
        select(PanelDecision.recommendation).where(PanelDecision.application_id == application.id)
    )
    if (
        recommendation == Recommendation.DO_NOT_FUND
        or _award_status(session, application) == AwardStatus.DECLINED
    ):
        return []
    return ["neither the panel nor an administrator has decided not to fund it"]


def _award_set_up(session: Session, application: Application) -> list[str]:
    award = session.scalar(select(Award).where(Award.application_id == application.id))
    problems = []
    if award is None or award.letter_document_id is None:
        problems.append("the award letter has not been issued")
    if award is None or not session.scalar(select(func.count()).where(Payment.award_id == award.id)):
        problems.append("there is no payment schedule")
    return problems


def _check_ins_received(session: Session, application: Application) -> list[str]:
    has_milestones = session.scalar(
        select(func.count()).select_from(Milestone).join(Award).where(Award.application_id == application.id)
    )
    if not has_milestones:
        return ["the project has no milestones"]
    missing = session.scalars(
        select(Milestone.title)
        .join(Award, Award.id == Milestone.award_id)
        .where(Award.application_id == application.id, ~Milestone.check_in.has())
        .order_by(Milestone.sequence)
    ).all()
    return [f"no check-in yet for '{title}'" for title in missing]


def _closed_out(session: Session, application: Application) -> list[str]:
    report = session.scalar(select(CloseOutReport).where(CloseOutReport.application_id == application.id))
    if report is None:
        return ["the final report has not been received"]
    return [] if report.celebration_document_id else ["the celebration report has not been made"]


GUARDS: dict[tuple[ApplicationStatus, ApplicationStatus], tuple[Guard, ...]] = {
    (S.DRAFT, S.SUBMITTED): (completeness_problems, _round_is_open),
    (S.SCREENING, S.IN_REVIEW): (_eligibility_passed,),
    (S.SCREENING, S.INELIGIBLE): (_eligibility_failed,),
    (S.IN_REVIEW, S.PANEL): (_enough_reviews,),
    (S.PANEL, S.AWARDED): (_award_approved,),
    (S.PANEL, S.NOT_FUNDED): (_not_funded_decided,),
    (S.AWARDED, S.IN_DELIVERY): (_award_set_up,),
    (S.IN_DELIVERY, S.CLOSING): (_check_ins_received,),
    (S.CLOSING, S.CLOSED): (_closed_out,),
}


def change_status(
    session: Session, application: Application, to_status: ApplicationStatus, *, actor: str, reason: str = ""
) -> AuditEntry:
    """Move `application` to `to_status` if the table and guards allow it; raise a domain error otherwise."""
    from_status = ApplicationStatus(application.status)
    entity = f"Application {application.reference or application.id}"
    if to_status not in TRANSITIONS[from_status]:
        raise IllegalTransition(entity, from_status, to_status, sorted(TRANSITIONS[from_status]))
    if to_status == S.WITHDRAWN and not reason.strip():
        raise GuardFailed(entity, to_status, ["a reason for withdrawing is needed"])
    problems = [
        problem
        for guard in GUARDS.get((from_status, to_status), ())
        for problem in guard(session, application)
    ]
    if problems:
        raise GuardFailed(entity, to_status, problems)
    application.status = to_status
    entry = AuditEntry(
        actor=actor,
        entity="application",
        entity_id=application.id,
        action="status_change",
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )
    session.add(entry)
    session.info.setdefault("events", []).append(
        StatusChanged(application.id, from_status, to_status, actor, reason, application)
    )
    return entry
