"""Responsible for a reviewer's own payment pages: "How you would like to be paid" (the round's rates, their
choice, the public-sector and benefits questions, their payment records and tax-year totals), confirming
benefits advice (which lifts the hold on their fees), the letter for their benefits office, and claiming
expenses.

Only reviewers reach these pages; for anyone else they do not exist. An expense form carries a key of its
own, so sending it twice (a double click, a refresh) records the claim once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models.enums import ExpenseKind, PaymentKind, PaymentPreference, PaymentStatus
from models.errors import DomainError
from models.schemas import ExpenseClaimInput, PaymentChoiceInput
from services.payment_totals import tax_year_totals
from services.reviewer_payments import (
    claim_expense,
    confirm_benefits_advice,
    on_benefits_hold,
    payments_of,
    profile_of,
    rounds_for_terms,
    set_payment_choice,
)
from web.forms import FormRejected, non_empty, text_values, validated
from web.pages import redirect, render
from web.portal import CurrentPerson, PostedForm, Uow, portal_of

router = APIRouter()
PAGE = "/reviews/payment"
CHOICES: list[tuple[str, str]] = [
    (PaymentPreference.FEE, "Pay me the fee"),
    (PaymentPreference.VOUCHERS, "Give me shop vouchers instead of money"),
    (PaymentPreference.TO_ORGANISATION, "Pay the fee to an organisation, like a charity or a group"),
    (PaymentPreference.DECLINE, "I do not want to be paid"),
]
EXPENSE_KINDS: list[tuple[str, str]] = [
    (ExpenseKind.TRAVEL, "Travel, like bus or train fares, taxis or parking"),
    (ExpenseKind.CARER_COVER, "Someone to care for a person you look after"),
    (ExpenseKind.PERSONAL_ASSISTANT_COVER, "A personal assistant or support worker"),
    (ExpenseKind.OTHER, "Something else you needed to take part"),
]
WHAT_FOR = {
    PaymentKind.REVIEWER_FEE: "Review",
    PaymentKind.PANEL_DAY_FEE: "Panel day",
    PaymentKind.EXPENSE: "Expenses",
}
STATUS_WORDS = {
    PaymentStatus.SCHEDULED: "We will pay this",
    PaymentStatus.RELEASED: "Paid",
    PaymentStatus.HELD: "Held until you tell us you have had advice about benefits",
    PaymentStatus.DECLINED: "You said no to payment",
    PaymentStatus.CANCELLED: "Cancelled",
}
HOW_WORDS = {
    PaymentPreference.FEE: "Fee",
    PaymentPreference.VOUCHERS: "Vouchers",
    PaymentPreference.TO_ORGANISATION: "To an organisation",
    PaymentPreference.DECLINE: "No payment",
}


def _choice_values(profile: Any) -> dict[str, str]:
    return {
        "payment_preference": str(profile.payment_preference),
        "payee_organisation": profile.payee_organisation or "",
        "public_sector_salaried": "yes" if profile.public_sector_salaried else "",
        "receives_benefits": "yes" if profile.needs_benefits_advice else "",
    }


def _show(request: Request, uow: Uow, person: CurrentPerson, **context: Any) -> HTMLResponse:
    profile = profile_of(uow.session, person)
    payments = payments_of(uow.session, person.id)
    context.setdefault("values", _choice_values(profile))
    start = portal_of(request).app.settings.tax_year_start_month_day
    return render(
        request,
        "reviewer_payment.html",
        profile=profile,
        on_hold=on_benefits_hold(profile),
        rounds=rounds_for_terms(uow.session, person),
        payments=payments,
        totals=tax_year_totals(payments, start),
        choices=CHOICES,
        what_for=WHAT_FOR,
        status_words=STATUS_WORDS,
        how_words=HOW_WORDS,
        saved=request.query_params.get("saved"),
        tax_year_from=f"{dt.date(2001, *start):%-d %B}",
        tax_year_to=f"{dt.date(2001, *start) - dt.timedelta(days=1):%-d %B}",
        **context,
    )


@router.get(PAGE, response_class=HTMLResponse)
def payment_page(request: Request, uow: Uow, person: CurrentPerson) -> Response:
    return _show(request, uow, person)


def _read_choice(values: dict[str, str]) -> PaymentChoiceInput:
    data: dict[str, Any] = non_empty(values) | {
        "public_sector_salaried": values.get("public_sector_salaried") == "yes",
        "receives_benefits": values.get("receives_benefits") == "yes",
    }
    if "payment_preference" not in data:
        raise FormRejected({"payment_preference": "Choose how you would like to be paid."}, values)
    if data["payment_preference"] == PaymentPreference.TO_ORGANISATION and not data.get("payee_organisation"):
        raise FormRejected(
            {"payee_organisation": "Write the name of the organisation we should pay."}, values
        )
    if data["payment_preference"] != PaymentPreference.TO_ORGANISATION:
        data.pop("payee_organisation", None)
    return validated(PaymentChoiceInput, data, shown=values)


@router.post(PAGE)
def save_choice(request: Request, form: PostedForm, uow: Uow, person: CurrentPerson) -> Response:
    profile_of(uow.session, person)
    values = text_values(form)
    try:
        choice = _read_choice(values)
    except FormRejected as rejected:
        return _show(request, uow, person, status_code=400, errors=rejected.errors, values=rejected.values)
    set_payment_choice(uow.session, person, choice)
    uow.commit()
    return redirect(f"{PAGE}?saved=choice")


@router.post(f"{PAGE}/benefits-advice")
def confirm_advice(request: Request, form: PostedForm, uow: Uow, person: CurrentPerson) -> Response:
    values = text_values(form)
    errors = {}
    if values.get("had_advice") != "yes":
        errors["had_advice"] = "Tick the box to say you have had advice about your benefits."
    if values.get("has_letter") != "yes":
        errors["has_letter"] = "Tick the box to say you have our letter for your benefits office."
    if errors:
        return _show(request, uow, person, status_code=400, errors=errors, advice_values=values)
    confirm_benefits_advice(uow.session, person)
    uow.commit()
    return redirect(f"{PAGE}?saved=advice")


@router.get(f"{PAGE}/benefits-letter", response_class=HTMLResponse)
def benefits_letter(request: Request, uow: Uow, person: CurrentPerson) -> Response:
    profile = profile_of(uow.session, person)
    return render(
        request,
        "benefits_letter.html",
        person=person,
        profile=profile,
        rounds=rounds_for_terms(uow.session, person),
    )


def _show_expenses(request: Request, uow: Uow, person: CurrentPerson, **context: Any) -> HTMLResponse:
    profile_of(uow.session, person)
    context.setdefault("values", {"claim_key": secrets.token_hex(16)})
    return render(request, "reviewer_expenses.html", kinds=EXPENSE_KINDS, **context)


@router.get(f"{PAGE}/expenses", response_class=HTMLResponse)
def expenses_page(request: Request, uow: Uow, person: CurrentPerson) -> Response:
    return _show_expenses(request, uow, person)


@router.post(f"{PAGE}/expenses")
def send_expenses(request: Request, form: PostedForm, uow: Uow, person: CurrentPerson) -> Response:
    values = text_values(form)
    data: dict[str, Any] = {k: v for k, v in non_empty(values).items() if k != "claim_key"}
    if "spent_on" in data:
        data["spent_on"] = read_day(data["spent_on"]) or data["spent_on"]
    try:
        claim = validated(ExpenseClaimInput, data, shown=values)
    except FormRejected as rejected:
        errors = {name: _expense_message(name, message) for name, message in rejected.errors.items()}
        return _show_expenses(request, uow, person, status_code=400, errors=errors, values=values)
    try:
        claim_expense(uow.session, person, claim, claim_key=values.get("claim_key", ""))
    except DomainError as refused:
        uow.session.rollback()
        values["claim_key"] = values.get("claim_key") or secrets.token_hex(16)
        return _show_expenses(
            request, uow, person, status_code=400, errors={"spent_on": f"{refused}."}, values=values
        )
    uow.commit()
    return redirect(f"{PAGE}?saved=expense")


DAY_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y")


def read_day(text: str) -> dt.date | None:
    """A date as people write it in the UK: 4/3/2027, 4 March 2027 or 2027-03-04; None if it is none."""
    cleaned = " ".join(text.replace(",", " ").split())
    for day_format in DAY_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, day_format).date()
        except ValueError:
            continue
    return None


def _expense_message(name: str, message: str) -> str:
    if name == "spent_on":
        return "Enter the date you spent the money, like 4/3/2027 or 4 March 2027."
    if name == "expense_kind":
        return "Choose what the money was for."
    return message
