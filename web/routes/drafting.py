"""Responsible for the applicant's list of applications, its task list, and the writing pages.

Writing pages: the summary (with its reading age after each save), the proposal and the co-production
plan. Each saves on its own; a rejected page comes back with what was typed and a message per field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from models.application_pages import (
    COPRODUCTION_QUESTIONS,
    PROPOSAL_SECTIONS,
    CoproductionPage,
    ProposalPage,
    SummaryPage,
)
from models.applications import Application
from models.lifecycle import ApplicationStatus
from services import drafts
from services.access import application_for, applications_of, can_edit
from services.readability import advice_reading_age
from web.forms import FormRejected, non_empty, text_values, validated
from web.pages import redirect, render
from web.portal import CurrentPerson, PostedForm, Uow

router = APIRouter()


@router.get("/applications", response_class=HTMLResponse)
def my_applications(request: Request, uow: Uow, person: CurrentPerson) -> HTMLResponse:
    return render(request, "applications.html", applications=applications_of(uow.session, person))


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def task_list(request: Request, application_id: int, uow: Uow, person: CurrentPerson) -> Response:
    application = application_for(uow.session, person, application_id)
    if application.status != ApplicationStatus.DRAFT:
        return redirect(f"/applications/{application_id}/status")
    missing = {problem.page for problem in drafts.problems_before_submit(application)}
    return render(
        request,
        "task_list.html",
        application=application,
        missing=missing,
        editable=can_edit(uow.session, person, application),
    )


def _page_values(application: Application, page: str) -> dict[str, Any]:
    if page == "summary":
        return {"title": application.title, "summary": application.summary}
    if page == "proposal":
        lead = application.lead_organisation.name if application.lead_organisation else ""
        return {"lead_organisation": lead, "duration_months": application.duration_months} | dict(
            application.sections or {}
        )
    return dict(application.coproduction_answers or {})


PAGES: dict[str, type[BaseModel]] = {
    "summary": SummaryPage,
    "proposal": ProposalPage,
    "coproduction": CoproductionPage,
}


def _show(request: Request, application: Application, page: str, **context: Any) -> HTMLResponse:
    context.setdefault("values", _page_values(application, page))
    return render(
        request,
        f"{page}.html",
        application=application,
        sections=PROPOSAL_SECTIONS,
        questions=COPRODUCTION_QUESTIONS,
        reading_age=advice_reading_age(application.summary) if page == "summary" else None,
        **context,
    )


@router.get("/applications/{application_id}/{page}", response_class=HTMLResponse)
def writing_page(
    request: Request, application_id: int, page: str, uow: Uow, person: CurrentPerson
) -> Response:
    if page not in PAGES:
        return render(request, "problem.html", status_code=404, title="Page not found", message="")
    application = application_for(uow.session, person, application_id, edit=True)
    drafts.require_draft(application)
    return _show(request, application, page, saved=request.query_params.get("saved") == "1")


@router.post("/applications/{application_id}/{page}")
def save_writing_page(
    request: Request, application_id: int, page: str, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    if page not in PAGES:
        return render(request, "problem.html", status_code=404, title="Page not found", message="")
    application = application_for(uow.session, person, application_id, edit=True)
    values = text_values(form)
    try:
        answers = validated(PAGES[page], non_empty(values), shown=values)
    except FormRejected as rejected:
        return _show(request, application, page, status_code=400, errors=rejected.errors, values=values)
    if isinstance(answers, SummaryPage):
        drafts.save_summary(application, answers)
    elif isinstance(answers, ProposalPage):
        drafts.save_proposal(uow.session, application, answers)
    elif isinstance(answers, CoproductionPage):
        drafts.save_coproduction(application, answers)
    uow.commit()
    if page == "summary":
        return redirect(f"/applications/{application_id}/summary?saved=1")
    return redirect(f"/applications/{application_id}")
