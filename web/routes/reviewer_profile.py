"""Responsible for a reviewer's own pages: onboarding at their first sign-in, their profile, and the
collaborations they record (which become conflicts of interest).

Only people in the reviewer pool have these pages; for anyone else they are "not found". Each form keeps
what was typed when it is refused, with an error summary linking to each problem.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models.enums import CollaborationKind
from models.people import Person
from models.reviewer_schemas import CollaborationInput, OwnProfileInput, phrases
from services.collaborations import collaborations_of, record_collaboration, remove_collaboration
from services.own_profile import form_values, next_steps, own_profile, save_own_profile
from web.forms import FormRejected, text_values, validated
from web.pages import redirect, render
from web.portal import CurrentPerson, PostedForm, Uow, portal_of

router = APIRouter()
PROFILE_FIELDS = ("topics", "lived_experience_areas", "organisation", "available", "max_load", "statement")
KIND_LABELS = {
    CollaborationKind.CO_AUTHORED: "We wrote something together (a paper, report or book)",
    CollaborationKind.COLLABORATED: "We worked together on a project",
    CollaborationKind.PAID_PARTNER: "One of us paid the other, or we were paid partners",
}


def _page(request: Request, uow: Uow, person: Person, *, onboarding: bool, **context: Any) -> HTMLResponse:
    profile = own_profile(uow.session, person)
    context.setdefault("values", form_values(person, profile))
    return render(
        request,
        "reviewer_profile.html",
        onboarding=onboarding,
        profile=profile,
        steps=next_steps(uow.session, profile),
        collaborations=collaborations_of(uow.session, person),
        kinds=KIND_LABELS,
        saved=request.query_params.get("saved"),
        **context,
    )


@router.get("/reviewer/onboarding", response_class=HTMLResponse)
def onboarding_page(request: Request, uow: Uow, person: CurrentPerson) -> Response:
    return _page(request, uow, person, onboarding=True)


@router.get("/reviewer/profile", response_class=HTMLResponse)
def profile_page(request: Request, uow: Uow, person: CurrentPerson) -> Response:
    return _page(request, uow, person, onboarding=False)


@router.post("/reviewer/profile")
def save_profile(request: Request, form: PostedForm, uow: Uow, person: CurrentPerson) -> Response:
    own_profile(uow.session, person)  # "not found" for anyone outside the pool
    values = text_values(form)
    onboarding = values.get("onboarding") == "yes"
    data = {name: values.get(name, "") for name in PROFILE_FIELDS}
    data["topics"] = phrases(data["topics"])
    data["lived_experience_areas"] = phrases(data["lived_experience_areas"])
    data["available"] = {"yes": True, "no": False}.get(data["available"], data["available"] or None)
    try:
        given = validated(
            OwnProfileInput, {k: v for k, v in data.items() if v not in ("", None)}, shown=values
        )
    except FormRejected as rejected:
        errors = {name: _profile_message(name, message) for name, message in rejected.errors.items()}
        return _page(
            request, uow, person, onboarding=onboarding, status_code=400, errors=errors, values=values
        )
    save_own_profile(uow.session, person, given)
    uow.commit()
    return redirect("/reviewer/profile?saved=" + ("welcome" if onboarding else "profile"))


def _profile_message(name: str, message: str) -> str:
    if name == "max_load":
        return "Enter how many applications you can read, as a number from 1 to 12."
    if name in {"topics", "lived_experience_areas"}:
        return "Give no more than 30, each shorter than 100 letters, separated by commas."
    if name == "available":
        return "Say whether you can review in the coming months."
    return message


@router.post("/reviewer/collaborations")
def add_collaboration(request: Request, form: PostedForm, uow: Uow, person: CurrentPerson) -> Response:
    own_profile(uow.session, person)
    values = text_values(form)
    errors: dict[str, str] = {}
    worked_on = _month(values, errors)
    data = {
        "kind": values.get("collab_kind") or None,
        "person_name": values.get("collab_person_name", ""),
        "person_email": values.get("collab_person_email", ""),
        "organisation_name": values.get("collab_organisation_name", ""),
        "last_worked_on": worked_on,
    }
    try:
        given = validated(CollaborationInput, {k: v for k, v in data.items() if v is not None}, shown=values)
    except FormRejected as rejected:
        for name, message in rejected.errors.items():
            field = {"form": "collab_person_name", "last_worked_on": "collab_month"}.get(
                name, f"collab_{name}"
            )
            errors.setdefault(field, _collaboration_message(field, message))
    if errors:
        shown = form_values(person, own_profile(uow.session, person)) | values
        return _page(request, uow, person, onboarding=False, status_code=400, errors=errors, values=shown)
    record_collaboration(uow.session, person, given, notifier=portal_of(request).app.notifier)
    uow.commit()
    return redirect("/reviewer/profile?saved=collaboration#collaborations")


def _month(values: dict[str, str], errors: dict[str, str]) -> dt.date | None:
    month, year = values.get("collab_month", ""), values.get("collab_year", "")
    if not month and not year:
        errors["collab_month"] = "Enter the month and year you last worked together, like 3 2024."
        return None
    if not (month.isdigit() and 1 <= int(month) <= 12 and year.isdigit() and 1900 <= int(year) <= 2100):
        errors["collab_month"] = "Enter a real month and year, like 3 2024."
        return None
    return dt.date(int(year), int(month), 1)


def _collaboration_message(field: str, message: str) -> str:
    if field == "collab_kind":
        return "Choose how you worked together."
    if field == "collab_person_name":
        return "Give the name of a person or an organisation."
    if field == "collab_month":
        return "The month you last worked together cannot be in the future."
    return message


@router.post("/reviewer/collaborations/{collaboration_id}/remove")
def forget_collaboration(
    request: Request, collaboration_id: int, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    remove_collaboration(uow.session, person, collaboration_id)
    uow.commit()
    return redirect("/reviewer/profile?saved=removed#collaborations")
