"""Responsible for the budget page: one line at a time, with involvement payments, expenses, access costs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models.applications import Application
from models.enums import BudgetCategory
from models.schemas import BudgetLineInput
from services import drafts
from services.access import application_for
from web.forms import FormRejected, non_empty, text_values, validated
from web.pages import redirect, render
from web.portal import CurrentPerson, PostedForm, Uow

router = APIRouter()

CATEGORY_LABELS: dict[BudgetCategory, tuple[str, str]] = {
    BudgetCategory.INVOLVEMENT_PAYMENT: (
        "Involvement payments",
        "Paying people with lived experience for their time. They may choose to say no.",
    ),
    BudgetCategory.EXPENSES: ("Expenses", "Travel, food, and carer or personal assistant cover."),
    BudgetCategory.ACCESS_COSTS: (
        "Access costs",
        "Interpreters, easy read, digital help, accessible places.",
    ),
    BudgetCategory.STAFF: ("Staff", "People employed to work on the project."),
    BudgetCategory.EQUIPMENT: ("Equipment", "Things you need to buy."),
    BudgetCategory.OTHER: ("Something else", ""),
}


def _show(request: Request, application: Application, **context: Any) -> HTMLResponse:
    has_involvement = any(
        line.category == BudgetCategory.INVOLVEMENT_PAYMENT for line in application.budget_lines
    )
    return render(
        request,
        "budget.html",
        application=application,
        categories=CATEGORY_LABELS,
        has_involvement=has_involvement,
        **context,
    )


@router.get("/applications/{application_id}/budget", response_class=HTMLResponse)
def budget_page(request: Request, application_id: int, uow: Uow, person: CurrentPerson) -> Response:
    application = application_for(uow.session, person, application_id, edit=True)
    drafts.require_draft(application)
    return _show(request, application)


@router.post("/applications/{application_id}/budget")
def add_line(
    request: Request, application_id: int, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    application = application_for(uow.session, person, application_id, edit=True)
    values = text_values(form)
    given = non_empty(values)
    if "amount" in given:
        given["amount"] = given["amount"].replace(",", "").lstrip("£$€")
    try:
        line = validated(BudgetLineInput, given, shown=values)
    except FormRejected as rejected:
        return _show(request, application, status_code=400, errors=rejected.errors, values=values)
    drafts.add_budget_line(application, line)
    uow.commit()
    return redirect(f"/applications/{application_id}/budget")


@router.post("/applications/{application_id}/budget/{line_id}/remove")
def remove_line(
    request: Request, application_id: int, line_id: int, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    application = application_for(uow.session, person, application_id, edit=True)
    drafts.remove_budget_line(application, line_id)
    uow.commit()
    return redirect(f"/applications/{application_id}/budget")
