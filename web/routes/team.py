"""Responsible for the team page: co-leads (a person or an organisation) and invited co-applicants."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models.application_pages import InvitationInput
from models.applications import Application
from models.schemas import CoLeadInput
from services import drafts
from services.access import application_for, coapplicants, invite_coapplicant
from web.forms import FormRejected, non_empty, text_values, validated
from web.pages import redirect, render
from web.portal import CurrentPerson, PostedForm, Uow, portal_of

router = APIRouter()
INVITE_PREFIX = "invite_"


def _show(request: Request, uow: Uow, application: Application, **context: Any) -> HTMLResponse:
    return render(
        request,
        "team.html",
        application=application,
        invitations=coapplicants(uow.session, application),
        invited=request.query_params.get("invited"),
        **context,
    )


@router.get("/applications/{application_id}/team", response_class=HTMLResponse)
def team_page(request: Request, application_id: int, uow: Uow, person: CurrentPerson) -> Response:
    application = application_for(uow.session, person, application_id, edit=True)
    drafts.require_draft(application)
    return _show(request, uow, application)


@router.post("/applications/{application_id}/team")
def add_co_lead(
    request: Request, application_id: int, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    application = application_for(uow.session, person, application_id, edit=True)
    values = {k: v for k, v in text_values(form).items() if not k.startswith(INVITE_PREFIX)}
    given: dict[str, Any] = non_empty(values)
    given["lived_experience"] = values.get("lived_experience") == "yes"
    try:
        co_lead = validated(CoLeadInput, given, shown=values)
    except FormRejected as rejected:
        errors = rejected.errors
        if "form" in errors:
            errors["email"] = errors.pop("form")
        return _show(request, uow, application, status_code=400, errors=errors, values=values)
    drafts.add_co_lead(uow.session, application, co_lead)
    uow.commit()
    return redirect(f"/applications/{application_id}/team")


@router.post("/applications/{application_id}/team/{co_lead_id}/remove")
def remove_co_lead(
    request: Request, application_id: int, co_lead_id: int, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    application = application_for(uow.session, person, application_id, edit=True)
    drafts.remove_co_lead(application, co_lead_id)
    uow.commit()
    return redirect(f"/applications/{application_id}/team")


@router.post("/applications/{application_id}/invitations")
def invite(
    request: Request, application_id: int, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    application = application_for(uow.session, person, application_id, edit=True)
    values = {k: v for k, v in text_values(form).items() if k.startswith(INVITE_PREFIX)}
    unprefixed = {k.removeprefix(INVITE_PREFIX): v for k, v in non_empty(values).items()}
    try:
        invitation = validated(InvitationInput, unprefixed, shown=values)
    except FormRejected as rejected:
        errors = {INVITE_PREFIX + field: message for field, message in rejected.errors.items()}
        return _show(request, uow, application, status_code=400, errors=errors, values=values)
    portal = portal_of(request)
    invite_coapplicant(
        uow.session,
        application=application,
        inviter=person,
        name=invitation.name,
        email=str(invitation.email),
        access=invitation.access,
        notifier=portal.app.notifier,
        signer=portal.invitation_links,
    )
    uow.commit()
    return redirect(f"/applications/{application_id}/team?invited={invitation.email}")
