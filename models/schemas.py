"""Responsible for the Pydantic schemas that validate every input before it reaches the domain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from models.enums import (
    BudgetCategory,
    ExpenseKind,
    MilestoneProgress,
    OrganisationKind,
    PaymentPreference,
    ReviewerType,
)

Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
Score = Annotated[int, Field(ge=1, le=9)]
PlainText = Annotated[str, Field(max_length=5000)]

CRITERIA_KEYS = (
    "matters_to_people",
    "shared_power",
    "who_is_in",
    "fair_support",
    "sound_and_doable",
    "learning_relationships",
    "difference_made",
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PanelMakeup(Strict):
    lived_experience: int = Field(default=2, ge=1, le=6)
    scientist: int = Field(default=2, ge=1, le=6)
    community_practice: int = Field(default=0, ge=0, le=3)


class ReviewConfig(Strict):
    panel_makeup: PanelMakeup = PanelMakeup()
    max_load: int = Field(default=6, ge=1, le=30)
    review_days: int = Field(default=21, ge=1, le=120)
    community_share_rule: bool = False


class RoundInput(Strict):
    name: str = Field(min_length=3, max_length=200)
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,78}$")
    description: PlainText = ""
    who_can_apply: PlainText = ""
    opens_at: dt.datetime
    closes_at: dt.datetime
    decision_by: dt.date
    pot: Money
    max_award: Money = Decimal("50000")
    currency: str = Field(default="GBP", pattern=r"^[A-Z]{3}$")
    min_duration_months: int = Field(default=6, ge=1, le=60)
    max_duration_months: int = Field(default=12, ge=1, le=60)
    review_config: ReviewConfig = ReviewConfig()

    @model_validator(mode="after")
    def _dates_and_money_agree(self) -> Self:
        if self.closes_at <= self.opens_at:
            raise ValueError("the closing date must be after the opening date")
        if self.max_award > self.pot:
            raise ValueError("the maximum award cannot be more than the whole pot")
        if self.min_duration_months > self.max_duration_months:
            raise ValueError("the shortest project length cannot be longer than the longest")
        return self


class OrganisationInput(Strict):
    name: str = Field(min_length=2, max_length=200)
    kind: OrganisationKind = OrganisationKind.OTHER


class PersonInput(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    organisation: str | None = Field(default=None, max_length=200)


class CoLeadInput(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    organisation: str | None = Field(default=None, max_length=200)
    role_title: str = Field(default="", max_length=200)
    lived_experience: bool = False

    @model_validator(mode="after")
    def _person_or_organisation(self) -> Self:
        if self.email is None and self.organisation is None:
            raise ValueError("give an e-mail address for a person, or the name of an organisation")
        return self


class BudgetLineInput(Strict):
    category: BudgetCategory
    description: str = Field(min_length=2, max_length=300)
    amount: Money


class ApplicationForm(Strict):
    title: str = Field(min_length=3, max_length=200)
    summary: str = Field(min_length=20, max_length=3000, description="plain-language summary")
    lead_organisation: str | None = Field(default=None, max_length=200)
    sections: dict[str, PlainText] = Field(default_factory=dict)
    coproduction_answers: dict[str, PlainText] = Field(default_factory=dict)
    duration_months: int = Field(default=12, ge=1, le=60)
    co_leads: list[CoLeadInput] = Field(min_length=1, max_length=20)
    budget: list[BudgetLineInput] = Field(min_length=1, max_length=100)

    @field_validator("co_leads")
    @classmethod
    def _lived_experience_co_lead(cls, co_leads: list[CoLeadInput]) -> list[CoLeadInput]:
        if not any(co_lead.lived_experience for co_lead in co_leads):
            raise ValueError("at least one co-lead must have lived experience")
        return co_leads


class ReviewerProfileInput(Strict):
    reviewer_type: ReviewerType
    topics: list[str] = Field(default_factory=list, max_length=30)
    lived_experience_areas: list[str] = Field(default_factory=list, max_length=30)
    statement: PlainText = ""
    min_load: int = Field(default=0, ge=0, le=30)
    max_load: int = Field(default=6, ge=0, le=30)
    payment_preference: PaymentPreference = PaymentPreference.FEE
    needs_benefits_advice: bool = False


class PaymentChoiceInput(Strict):
    """How a reviewer wants to be paid, for tasks from now on."""

    payment_preference: PaymentPreference
    payee_organisation: str = Field(default="", max_length=200)
    public_sector_salaried: bool = False
    receives_benefits: bool = False

    @model_validator(mode="after")
    def _organisation_named(self) -> Self:
        if self.payment_preference == PaymentPreference.TO_ORGANISATION and not self.payee_organisation:
            raise ValueError("give the name of the organisation we should pay")
        return self


class ExpenseClaimInput(Strict):
    """Money a reviewer spent to take part, paid back apart from any fee."""

    expense_kind: ExpenseKind
    amount: Money
    spent_on: dt.date
    description: str = Field(default="", max_length=500)


class ReviewDraftInput(Strict):
    """A review saved part-way: a criterion left out is unanswered; None means "can't judge"."""

    scores: dict[Literal[CRITERIA_KEYS], Score | None] = Field(default_factory=dict)  # type: ignore[valid-type]
    overall: Score | None = None
    comment_for_applicant: PlainText = ""
    comment_for_panel: PlainText = ""
    nominated_for_discussion: bool = False
    nomination_reason: PlainText = ""


class ReviewInput(ReviewDraftInput):
    """A review ready to submit: every criterion and the overall score answered (a score or "can't judge")."""

    overall: Score | None

    @field_validator("scores")
    @classmethod
    def _every_criterion(cls, scores: dict[str, int | None]) -> dict[str, int | None]:
        missing = [key for key in CRITERIA_KEYS if key not in scores]
        if missing:
            raise ValueError("give a score or 'can't judge' for: " + ", ".join(missing))
        return scores


class PanelDayInput(Strict):
    """Who came to the panel on one day: each is paid one panel-day fee."""

    day: dt.date = Field(description="The panel day, like 2027-03-04")
    attendee_ids: list[int] = Field(description="Person ids of the members who were there", max_length=200)


class PanelInput(Strict):
    lived_experience_chair_id: int
    scientist_chair_id: int
    final_scores: dict[int, Annotated[float, Field(ge=10, le=90)]] = Field(default_factory=dict)
    discussion_notes: dict[int, PlainText] = Field(default_factory=dict)
    attendance: list[PanelDayInput] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _two_chairs(self) -> Self:
        if self.lived_experience_chair_id == self.scientist_chair_id:
            raise ValueError("the panel needs two co-chairs: one with lived experience and one scientist")
        return self


class AwardDecisionInput(Strict):
    approve: bool = Field(description="Approve this award? Untick to decline.")
    amount: Money | None = Field(default=None, description="Amount to award; leave empty to keep the request")
    conditions: PlainText = Field(default="", description="Conditions of the award, one per line")
    community_partner_amount: Money | None = Field(
        default=None, description="How much of the award goes to the community partner (if the round asks)"
    )
    note: PlainText = Field(default="", description="A note for the record and the award letter")


class AwardSlateInput(Strict):
    """An administrator's answer to the panel's slate of awards: approve the rest, with exceptions."""

    approve_the_rest: bool = Field(
        default=True, description="Approve every proposed award not declined below. Untick to decide later."
    )
    decline: list[str] = Field(default_factory=list, description="References of awards to decline")
    amounts: dict[str, Money] = Field(default_factory=dict, description="Reference -> a different amount")
    conditions: dict[str, PlainText] = Field(default_factory=dict, description="Reference -> conditions")
    community_partner_amounts: dict[str, Money] = Field(
        default_factory=dict, description="Reference -> the amount that goes to the community partner"
    )
    note: PlainText = Field(default="", description="A note for the record and the award letters")


class CheckInInput(Strict):
    """A check-in: how this milestone went, how every milestone of the plan stands (by its number), and
    the plain-language notes. A note is at most about two pages."""

    progress: MilestoneProgress
    note: str = Field(min_length=1, max_length=8000)
    involvement_changed: PlainText = ""
    still_missing: PlainText = ""
    fed_back: PlainText = ""
    milestone_progress: dict[int, MilestoneProgress] = Field(default_factory=dict)


class QuoteInput(Strict):
    text: str = Field(min_length=1, max_length=500)
    by: str = Field(default="", max_length=200, description="who said it, as they agreed to be credited")


class FinalReportInput(Strict):
    aim: PlainText = Field(min_length=1)
    methods: PlainText = Field(min_length=1)
    results: PlainText = Field(min_length=1)
    outcomes: PlainText = Field(min_length=1)
    critical_reflection: PlainText = Field(min_length=1)
    highlights: PlainText = ""
    thanks: PlainText = ""
    quotes: list[QuoteInput] = Field(default_factory=list, max_length=10)
