"""Responsible for the funder's portfolio report of a round: every pilot, money awarded and paid, people
involved, involvement payments and outcomes, with SVG charts. Read in a few queries, whatever the size."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.applications import Application, BudgetLine, CoLead
from models.awards import Award, CloseOutReport, Payment
from models.enums import AwardStatus, BudgetCategory, PaymentStatus
from models.lifecycle import staff_label
from models.rounds import FundingRound
from reports.charts import Bar, bar_chart_svg
from services.rendering import render_document


@dataclass(frozen=True)
class PilotRow:
    reference: str
    title: str
    status: str
    awarded: Decimal
    paid: Decimal
    people: int
    lay_partners: int
    involvement_budget: Decimal
    outcomes: str


@dataclass(frozen=True)
class Portfolio:
    round_name: str
    currency: str
    pot: Decimal
    pilots: list[PilotRow]

    @property
    def awarded(self) -> Decimal:
        return sum((pilot.awarded for pilot in self.pilots), Decimal("0"))

    @property
    def paid(self) -> Decimal:
        return sum((pilot.paid for pilot in self.pilots), Decimal("0"))

    @property
    def people(self) -> int:
        return sum(pilot.people for pilot in self.pilots)

    @property
    def involvement_budget(self) -> Decimal:
        return sum((pilot.involvement_budget for pilot in self.pilots), Decimal("0"))

    def charts(self) -> list[str]:
        money = [
            Bar("Pot", float(self.pot), f"{self.pot:,.0f}"),
            Bar("Awarded", float(self.awarded), f"{self.awarded:,.0f}"),
            Bar("Paid", float(self.paid), f"{self.paid:,.0f}"),
            Bar("Involvement payments", float(self.involvement_budget), f"{self.involvement_budget:,.0f}"),
        ]
        statuses = Counter(pilot.status for pilot in self.pilots)
        return [
            bar_chart_svg(money, title=f"Money in {self.currency}: pot, awarded, paid, involvement payments"),
            bar_chart_svg(
                [Bar(status, count, str(count)) for status, count in statuses.most_common()],
                title="Pilots by stage",
                colour="#00703c",
            ),
        ]


def portfolio(session: Session, *, round_id: int) -> Portfolio:
    funding_round = session.get(FundingRound, round_id)
    awards = session.execute(
        select(Award, Application)
        .join(Application, Application.id == Award.application_id)
        .where(Application.round_id == round_id, Award.status == AwardStatus.APPROVED)
        .order_by(Application.reference)
    ).all()
    ids = [application.id for _, application in awards]
    paid = _sums(
        session,
        select(Award.application_id, func.sum(Payment.amount))
        .join(Payment, Payment.award_id == Award.id)
        .where(Award.application_id.in_(ids), Payment.status == PaymentStatus.RELEASED)
        .group_by(Award.application_id),
    )
    involvement = _sums(
        session,
        select(BudgetLine.application_id, func.sum(BudgetLine.amount))
        .where(BudgetLine.application_id.in_(ids), BudgetLine.category == BudgetCategory.INVOLVEMENT_PAYMENT)
        .group_by(BudgetLine.application_id),
    )
    co_leads: dict[int, list[bool]] = defaultdict(list)
    for application_id, lived in session.execute(
        select(CoLead.application_id, CoLead.lived_experience).where(CoLead.application_id.in_(ids))
    ):
        co_leads[application_id].append(lived)
    outcomes = dict(
        session.execute(
            select(CloseOutReport.application_id, CloseOutReport.gripp2).where(
                CloseOutReport.application_id.in_(ids)
            )
        )
        .tuples()
        .all()
    )
    pilots = [
        PilotRow(
            reference=application.reference or "",
            title=application.title,
            status=staff_label(application.status),
            awarded=award.amount,
            paid=paid.get(application.id, Decimal("0")),
            people=1 + len(co_leads[application.id]),
            lay_partners=sum(co_leads[application.id]),
            involvement_budget=involvement.get(application.id, Decimal("0")),
            outcomes=(outcomes.get(application.id) or {}).get("outcomes", ""),
        )
        for award, application in awards
    ]
    return Portfolio(funding_round.name, funding_round.currency, funding_round.pot, pilots)


def portfolio_html(report: Portfolio) -> str:
    return render_document("portfolio_report.html", {"report": report})


def _sums(session: Session, query: object) -> dict[int, Decimal]:
    return {key: Decimal(total or 0) for key, total in session.execute(query)}  # type: ignore[call-overload]
