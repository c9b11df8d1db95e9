"""Responsible for eligibility screening: plain-language reasons, and what to do instead."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models.application_pages import EligibilityAnswers
from models.applications import Application
from models.enums import BudgetCategory
from models.rounds import FundingRound


@dataclass(frozen=True)
class EligibilityResult:
    eligible: bool
    reasons: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    def as_record(self) -> dict[str, object]:
        return {"eligible": self.eligible, "reasons": self.reasons, "suggestions": self.suggestions}


def screen(application: Application) -> EligibilityResult:
    """Check an application against its round's rules. Pure: reads the objects, changes nothing."""
    funding_round = application.round
    reasons: list[str] = []
    suggestions: list[str] = []
    submitted_at = application.submitted_at or dt.datetime.now(dt.UTC)
    if submitted_at >= funding_round.closes_at:
        reasons.append("It arrived after the closing date.")
        suggestions.append(
            "Look out for our next round, or ask us about extra time if you had a good reason."
        )
    if application.requested_amount > funding_round.max_award:
        reasons.append(
            f"It asks for {application.requested_amount} {funding_round.currency}. "
            f"The most this round gives is {funding_round.max_award}."
        )
        suggestions.append("Make the project smaller, or find other money for part of it.")
    if (
        not funding_round.min_duration_months
        <= application.duration_months
        <= funding_round.max_duration_months
    ):
        reasons.append(
            f"The project lasts {application.duration_months} months. This round funds projects of "
            f"{funding_round.min_duration_months} to {funding_round.max_duration_months} months."
        )
        suggestions.append("Change the plan so it fits, or apply to a fund for longer projects.")
    if not application.has_lived_experience_co_lead():
        reasons.append("No co-lead has lived experience. Here, people with lived experience lead together.")
        suggestions.append("Invite a patient, carer or community member to lead with you.")
    if not any(line.category == BudgetCategory.INVOLVEMENT_PAYMENT for line in application.budget_lines):
        reasons.append("The budget has no money to pay people with lived experience for their time.")
        suggestions.append("Add a budget line for involvement payments. People may still choose to say no.")
    return EligibilityResult(eligible=not reasons, reasons=reasons, suggestions=suggestions)


def check_answers(funding_round: FundingRound, answers: EligibilityAnswers) -> EligibilityResult:
    """The questions asked before the form, checked against the same rules as `screen`. Pure."""
    reasons: list[str] = []
    suggestions: list[str] = []
    if answers.lived_experience_co_lead == "no":
        reasons.append("Here, people with lived experience lead together, so one co-lead must have it.")
        suggestions.append("Invite a patient, carer or community member to lead with you, then apply.")
    if answers.pays_partners == "no":
        reasons.append("This round only funds projects that pay people with lived experience for their time.")
        suggestions.append("Plan money for involvement payments. People may still choose to say no.")
    if answers.within_amount == "no":
        reasons.append(
            f"The most this round gives is {funding_round.max_award:,.0f} {funding_round.currency}."
        )
        suggestions.append("Make the project smaller, or find other money for part of it.")
    if answers.within_duration == "no":
        reasons.append(
            f"This round funds projects of {funding_round.min_duration_months} to "
            f"{funding_round.max_duration_months} months."
        )
        suggestions.append("Change the plan so it fits, or look for a fund for longer projects.")
    return EligibilityResult(eligible=not reasons, reasons=reasons, suggestions=suggestions)
