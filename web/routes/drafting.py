"""Responsible for the applicant's list of applications, its task list, and the writing pages.

Writing pages: the summary (with its reading age after each save), the proposal and the co-production
plan. Each saves on its own; a rejected page comes back with what was typed and a message per field.
A save from an older copy of a page (another tab, or a co-applicant saved it since) is refused: the page
comes back with what was typed, the answers saved since beside it, and a fresh `page_version`, so saving
again is a deliberate choice to replace them.
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
from models.errors import ConcurrentEdit
from models.lifecycle import ApplicationStatus
from services import drafts
from services.access import application_for, applications_of, can_edit
from services.readability import advice_reading_age
from web.forms import FormRejected, non_empty, text_values, validated
from web.pages import redirect, render
from web.portal import CurrentPerson, PostedForm, Uow
from web.saved_elsewhere import FIELD_LABELS, VERSION_FIELD

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


PAGES: dict[str, type[BaseModel]] = {
    "summary": SummaryPage,
    "proposal": ProposalPage,
    "coproduction": CoproductionPage,
}


CHANGED_SINCE_OPENED = (
    "This page was saved again after you opened it, in another window or by someone on your team. "
    "We have not saved your changes, so nothing was overwritten. Your changes are still in the form. "
    "Check the answers saved since, then save again to use yours instead."
)


def _show(request: Request, application: Application, page: str, **context: Any) -> HTMLResponse:
    """The page; its `page_version` is the one posted when it comes back after a save, else the saved one."""
    context.setdefault("values", drafts.page_answers(application, page))
    context.setdefault("page_version", drafts.page_version(application, page))
    return render(
        request,
        f"{page}.html",
        application=application,
        sections=PROPOSAL_SECTIONS,
        questions=COPRODUCTION_QUESTIONS,
        reading_age=advice_reading_age(application.summary) if page == "summary" else None,
        **context,
    )


def _changed_since_opened(
    request: Request, application: Application, page: str, values: dict[str, str], saved: dict[str, str]
) -> HTMLResponse:
    """The page as the person left it, with the answers saved since beside it, and a fresh version."""
    return _show(
        request,
        application,
        page,
        status_code=409,
        errors={"saved-since": CHANGED_SINCE_OPENED},
        values=values,
        saved_since=[(FIELD_LABELS.get(name, name), answer) for name, answer in saved.items()],
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


def _save(uow: Uow, application: Application, answers: BaseModel) -> None:
    if isinstance(answers, SummaryPage):
        drafts.save_summary(application, answers)
    elif isinstance(answers, ProposalPage):
        drafts.save_proposal(uow.session, application, answers)
    elif isinstance(answers, CoproductionPage):
        drafts.save_coproduction(application, answers)


@router.post("/applications/{application_id}/{page}")
def save_writing_page(
    request: Request, application_id: int, page: str, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    if page not in PAGES:
        return render(request, "problem.html", status_code=404, title="Page not found", message="")
    application = application_for(uow.session, person, application_id, edit=True)
    drafts.require_draft(application)
    values = text_values(form)
    seen = values.pop(VERSION_FIELD, "")
    saved_since = drafts.answers_saved_since(application, page, seen=seen, typed=values)
    if saved_since:
        return _changed_since_opened(request, application, page, values, saved_since)
    try:
        answers = validated(PAGES[page], non_empty(values), shown=values)
    except FormRejected as rejected:
        refused = {"status_code": 400, "errors": rejected.errors, "values": values, "page_version": seen}
        return _show(request, application, page, **refused)
    _save(uow, application, answers)
    try:
        uow.commit()
    except ConcurrentEdit:  # saved by someone else between our check and our write
        uow.session.rollback()
        request.state.send_again_with = {VERSION_FIELD: drafts.page_version(application, page)}
        raise
    if page == "summary":
        return redirect(f"/applications/{application_id}/summary?saved=1")
    return redirect(f"/applications/{application_id}")
