"""Responsible for the administrators' reviewer invitations page: invite someone to review in a round by
e-mail, and see who has been invited and who has set up their profile.

Only administrators reach it (`web.portal.administrator`). Inviting the same person to the same round
again sends nothing and says so.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models.people import ReviewerProfile
from models.reviewer_schemas import ReviewerInvitationInput
from models.rounds import FundingRound
from reviewers.roles import TYPE_LABELS
from services.reviewer_invitations import invitations, invite_reviewer
from web.forms import FormRejected, text_values, validated
from web.pages import redirect, render
from web.portal import Administrator, PostedForm, Uow, portal_of

router = APIRouter()
MESSAGES = {
    "name": "Enter the person's name.",
    "email": "Enter an e-mail address in the right format, like name@example.org.",
    "reviewer_type": "Choose what kind of reviewer they are.",
    "round_id": "Choose the round they will review in.",
}


def _show(request: Request, uow: Uow, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    rounds = uow.session.scalars(select(FundingRound).order_by(FundingRound.id.desc())).all()
    invited = invitations(uow.session)
    onboarded = {
        person_id
        for person_id, at in uow.session.execute(
            select(ReviewerProfile.person_id, ReviewerProfile.onboarded_at)
        )
        if at is not None
    }
    return render(
        request,
        "admin_reviewers.html",
        status_code=status_code,
        rounds=rounds,
        round_names={r.id: r.name for r in rounds},
        invited=invited,
        onboarded=onboarded,
        types=[(str(kind), label.capitalize()) for kind, label in TYPE_LABELS.items()],
        type_labels=TYPE_LABELS,
        **context,
    )


@router.get("/admin/reviewers", response_class=HTMLResponse)
def reviewers_page(request: Request, uow: Uow, admin: Administrator) -> Response:
    return _show(
        request, uow, sent=request.query_params.get("sent"), already=request.query_params.get("already")
    )


@router.post("/admin/reviewers/invite")
def invite(request: Request, form: PostedForm, uow: Uow, admin: Administrator) -> Response:
    values = text_values(form)
    data = {name: values.get(name, "") for name in ("name", "email", "reviewer_type", "round_id")}
    try:
        given = validated(ReviewerInvitationInput, {k: v for k, v in data.items() if v}, shown=values)
        if uow.session.get(FundingRound, given.round_id) is None:
            raise FormRejected({"round_id": MESSAGES["round_id"]}, values)
    except FormRejected as rejected:
        errors = {name: MESSAGES.get(name, message) for name, message in rejected.errors.items()}
        return _show(request, uow, status_code=400, errors=errors, values=values)
    portal = portal_of(request)
    try:
        invited = invite_reviewer(
            uow.session,
            given,
            actor=admin.email,
            notifier=portal.app.notifier,
            signer=portal.reviewer_invitation_links,
        )
        uow.commit()
    except IntegrityError:  # the same invitation made at the same moment elsewhere: that one stands
        uow.session.rollback()
        return redirect(f"/admin/reviewers?already={given.email}")
    outcome = "already" if invited.already_invited else "sent"
    return redirect(f"/admin/reviewers?{outcome}={given.email}")
