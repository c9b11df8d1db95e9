"""Responsible for filling in a draft application page by page, and checking it is complete to send.

Each page saves only its own fields, so nothing already saved is lost when another page is rejected.
Only drafts change; once sent, an application is read-only to its applicants.

A writing page carries `page_version`, a token of the answers it showed as saved. A save whose token no
longer matches (an older browser tab, a co-applicant who saved the page since) and that would change
what is saved now is refused (`answers_saved_since`), so it never overwrites answers the person has not
seen. The token is of that page's answers only: saving the summary in one tab does not hold up the
proposal in another.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models.application_pages import (
    COPRODUCTION_QUESTIONS,
    PROPOSAL_SECTIONS,
    CoproductionPage,
    ProposalPage,
    SummaryPage,
)
from models.applications import Application, BudgetLine
from models.base import utcnow
from models.errors import DomainError
from models.lifecycle import ApplicationStatus
from models.schemas import ApplicationForm, BudgetLineInput, CoLeadInput
from notifications.rendering import long_date
from services import intake
from services.people import get_or_create_organisation


class NotADraft(DomainError):
    """The application has been sent, so it can no longer be changed."""


@dataclass(frozen=True)
class Problem:
    page: str
    message: str


def require_draft(application: Application) -> None:
    if application.status != ApplicationStatus.DRAFT:
        raise NotADraft("This application has been sent, so it can no longer be changed.")


def page_answers(application: Application, page: str) -> dict[str, str]:
    """What a writing page ("summary", "proposal" or "coproduction") holds as saved, as text."""
    if page == "summary":
        return {"title": application.title, "summary": application.summary}
    if page == "proposal":
        lead = application.lead_organisation.name if application.lead_organisation else ""
        sections = {key: str((application.sections or {}).get(key, "")) for key in PROPOSAL_SECTIONS}
        return {"lead_organisation": lead, "duration_months": str(application.duration_months)} | sections
    if page == "coproduction":
        answers = application.coproduction_answers or {}
        return {key: str(answers.get(key, "")) for key in COPRODUCTION_QUESTIONS}
    raise ValueError(f"no writing page {page!r}")


def page_version(application: Application, page: str) -> str:
    """A short token of the page's saved answers: it changes exactly when different answers are saved."""
    canonical = json.dumps(page_answers(application, page), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def answers_saved_since(
    application: Application, page: str, *, seen: str, typed: dict[str, str]
) -> dict[str, str]:
    """The saved answers a save from a copy of the page with version `seen` would overwrite without the
    person having seen them: empty when `seen` is current, or when what was typed matches what is saved.
    A missing or altered version counts as old."""
    if seen == page_version(application, page):
        return {}
    saved = page_answers(application, page)
    return {name: answer for name, answer in saved.items() if answer.strip() != typed.get(name, "").strip()}


def save_summary(application: Application, page: SummaryPage) -> None:
    require_draft(application)
    application.title, application.summary = page.title, page.summary


def save_proposal(session: Session, application: Application, page: ProposalPage) -> None:
    require_draft(application)
    application.lead_organisation = (
        get_or_create_organisation(session, page.lead_organisation) if page.lead_organisation else None
    )
    application.duration_months = page.duration_months
    application.sections = {key: getattr(page, key) for key in PROPOSAL_SECTIONS}


def save_coproduction(application: Application, page: CoproductionPage) -> None:
    require_draft(application)
    application.coproduction_answers = page.model_dump()


def add_co_lead(session: Session, application: Application, co_lead: CoLeadInput) -> None:
    require_draft(application)
    application.co_leads.append(intake.build_co_lead(session, co_lead))


def remove_co_lead(application: Application, co_lead_id: int) -> None:
    require_draft(application)
    application.co_leads = [c for c in application.co_leads if c.id != co_lead_id]


def add_budget_line(application: Application, line: BudgetLineInput) -> None:
    require_draft(application)
    application.budget_lines.append(
        BudgetLine(category=line.category, description=line.description, amount=line.amount)
    )


def remove_budget_line(application: Application, line_id: int) -> None:
    require_draft(application)
    application.budget_lines = [line for line in application.budget_lines if line.id != line_id]


def problems_before_submit(application: Application) -> list[Problem]:
    """What is still missing, by page, in plain words; empty when the application can be sent."""
    problems: list[Problem] = []
    if not application.title or len(application.summary) < 20:
        problems.append(Problem("summary", "Give your project a title and a short summary."))
    if not application.co_leads:
        problems.append(Problem("team", "Add at least one co-lead."))
    elif not application.has_lived_experience_co_lead():
        problems.append(Problem("team", "At least one co-lead must have lived experience."))
    for key, question in PROPOSAL_SECTIONS.items():
        if not (application.sections or {}).get(key, "").strip():
            problems.append(Problem("proposal", f"Answer: {question}"))
    for key, question in COPRODUCTION_QUESTIONS.items():
        if not (application.coproduction_answers or {}).get(key, "").strip():
            problems.append(Problem("coproduction", f"Answer: {question}"))
    if not application.budget_lines:
        problems.append(Problem("budget", "Add at least one budget line."))
    if problems:
        return problems
    try:
        as_form(application)
    except ValidationError as error:
        problems.extend(Problem("summary", str(problem["msg"])) for problem in error.errors())
    return problems


def as_form(application: Application) -> ApplicationForm:
    """The whole application checked by the same schema every other way in uses."""
    return ApplicationForm(
        title=application.title,
        summary=application.summary,
        lead_organisation=application.lead_organisation.name if application.lead_organisation else None,
        sections=application.sections,
        coproduction_answers=application.coproduction_answers,
        duration_months=application.duration_months,
        co_leads=[
            CoLeadInput(
                name=(c.person.name if c.person else c.organisation.name if c.organisation else "?"),
                email=c.person.email if c.person else None,
                organisation=c.organisation.name if c.organisation else None,
                role_title=c.role_title,
                lived_experience=c.lived_experience,
            )
            for c in application.co_leads
        ],
        budget=[
            BudgetLineInput(category=line.category, description=line.description, amount=line.amount)
            for line in application.budget_lines
        ],
    )


def submit_application(session: Session, application: Application, *, actor: str) -> bool:
    """Send a complete draft in. True if this call sent it; False if it was already sent (a retry)."""
    if application.status != ApplicationStatus.DRAFT:
        return False
    problems = problems_before_submit(application)
    if problems:
        raise DomainError("; ".join(problem.message for problem in problems))
    if not application.round.is_open(utcnow()):
        raise DomainError(
            f"This round closed on {long_date(application.round.closes_at)}, so it cannot take "
            "applications now. If something stopped you sending it in time, please contact us."
        )
    try:
        intake.submit(session, application, actor=actor)
        session.flush()
    except StaleDataError:  # another request sent it first; the version column caught it
        session.rollback()
        session.info.get("events", []).clear()  # its e-mail was queued by the request that sent it
        return False
    return True
