"""Responsible for the administrators' page of reviewers' payments: each reviewer's choice, whether their
fees are held for benefits advice, the public-sector salary flag, and totals per tax year (income from fees
and vouchers, held, to organisations, declined tasks, and expenses apart).

Only administrators reach it (`web.portal.administrator`); for anyone else it does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.payment_totals import reviewers_payments, totals_table
from web.pages import render
from web.portal import Administrator, Uow, portal_of

router = APIRouter()


@router.get("/admin/reviewer-payments", response_class=HTMLResponse)
def payments_page(request: Request, uow: Uow, admin: Administrator) -> HTMLResponse:
    start = portal_of(request).app.settings.tax_year_start_month_day
    rows = reviewers_payments(uow.session, start)
    return render(
        request,
        "admin_payments.html",
        rows=rows,
        table=totals_table(rows),
        on_hold=[row for row in rows if row.on_hold],
    )
