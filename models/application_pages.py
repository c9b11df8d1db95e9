"""Responsible for the Pydantic schemas of the portal's pages: eligibility questions and one per page.

Each page is saved on its own (save and come back later); `services.drafts.problems_before_submit`
checks the whole application with `models.schemas.ApplicationForm` before it can be sent.
"""

from __future__ import annotations

from typing import Literal

from pydantic import EmailStr, Field

from models.portal import Access
from models.schemas import PlainText, Strict

YesNo = Literal["yes", "no"]

PROPOSAL_SECTIONS: dict[str, str] = {
    "question": "What question will your project answer, or what problem will it help with?",
    "plan": "What will you do, step by step?",
    "people": "Who will take part, and how will you find them?",
    "sharing": "How will you share what you learn, and with whom?",
}

# The questions behind the seven rubric criteria, in the words reviewers will use.
COPRODUCTION_QUESTIONS: dict[str, str] = {
    "matters_to_people": "Would people living with this say it matters? Who told you?",
    "shared_power": "Who makes the key decisions? Can lived-experience partners change the plan?",
    "who_is_in": "Does your team reflect the people affected? How will you reach people often left out?",
    "fair_support": "How will you pay partners fairly and on time, cover expenses and carers, "
    "and get benefits advice? Can people say no to payment?",
    "sound_and_doable": "Can your plan answer its question in the time and money, "
    "including the extra time working together takes?",
    "learning_relationships": "How will you agree ways of working, train each other, and keep in touch "
    "in plain language?",
    "difference_made": "How will you track what involvement changed, tell participants, "
    "and celebrate the end?",
}


class EligibilityAnswers(Strict):
    lived_experience_co_lead: YesNo
    pays_partners: YesNo
    within_amount: YesNo
    within_duration: YesNo


class SummaryPage(Strict):
    title: str = Field(min_length=3, max_length=200)
    summary: str = Field(min_length=20, max_length=3000)


class ProposalPage(Strict):
    lead_organisation: str | None = Field(default=None, max_length=200)
    duration_months: int = Field(ge=1, le=60)
    question: PlainText = ""
    plan: PlainText = ""
    people: PlainText = ""
    sharing: PlainText = ""


class CoproductionPage(Strict):
    matters_to_people: PlainText = ""
    shared_power: PlainText = ""
    who_is_in: PlainText = ""
    fair_support: PlainText = ""
    sound_and_doable: PlainText = ""
    learning_relationships: PlainText = ""
    difference_made: PlainText = ""


class InvitationInput(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    access: Access


class SignInRequest(Strict):
    email: EmailStr


class WithdrawInput(Strict):
    reason: PlainText = ""
