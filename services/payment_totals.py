"""Responsible for each reviewer's totals per tax year: income (fees and vouchers paid to them), what is
held for benefits advice, what went to organisations or was declined, and expenses apart (never income).

A record belongs to the tax year of the day the work was done (`Payment.earned_on`). The UK tax year runs
from 6 April; the first day is a setting (`COGRANT_TAX_YEAR_START`, month-day, "04-06").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.awards import Payment
from models.enums import PaymentKind, PaymentPreference, PaymentStatus
from models.people import ReviewerProfile
from services.reviewer_payments import on_benefits_hold, payments_by_person

ZERO = Decimal("0")


def tax_year_of(day: dt.date, start: tuple[int, int] = (4, 6)) -> str:
    """The tax year `day` falls in, named by its two calendar years: 5 April 2027 is in "2026-27"."""
    first_year = day.year if (day.month, day.day) >= start else day.year - 1
    if start == (1, 1):
        return str(first_year)
    return f"{first_year}-{(first_year + 1) % 100:02d}"


@dataclass
class TaxYearTotal:
    tax_year: str
    currency: str
    income: Decimal = ZERO  # fees and vouchers to the person, held ones included
    held: Decimal = ZERO  # part of the income waiting for the person's benefits-advice confirmation
    vouchers: Decimal = ZERO  # part of the income given as vouchers
    to_organisations: Decimal = ZERO  # not the person's income
    declined_tasks: int = 0
    expenses: Decimal = ZERO  # never income

    def add(self, payment: Payment) -> None:
        if payment.kind == PaymentKind.EXPENSE:
            self.expenses += payment.amount
        elif payment.status == PaymentStatus.DECLINED:
            self.declined_tasks += 1
        elif payment.method == PaymentPreference.TO_ORGANISATION:
            self.to_organisations += payment.amount
        elif payment.counts_as_income:
            self.income += payment.amount
            self.held += payment.amount if payment.status == PaymentStatus.HELD else ZERO
            self.vouchers += payment.amount if payment.method == PaymentPreference.VOUCHERS else ZERO


def tax_year_totals(payments: list[Payment], start: tuple[int, int] = (4, 6)) -> list[TaxYearTotal]:
    """Totals per (tax year, currency), newest year first; cancelled records are left out."""
    totals: dict[tuple[str, str], TaxYearTotal] = {}
    for payment in payments:
        if payment.status == PaymentStatus.CANCELLED or payment.award_id is not None:
            continue
        year = tax_year_of(payment.earned_on or payment.due_on, start)
        total = totals.setdefault((year, payment.currency), TaxYearTotal(year, payment.currency))
        total.add(payment)
    return [totals[key] for key in sorted(totals, reverse=True)]


@dataclass
class ReviewerPayments:
    """One reviewer as administrators see them on the payments page and in the artifact."""

    profile: ReviewerProfile
    totals: list[TaxYearTotal] = field(default_factory=list)
    held_count: int = 0

    @property
    def on_hold(self) -> bool:
        return on_benefits_hold(self.profile)


def reviewers_payments(session: Session, start: tuple[int, int] = (4, 6)) -> list[ReviewerPayments]:
    """Every reviewer with their choice, hold and tax-year totals, by name."""
    profiles = session.scalars(
        select(ReviewerProfile)
        .options(selectinload(ReviewerProfile.person))
        .order_by(ReviewerProfile.person_id)
    ).all()
    held: dict[int, int] = defaultdict(int)
    for person_id in session.scalars(
        select(Payment.payee_person_id).where(Payment.status == PaymentStatus.HELD)
    ):
        held[person_id] += 1
    payments = payments_by_person(session, [profile.person_id for profile in profiles])
    rows = [
        ReviewerPayments(
            profile, tax_year_totals(payments.get(profile.person_id, []), start), held[profile.person_id]
        )
        for profile in profiles
    ]
    return sorted(rows, key=lambda row: (row.profile.person.name.lower(), row.profile.person_id))


CHOICE_WORDS = {
    PaymentPreference.FEE: "fee",
    PaymentPreference.DECLINE: "declines payment",
    PaymentPreference.VOUCHERS: "vouchers",
    PaymentPreference.TO_ORGANISATION: "to an organisation",
}


def totals_table(rows: list[ReviewerPayments]) -> list[dict[str, object]]:
    """One table row per reviewer and tax year (administrators' artifact): income and expenses apart."""
    table: list[dict[str, object]] = []
    for row in rows:
        profile = row.profile
        choice = CHOICE_WORDS[profile.payment_preference]
        if profile.payment_preference == PaymentPreference.TO_ORGANISATION:
            choice += f" ({profile.payee_organisation})"
        for total in row.totals:
            table.append(
                {
                    "reviewer": profile.person.name,
                    "person id": profile.person_id,
                    "choice": choice,
                    "benefits advice hold": "held until they confirm" if row.on_hold else "-",
                    "public-sector salaried": "yes" if profile.public_sector_salaried else "-",
                    "tax year": total.tax_year,
                    "income (fees and vouchers)": f"{total.income:.2f} {total.currency}",
                    "of which held": f"{total.held:.2f}",
                    "to organisations": f"{total.to_organisations:.2f}",
                    "declined tasks": total.declined_tasks,
                    "expenses (not income)": f"{total.expenses:.2f}",
                }
            )
    return table
