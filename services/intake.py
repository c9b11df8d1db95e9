"""Responsible for intake: drafting and submitting applications, then screening their eligibility."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.applications import Application, BudgetLine, CoLead
from models.base import utcnow
from models.enums import OrganisationKind, Role
from models.errors import NotFound
from models.lifecycle import ApplicationStatus
from models.people import Person
from models.rounds import FundingRound
from models.schemas import ApplicationForm, CoLeadInput
from models.status_change import change_status
from services import eligibility
from services.people import (
    get_or_create_organisation,
    get_or_create_person,
    grant_role,
    remember_roles,
    remember_stored,
)

S = ApplicationStatus


@dataclass
class IntakeReport:
    screened: int = 0
    eligible: list[int] = field(default_factory=list)
    ineligible: list[int] = field(default_factory=list)


def create_draft(
    session: Session,
    *,
    funding_round: FundingRound,
    applicant: Person,
    form: ApplicationForm,
    submission_key: str | None = None,
) -> Application:
    """Save a draft; with a submission key, asking twice returns the first draft (double clicks, retries)."""
    if submission_key is not None:
        existing = find_draft_by_key(session, funding_round=funding_round, submission_key=submission_key)
        if existing is not None:
            return existing
    application = _draft(session, funding_round, applicant, form, submission_key=submission_key)
    _give_references(session, [application])
    return application


def create_drafts(
    session: Session, *, funding_round: FundingRound, drafts: Sequence[tuple[Person, ApplicationForm]]
) -> list[Application]:
    """Save many applicants' drafts at once (an import, a synthetic round): the people, organisations
    and roles they name are looked up together, and the drafts written in one flush."""
    forms = [form for _, form in drafts]
    remember_stored(
        session,
        emails=[co_lead.email for form in forms for co_lead in form.co_leads if co_lead.email],
        organisation_names=[form.lead_organisation for form in forms if form.lead_organisation]
        + [co_lead.organisation for form in forms for co_lead in form.co_leads if co_lead.organisation],
        roles=[Role.CO_LEAD],
    )
    remember_roles(session, [applicant for applicant, _ in drafts], [Role.APPLICANT])
    applications = [_draft(session, funding_round, applicant, form) for applicant, form in drafts]
    _give_references(session, applications)
    return applications


def _draft(
    session: Session,
    funding_round: FundingRound,
    applicant: Person,
    form: ApplicationForm,
    *,
    submission_key: str | None = None,
) -> Application:
    lead = get_or_create_organisation(session, form.lead_organisation) if form.lead_organisation else None
    application = Application(
        round=funding_round,
        applicant=applicant,
        lead_organisation=lead,
        submission_key=submission_key,
        title=form.title,
        summary=form.summary,
        sections=dict(form.sections),
        coproduction_answers=dict(form.coproduction_answers),
        duration_months=form.duration_months,
    )
    for co_lead in form.co_leads:
        application.co_leads.append(build_co_lead(session, co_lead))
    application.budget_lines = [
        BudgetLine(category=line.category, description=line.description, amount=line.amount)
        for line in form.budget
    ]
    session.add(application)
    return application


def find_draft_by_key(
    session: Session, *, funding_round: FundingRound, submission_key: str
) -> Application | None:
    return session.scalar(
        select(Application).where(
            Application.round_id == funding_round.id, Application.submission_key == submission_key
        )
    )


def start_draft(
    session: Session, *, funding_round: FundingRound, applicant: Person, submission_key: str
) -> Application:
    """An empty draft to fill in page by page; the same key twice (double click, retry) gives one draft."""
    existing = find_draft_by_key(session, funding_round=funding_round, submission_key=submission_key)
    if existing is not None:
        return existing
    application = Application(round=funding_round, applicant=applicant, submission_key=submission_key)
    session.add(application)
    _give_references(session, [application])
    return application


def _give_references(session: Session, applications: list[Application]) -> None:
    """References are made from the ids, so the new drafts are written first (together, in one flush)."""
    session.flush()
    for application in applications:
        application.reference = f"CG-{application.round_id:03d}-{application.id:05d}"
        grant_role(session, application.applicant, Role.APPLICANT)


def build_co_lead(session: Session, co_lead: CoLeadInput) -> CoLead:
    """A co-lead from its input: a person (by e-mail), an organisation, or a person in an organisation."""
    organisation = (
        get_or_create_organisation(session, co_lead.organisation, kind=OrganisationKind.COMMUNITY_GROUP)
        if co_lead.organisation
        else None
    )
    person = (
        get_or_create_person(session, name=co_lead.name, email=co_lead.email, organisation=organisation)
        if co_lead.email
        else None
    )
    if person is not None:
        grant_role(session, person, Role.CO_LEAD)
    return CoLead(
        person=person,
        organisation=organisation,
        role_title=co_lead.role_title,
        lived_experience=co_lead.lived_experience,
    )


def withdraw(session: Session, application: Application, *, actor: str, reason: str) -> None:
    """Take an application back before a decision; withdrawing twice is a no-op."""
    if application.status == S.WITHDRAWN:
        return
    change_status(
        session, application, S.WITHDRAWN, actor=actor, reason=reason or "withdrawn by the applicant"
    )


def submit(session: Session, application: Application, *, actor: str) -> None:
    """Send a draft in; submitting one already sent is a no-op, so retries are safe."""
    if application.status != S.DRAFT:
        return
    application.submitted_at = utcnow()
    change_status(session, application, S.SUBMITTED, actor=actor, reason="submitted by the applicant")


def applications_awaiting_screening(
    session: Session, *, round_id: int | None = None, application_ids: Iterable[int] | None = None
) -> list[int]:
    """Submitted applications not yet screened: of one round, or of every round when `round_id` is None."""
    query = select(Application.id).where(Application.status.in_([S.SUBMITTED, S.SCREENING]))
    if round_id is not None:
        query = query.where(Application.round_id == round_id)
    if application_ids is not None:
        query = query.where(Application.id.in_(list(application_ids)))
    return list(session.scalars(query.order_by(Application.id)))


def screen_applications(session: Session, application_ids: list[int], *, actor: str) -> IntakeReport:
    """Screen a batch; applications already past screening are skipped, so a re-run repeats nothing."""
    report = IntakeReport()
    applications = session.scalars(
        select(Application)
        .where(Application.id.in_(application_ids))
        .options(selectinload(Application.co_leads), selectinload(Application.budget_lines))
        .order_by(Application.id)
    ).all()
    if len(applications) != len(set(application_ids)):
        missing = set(application_ids) - {application.id for application in applications}
        raise NotFound(f"no application with id {sorted(missing)}")
    for application in applications:
        if application.status == S.SUBMITTED:
            change_status(session, application, S.SCREENING, actor=actor, reason="eligibility screening")
        if application.status != S.SCREENING:
            continue
        result = eligibility.screen(application)
        application.eligibility = result.as_record()
        target = S.IN_REVIEW if result.eligible else S.INELIGIBLE
        change_status(session, application, target, actor=actor, reason="; ".join(result.reasons))
        (report.eligible if result.eligible else report.ineligible).append(application.id)
        report.screened += 1
    return report
