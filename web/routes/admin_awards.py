"""Responsible for the administrators' award decision pages: the paused `award` runs (a round's slate)
and `award-decision` runs (one award), with what the Prefect UI's form shows (the awards, the pot left,
budget problems), and a form that resumes the run through Prefect's API with the answer.

The answer is tried against the rules first (without keeping it), so a refused one is explained on the
page and the run keeps waiting. A run answered already (in the Prefect UI or by another administrator)
is never resumed again: the page says so and nothing is decided twice.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models.errors import DomainError, NotFound
from services.award_review import DecisionSummary, award_summary, slate_summary, try_decision, try_slate
from web.award_forms import decision_from_form, slate_from_form
from web.award_runs import (
    PausedRun,
    PrefectUnavailable,
    RunNotReady,
    RunNotWaiting,
    paused_award_run,
    paused_award_runs,
    resume_award_run,
)
from web.forms import FormRejected, text_values
from web.pages import redirect, render
from web.portal import Administrator, PostedForm, Uow, portal_of

router = APIRouter()


def _summary(uow: Uow, run: PausedRun) -> DecisionSummary:
    if run.is_slate:
        return slate_summary(uow.session, int(run.parameters["round_id"]))
    return award_summary(uow.session, int(run.parameters["award_id"]))


@router.get("/admin/awards", response_class=HTMLResponse)
def award_runs_page(
    request: Request, uow: Uow, admin: Administrator, answered: str | None = None
) -> Response:
    try:
        runs = paused_award_runs(portal_of(request).app.prefect_api_url)
    except PrefectUnavailable:
        return _unavailable(request)
    shown = []
    for run in runs:
        try:
            shown.append((run, _summary(uow, run)))
        except NotFound:  # a run started for an award or round that is not in this database
            continue
    return render(request, "admin_awards.html", runs=shown, answered=answered)


def _unavailable(request: Request) -> Response:
    return render(request, "admin_awards.html", status_code=503, unavailable=True, runs=[])


def _show(request: Request, uow: Uow, run: PausedRun, *, status_code: int = 200, **context: Any) -> Response:
    summary = _summary(uow, run)
    if not context.get("values"):  # as proposed: approve, at the amount asked for
        context["values"] = {
            name: value
            for item in summary.awards
            for name, value in (
                (f"decision_{item.award.id}", "approve"),
                (f"amount_{item.award.id}", str(item.award.amount)),
            )
        }
    return render(request, "admin_award.html", status_code=status_code, run=run, summary=summary, **context)


def _not_waiting(request: Request, run_id: UUID, reason: str) -> Response:
    return render(request, "admin_award_answered.html", status_code=409, run_id=run_id, reason=reason)


@router.get("/admin/awards/{run_id}", response_class=HTMLResponse)
def award_run_page(request: Request, run_id: UUID, uow: Uow, admin: Administrator) -> Response:
    try:
        run = paused_award_run(portal_of(request).app.prefect_api_url, run_id)
    except RunNotWaiting as not_waiting:
        return _not_waiting(request, run_id, str(not_waiting))
    except PrefectUnavailable:
        return _unavailable(request)
    return _show(request, uow, run)


@router.post("/admin/awards/{run_id}")
def answer_award_run(
    request: Request, run_id: UUID, form: PostedForm, uow: Uow, admin: Administrator
) -> Response:
    api_url = portal_of(request).app.prefect_api_url
    values = text_values(form)
    try:
        run = paused_award_run(api_url, run_id)
        summary = _summary(uow, run)
        award_ids = [item.award.id for item in summary.awards]
        if run.is_slate:
            slate = slate_from_form(values, summary)
            try_slate(uow.session, award_ids, slate)
            answer = slate.model_dump(mode="json")
        else:
            decision = decision_from_form(values, summary)
            try_decision(uow.session, award_ids[0], decision)
            answer = decision.model_dump(mode="json")
        resume_award_run(api_url, run_id, answer, by=f"{admin.name} <{admin.email}>")
    except RunNotWaiting as not_waiting:
        return _not_waiting(request, run_id, str(not_waiting))
    except FormRejected as rejected:
        return _show(request, uow, run, status_code=400, errors=rejected.errors, values=values)
    except DomainError as refused:
        return _show(request, uow, run, status_code=409, refused=str(refused), values=values)
    except RunNotReady:
        return _show(request, uow, run, status_code=503, not_ready=True, values=values)
    except PrefectUnavailable:  # nothing was sent: the run still waits
        return _unavailable(request)
    return redirect(f"/admin/awards?answered={run.name}")
