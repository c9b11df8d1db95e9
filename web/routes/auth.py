"""Responsible for signing in with a one-time e-mailed link, signing out, and accepting invitations (to an
application, or to review). A reviewer who has not set up their profile yet lands on the onboarding page.

Opening a link shows a button rather than signing in at once: e-mail scanners that fetch links must not
use up the one-time link before the person does.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.application_pages import SignInRequest
from models.people import Person
from services.access import accept_invitation
from services.reviewer_invitations import accept_reviewer_invitation, needs_onboarding
from services.sign_in import SIGN_IN_MINUTES, redeem_sign_in_link, send_sign_in_link
from web.forms import FormRejected, text_values, validated
from web.pages import redirect, render
from web.portal import PostedForm, Uow, portal_of

router = APIRouter()


def _sign_in_as(request: Request, uow: Uow, person: Person, *, default_next: str) -> RedirectResponse:
    next_path = request.session.get("next")
    request.session.clear()  # a fresh session: nothing from before signing in carries over
    request.session["person_id"] = person.id
    if needs_onboarding(uow.session, person):  # a new reviewer's first sign-in
        return redirect("/reviewer/onboarding")
    safe = isinstance(next_path, str) and next_path.startswith("/") and not next_path.startswith("//")
    return redirect(next_path if safe else default_next)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request) -> HTMLResponse:
    return render(request, "sign_in.html")


@router.post("/sign-in", response_class=HTMLResponse)
def ask_for_link(request: Request, form: PostedForm, uow: Uow) -> HTMLResponse:
    values = text_values(form)
    try:
        asked = validated(SignInRequest, values, shown=values)
    except FormRejected as rejected:
        return render(request, "sign_in.html", status_code=400, errors=rejected.errors, values=values)
    portal = portal_of(request)
    send_sign_in_link(
        uow.session, email=str(asked.email), notifier=portal.app.notifier, signer=portal.sign_in_links
    )
    uow.commit()
    return render(request, "check_email.html", email=str(asked.email), minutes=SIGN_IN_MINUTES)


@router.get("/sign-in/{token}", response_class=HTMLResponse)
def confirm_sign_in(request: Request, token: str) -> HTMLResponse:
    return render(request, "confirm_link.html", action=f"/sign-in/{token}", button="Sign in")


@router.post("/sign-in/{token}")
def use_sign_in_link(request: Request, token: str, form: PostedForm, uow: Uow) -> RedirectResponse:
    person = redeem_sign_in_link(uow.session, token=token, signer=portal_of(request).sign_in_links)
    uow.commit()
    return _sign_in_as(request, uow, person, default_next="/applications")


@router.post("/sign-out")
def sign_out(request: Request, form: PostedForm) -> RedirectResponse:
    request.session.clear()
    return redirect("/rounds")


@router.get("/invitations/{token}", response_class=HTMLResponse)
def confirm_invitation(request: Request, token: str) -> HTMLResponse:
    return render(request, "confirm_link.html", action=f"/invitations/{token}", button="Accept and sign in")


@router.post("/invitations/{token}")
def use_invitation(request: Request, token: str, form: PostedForm, uow: Uow) -> RedirectResponse:
    invitation = accept_invitation(uow.session, token=token, signer=portal_of(request).invitation_links)
    uow.commit()
    request.session.pop("next", None)
    return _sign_in_as(
        request, uow, invitation.person, default_next=f"/applications/{invitation.application_id}"
    )


@router.get("/reviewer-invitations/{token}", response_class=HTMLResponse)
def confirm_reviewer_invitation(request: Request, token: str) -> HTMLResponse:
    return render(
        request, "confirm_link.html", action=f"/reviewer-invitations/{token}", button="Accept and sign in"
    )


@router.post("/reviewer-invitations/{token}")
def use_reviewer_invitation(request: Request, token: str, form: PostedForm, uow: Uow) -> RedirectResponse:
    signer = portal_of(request).reviewer_invitation_links
    person = accept_reviewer_invitation(uow.session, token=token, signer=signer)
    uow.commit()
    request.session.pop("next", None)
    return _sign_in_as(request, uow, person, default_next="/reviews")
