"""Responsible for check-your-answers, sending the application in, the confirmation, status and withdrawal.

Sending is safe to repeat: a double click or a retried request finds the application already sent and
shows the same confirmation; only the request that sent it starts the intake flow.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from models.application_pages import COPRODUCTION_QUESTIONS, PROPOSAL_SECTIONS, WithdrawInput
from models.lifecycle import STATUSES, ApplicationStatus
from models.review import PanelDecision
from services import drafts, intake
from services.access import application_for, can_edit
from web.forms import FormRejected, text_values, validated
from web.pages import redirect, render
from web.portal import CurrentPerson, PostedForm, Uow, portal_of
from web.routes.budget import CATEGORY_LABELS
from web.routes.project import project_links

router = APIRouter()
ACTOR = "portal:applicant"


@router.get("/applications/{application_id}/check", response_class=HTMLResponse)
def check_answers(request: Request, application_id: int, uow: Uow, person: CurrentPerson) -> Response:
    application = application_for(uow.session, person, application_id)
    if application.status != ApplicationStatus.DRAFT:
        return redirect(f"/applications/{application_id}/status")
    return render(
        request,
        "check.html",
        application=application,
        problems=drafts.problems_before_submit(application),
        sections=PROPOSAL_SECTIONS,
        questions=COPRODUCTION_QUESTIONS,
        categories=CATEGORY_LABELS,
        editable=can_edit(uow.session, person, application),
    )


@router.post("/applications/{application_id}/submit")
def submit(
    request: Request,
    application_id: int,
    form: PostedForm,
    uow: Uow,
    person: CurrentPerson,
    background: BackgroundTasks,
) -> Response:
    application = application_for(uow.session, person, application_id, edit=True)
    if application.status == ApplicationStatus.DRAFT and drafts.problems_before_submit(application):
        return redirect(f"/applications/{application_id}/check")
    sent_now = drafts.submit_application(uow.session, application, actor=f"{ACTOR}:{person.id}")
    uow.commit()
    if sent_now:
        background.add_task(portal_of(request).start_intake, application_id)
    return redirect(f"/applications/{application_id}/sent")


@router.get("/applications/{application_id}/sent", response_class=HTMLResponse)
def confirmation(request: Request, application_id: int, uow: Uow, person: CurrentPerson) -> Response:
    application = application_for(uow.session, person, application_id)
    if application.status == ApplicationStatus.DRAFT:
        return redirect(f"/applications/{application_id}/check")
    return render(request, "sent.html", application=application)


@router.get("/applications/{application_id}/status", response_class=HTMLResponse)
def status(request: Request, application_id: int, uow: Uow, person: CurrentPerson) -> HTMLResponse:
    application = application_for(uow.session, person, application_id)
    info = STATUSES[application.status]
    return render(
        request,
        "status.html",
        application=application,
        info=info,
        can_withdraw=info.applicant_can_withdraw and can_edit(uow.session, person, application),
        project_links=project_links(uow.session, application),
        statement_ready=uow.session.scalar(
            select(PanelDecision.id).where(
                PanelDecision.application_id == application.id, PanelDecision.decided_at.is_not(None)
            )
        )
        is not None,
    )


@router.get("/applications/{application_id}/withdraw", response_class=HTMLResponse)
def confirm_withdrawal(request: Request, application_id: int, uow: Uow, person: CurrentPerson) -> Response:
    application = application_for(uow.session, person, application_id, edit=True)
    if not STATUSES[application.status].applicant_can_withdraw:
        return redirect(f"/applications/{application_id}/status")
    return render(request, "withdraw.html", application=application)


@router.post("/applications/{application_id}/withdraw")
def withdraw(
    request: Request, application_id: int, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    application = application_for(uow.session, person, application_id, edit=True)
    values = text_values(form)
    try:
        answer = validated(WithdrawInput, values, shown=values)
    except FormRejected as rejected:
        return render(
            request,
            "withdraw.html",
            status_code=400,
            application=application,
            errors=rejected.errors,
            values=values,
        )
    intake.withdraw(uow.session, application, actor=f"{ACTOR}:{person.id}", reason=answer.reason)
    uow.commit()
    return redirect(f"/applications/{application_id}/status")
