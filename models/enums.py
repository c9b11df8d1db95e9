"""Responsible for the fixed vocabularies of the domain (roles, reviewer types, categories, states)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    APPLICANT = "applicant"
    CO_LEAD = "co_lead"
    LIVED_EXPERIENCE_REVIEWER = "lived_experience_reviewer"
    SCIENTIST_REVIEWER = "scientist_reviewer"
    COMMUNITY_REVIEWER = "community_reviewer"
    ADMINISTRATOR = "administrator"


class ReviewerType(StrEnum):
    LIVED_EXPERIENCE = "lived_experience"
    SCIENTIST = "scientist"
    COMMUNITY_PRACTICE = "community_practice"


class OrganisationKind(StrEnum):
    COMMUNITY_GROUP = "community_group"
    CHARITY = "charity"
    UNIVERSITY = "university"
    NHS = "nhs"
    LOCAL_AUTHORITY = "local_authority"
    COMPANY = "company"
    OTHER = "other"


class BudgetCategory(StrEnum):
    INVOLVEMENT_PAYMENT = "involvement_payment"
    EXPENSES = "expenses"
    ACCESS_COSTS = "access_costs"
    STAFF = "staff"
    EQUIPMENT = "equipment"
    OTHER = "other"


class DocumentPurpose(StrEnum):
    ATTACHMENT = "attachment"
    AWARD_LETTER = "award_letter"
    FINAL_REPORT = "final_report"
    CELEBRATION_REPORT = "celebration_report"
    CHECK_IN_UPLOAD = "check_in_upload"


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SET_ASIDE = "set_aside"  # submitted, then a conflict was declared: the text is kept, never counted


class ConflictSource(StrEnum):
    AUTOMATIC = "automatic"
    DECLARED = "declared"  # before opening the application
    AFTER_REVIEW = "after_review"  # when submitting the review


class CollaborationKind(StrEnum):
    """How a reviewer worked with someone; each one within 3 years is a conflict of interest."""

    CO_AUTHORED = "co_authored"
    COLLABORATED = "collaborated"
    PAID_PARTNER = "paid_partner"


class AssignmentSource(StrEnum):
    SOLVER = "solver"
    MANUAL = "manual"


class Recommendation(StrEnum):
    FUND = "fund"
    DO_NOT_FUND = "do_not_fund"


class AwardStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    DECLINED = "declined"


class MilestoneProgress(StrEnum):
    """PCORI's milestone statuses, used in check-ins."""

    COMPLETED = "completed"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    DELAYED = "delayed"
    DROPPED = "dropped"


class PaymentKind(StrEnum):
    TRANCHE = "tranche"
    REVIEWER_FEE = "reviewer_fee"
    PANEL_DAY_FEE = "panel_day_fee"
    EXPENSE = "expense"


class PaymentStatus(StrEnum):
    SCHEDULED = "scheduled"
    RELEASED = "released"
    HELD = "held"
    CANCELLED = "cancelled"
    DECLINED = "declined"  # the person chose not to be paid: a record of the work, for nothing


class ExpenseKind(StrEnum):
    """Costs paid back to a reviewer. Never income, always paid, even to people who decline fees."""

    TRAVEL = "travel"
    CARER_COVER = "carer_cover"
    PERSONAL_ASSISTANT_COVER = "personal_assistant_cover"
    OTHER = "other"


class PaymentPreference(StrEnum):
    FEE = "fee"
    DECLINE = "decline"
    VOUCHERS = "vouchers"
    TO_ORGANISATION = "to_organisation"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    HELD_FOR_DIGEST = "held_for_digest"  # waits for the person's daily digest
    IN_DIGEST = "in_digest"  # was sent inside a digest, not on its own


class DeliveryChoice(StrEnum):
    EACH_MESSAGE = "each_message"
    DAILY_DIGEST = "daily_digest"
