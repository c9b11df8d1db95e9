"""Responsible for the applicant's summary statement page: what the reviewers said (both group means,
comments without names, and the panel's discussion notes where it was discussed), once the panel decided.

The `summary_statement` e-mail links here. Before the panel has decided, or for anyone who may not see the
application, the page does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from models.errors import NotFound
from models.review import PanelDecision
from services.project_team import project_for
from web.pages import render
from web.portal import CurrentPerson, Uow

router = APIRouter()


@router.get("/applications/{reference}/summary-statement", response_class=HTMLResponse)
def statement_page(request: Request, reference: str, uow: Uow, person: CurrentPerson) -> HTMLResponse:
    application = project_for(uow.session, person, reference).application
    decision = uow.session.scalar(select(PanelDecision).where(PanelDecision.application_id == application.id))
    if decision is None or decision.decided_at is None:
        raise NotFound(f"no summary statement for {reference} yet")
    return render(
        request,
        "summary_statement.html",
        application=application,
        decision=decision,
        lines=[line for line in decision.summary_statement.splitlines() if line.strip()],
    )
