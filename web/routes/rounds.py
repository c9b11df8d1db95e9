"""Responsible for the open funding rounds, each round's page, and the eligibility questions first."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from models.application_pages import EligibilityAnswers
from models.base import utcnow
from models.errors import NotFound
from models.rounds import FundingRound
from services import eligibility, intake
from web.forms import FormRejected, text_values, validated
from web.pages import redirect, render
from web.portal import CurrentPerson, PostedForm, Uow

router = APIRouter()


def _open_round(uow: Uow, slug: str) -> FundingRound:
    funding_round = uow.session.scalar(select(FundingRound).where(FundingRound.slug == slug))
    if funding_round is None or not funding_round.is_open(utcnow()):
        raise NotFound(f"no open round {slug!r}")
    return funding_round


@router.get("/")
def home() -> RedirectResponse:
    return redirect("/rounds")


@router.get("/rounds", response_class=HTMLResponse)
def list_rounds(request: Request, uow: Uow) -> HTMLResponse:
    now = utcnow()
    rounds = uow.session.scalars(
        select(FundingRound)
        .where(FundingRound.opens_at <= now, FundingRound.closes_at > now)
        .order_by(FundingRound.closes_at)
    ).all()
    return render(request, "rounds.html", rounds=rounds)


@router.get("/rounds/{slug}", response_class=HTMLResponse)
def round_page(request: Request, slug: str, uow: Uow) -> HTMLResponse:
    return render(request, "round.html", round=_open_round(uow, slug))


@router.get("/rounds/{slug}/eligibility", response_class=HTMLResponse)
def eligibility_questions(request: Request, slug: str, uow: Uow, person: CurrentPerson) -> HTMLResponse:
    return render(
        request,
        "eligibility.html",
        round=_open_round(uow, slug),
        values={"submission_key": secrets.token_urlsafe(16)},
    )


@router.post("/rounds/{slug}/eligibility")
def answer_eligibility(
    request: Request, slug: str, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    funding_round = _open_round(uow, slug)
    values = text_values(form)
    answers_given = {k: v for k, v in values.items() if k != "submission_key" and v}
    try:
        answers = validated(EligibilityAnswers, answers_given, shown=values)
    except FormRejected as rejected:
        return render(
            request,
            "eligibility.html",
            status_code=400,
            round=funding_round,
            errors=rejected.errors,
            values=values,
        )
    result = eligibility.check_answers(funding_round, answers)
    if not result.eligible:
        return render(request, "not_eligible.html", round=funding_round, result=result)
    key = values.get("submission_key") or secrets.token_urlsafe(16)
    application = intake.start_draft(
        uow.session, funding_round=funding_round, applicant=person, submission_key=key[:80]
    )
    if application.applicant_id != person.id:
        raise NotFound("that draft belongs to someone else")
    uow.commit()
    return redirect(f"/applications/{application.id}")
