"""The money rules for approving an award, on objects built in memory (pure logic)."""

from __future__ import annotations

from decimal import Decimal

from models import Application, BudgetLine, CoLead, FundingRound
from models.enums import BudgetCategory
from services.budget_checks import approval_problems


def _application(*, involvement: str = "2000", community_rule: bool = False) -> Application:
    funding_round = FundingRound(
        name="Pilots",
        pot=Decimal("100000"),
        max_award=Decimal("25000"),
        currency="GBP",
        review_config={"community_share_rule": community_rule},
    )
    return Application(
        round=funding_round,
        co_leads=[CoLead(lived_experience=True), CoLead(lived_experience=False)],
        budget_lines=[
            BudgetLine(
                category=BudgetCategory.INVOLVEMENT_PAYMENT, description="Pay", amount=Decimal(involvement)
            ),
            BudgetLine(category=BudgetCategory.STAFF, description="Worker", amount=Decimal("8000")),
        ],
    )


def _problems(
    application: Application, amount: str, *, left: str = "100000", community: str | None = None
) -> list[str]:
    return approval_problems(
        application,
        amount=Decimal(amount),
        left_in_pot=Decimal(left),
        community_partner_amount=Decimal(community) if community is not None else None,
    )


def test_a_fair_award_within_the_limits_has_no_problems() -> None:
    assert _problems(_application(), "10000") == []


def test_each_broken_rule_is_named_with_its_figures() -> None:
    assert _problems(_application(), "25000.01") == [
        "25,000.01 GBP is above this round's maximum award of 25,000.00 GBP"
    ]
    assert _problems(_application(), "9000", left="8000") == [
        "9,000.00 GBP is more than the 8,000.00 GBP left in the pot"
    ]
    [problem] = _problems(_application(involvement="0"), "9000")
    assert "no involvement payments for its 1 lay partner" in problem


def test_the_community_share_rule_applies_only_when_the_round_asks() -> None:
    assert _problems(_application(), "10000", community="100") == []
    ruled = _application(community_rule=True)
    assert "give their amount" in _problems(ruled, "10000")[0]
    assert "only 4,999.99 of 10,000.00 GBP" in _problems(ruled, "10000", community="4999.99")[0]
    assert "more than the whole award" in _problems(ruled, "10000", community="10000.01")[0]
    assert _problems(ruled, "10000", community="5000") == []
