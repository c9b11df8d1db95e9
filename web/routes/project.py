"""Responsible for the funded project's award page: the offer, its payment schedule, the letter (HTML and
PDF, through short-lived links) and accepting the terms.

Accepting is safe to repeat: a second acceptance (a double click, a second team member) changes nothing
and the page says the terms were already accepted, and when.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.applications import Application
from models.awards import Award
from models.enums import AwardStatus
from models.errors import AccessDenied, DuplicateAction, NotFound
from models.lifecycle import ApplicationStatus
from services.project_team import VIEW_ONLY_MESSAGE, project_for
from services.tranches import accept_terms
from web.pages import redirect, render
from web.portal import CurrentPerson, PostedForm, Uow, portal_of

router = APIRouter()
PROJECT_STATUSES = (ApplicationStatus.IN_DELIVERY, ApplicationStatus.CLOSING, ApplicationStatus.CLOSED)


def award_of(session: Session, application: Application) -> Award:
    """The approved award of a project the person may see; NotFound until there is one."""
    award = session.scalar(select(Award).where(Award.application_id == application.id))
    if award is None or award.status != AwardStatus.APPROVED:
        raise NotFound(f"no award for {application.reference} yet")
    return award


def project_links(session: Session, application: Application) -> list[tuple[str, str]]:
    """The funded project's pages that apply now, as (link text, path), for the status page."""
    award = session.scalar(select(Award).where(Award.application_id == application.id))
    if award is None or award.status != AwardStatus.APPROVED or application.status not in PROJECT_STATUSES:
        return []
    base = f"/applications/{application.reference}"
    accept_first = award.terms_accepted_at is None and award.letter_document_id is not None
    links = [("Read your award and accept its terms" if accept_first else "Your award", f"{base}/award")]
    if application.status == ApplicationStatus.IN_DELIVERY:
        links.append(("Check in on your milestones", f"{base}/check-ins"))
    else:
        links.append(("Your final report", f"{base}/final-report"))
    return links


def _show(
    request: Request, application: Application, award: Award, *, may_act: bool, **context: Any
) -> HTMLResponse:
    titles = {milestone.id: milestone.title for milestone in award.milestones}
    return render(
        request,
        "award.html",
        application=application,
        award=award,
        conditions=[line for line in award.conditions.splitlines() if line.strip()],
        tranches=[(payment, titles.get(payment.milestone_id, "")) for payment in award.payments],
        may_act=may_act,
        view_only_message=VIEW_ONLY_MESSAGE,
        **context,
    )


@router.get("/applications/{reference}/award", response_class=HTMLResponse)
def award_page(request: Request, reference: str, uow: Uow, person: CurrentPerson) -> HTMLResponse:
    project = project_for(uow.session, person, reference)
    application = project.application
    return _show(request, application, award_of(uow.session, application), may_act=project.may_act)


@router.get("/applications/{reference}/award/letter.{kind}")
def award_letter(request: Request, reference: str, kind: str, uow: Uow, person: CurrentPerson) -> Response:
    application = project_for(uow.session, person, reference).application
    award = award_of(uow.session, application)
    letter = {"html": award.letter, "pdf": award.letter_pdf}.get(kind)
    if letter is None:
        raise NotFound(f"no award letter as {kind} for {reference}")
    portal = portal_of(request)
    url = portal.download_store.presigned_download_url(
        letter.key,
        expires_in=portal.app.settings.presign_seconds,
        # The HTML letter opens in the browser; the PDF is saved as a file.
        filename=letter.filename if kind == "pdf" else None,
    )
    return RedirectResponse(url, status_code=303)


@router.post("/applications/{reference}/award/accept")
def accept(request: Request, reference: str, form: PostedForm, uow: Uow, person: CurrentPerson) -> Response:
    project = project_for(uow.session, person, reference)
    application, may_act = project.application, project.may_act
    if not may_act:
        raise AccessDenied(VIEW_ONLY_MESSAGE)
    award = award_of(uow.session, application)
    if form.get("confirm") != "yes":
        errors = {"confirm": "Tick the box to say you accept the terms and conditions."}
        return _show(request, application, award, may_act=may_act, status_code=400, errors=errors)
    try:
        accept_terms(uow.session, award.id, person_id=person.id)
    except DuplicateAction:
        return _show(request, application, award, may_act=may_act, already_accepted=True)
    uow.commit()
    return redirect(f"/applications/{reference}/award")
