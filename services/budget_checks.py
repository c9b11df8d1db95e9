"""Responsible for the money rules an award must meet before it is approved.

The round's maximum and the pot left; involvement payments when lay partners co-lead; and, when the round
asks for it (`review_config["community_share_rule"]`), at least half of the award to the community partner.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.applications import Application
from models.awards import Award
from models.enums import AwardStatus, BudgetCategory
from models.rounds import FundingRound

COMMUNITY_SHARE = Decimal("0.5")


def pot_left(
    session: Session, funding_round: FundingRound, *, leaving_out_award_ids: Collection[int] = ()
) -> Decimal:
    """The round's pot less every approved award (but those being decided)."""
    query = (
        select(func.coalesce(func.sum(Award.amount), 0))
        .join(Application, Application.id == Award.application_id)
        .where(Application.round_id == funding_round.id, Award.status == AwardStatus.APPROVED)
    )
    if leaving_out_award_ids:
        query = query.where(Award.id.not_in(list(leaving_out_award_ids)))
    return funding_round.pot - Decimal(session.scalar(query) or 0)


def approval_problems(
    application: Application,
    *,
    amount: Decimal,
    left_in_pot: Decimal,
    community_partner_amount: Decimal | None,
) -> list[str]:
    """Every reason this award cannot be approved at `amount`; empty when it can. Pure."""
    funding_round, currency = application.round, application.round.currency
    problems = []
    if amount > funding_round.max_award:
        problems.append(
            f"{amount:,.2f} {currency} is above this round's maximum award of "
            f"{funding_round.max_award:,.2f} {currency}"
        )
    if amount > left_in_pot:
        problems.append(
            f"{amount:,.2f} {currency} is more than the {left_in_pot:,.2f} {currency} left in the pot"
        )
    problems += involvement_problems(application)
    if funding_round.review_config.get("community_share_rule"):
        problems += community_share_problems(amount, community_partner_amount, currency=currency)
    return problems


def involvement_problems(application: Application) -> list[str]:
    """Lay partners (co-leads with lived experience) must be paid for their time: the budget says how."""
    lay_partners = [co_lead for co_lead in application.co_leads if co_lead.lived_experience]
    involvement = sum(
        (
            line.amount
            for line in application.budget_lines
            if line.category == BudgetCategory.INVOLVEMENT_PAYMENT
        ),
        Decimal("0"),
    )
    if lay_partners and involvement <= 0:
        return [
            f"the budget has no involvement payments for its {len(lay_partners)} lay partner(s); "
            "add a budget line to pay them for their time"
        ]
    return []


def community_share_problems(
    amount: Decimal, community_partner_amount: Decimal | None, *, currency: str
) -> list[str]:
    if community_partner_amount is None:
        return [
            "this round asks that at least half the money goes to the community partner: give their amount"
        ]
    if community_partner_amount > amount:
        return [
            f"the community partner's {community_partner_amount:,.2f} {currency} is more than the whole award"
        ]
    if community_partner_amount < amount * COMMUNITY_SHARE:
        return [
            f"only {community_partner_amount:,.2f} of {amount:,.2f} {currency} goes to the community "
            "partner; "
            "this round asks for at least half"
        ]
    return []
