"""Responsible for the application lifecycle declared as data: statuses, their labels, allowed next steps.

Nothing else in cogrant decides which status may follow which; `models.status_change.change_status`
is the only code that assigns `Application.status`, after checking this table and its guards.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCREENING = "screening"
    INELIGIBLE = "ineligible"
    IN_REVIEW = "in_review"
    PANEL = "panel"
    AWARDED = "awarded"
    NOT_FUNDED = "not_funded"
    WITHDRAWN = "withdrawn"
    IN_DELIVERY = "in_delivery"
    CLOSING = "closing"
    CLOSED = "closed"


@dataclass(frozen=True)
class StatusInfo:
    staff_label: str
    applicant_label: str
    applicant_can_withdraw: bool = False


S = ApplicationStatus

STATUSES: dict[ApplicationStatus, StatusInfo] = {
    S.DRAFT: StatusInfo("Draft", "Not sent yet. You can keep working on it.", True),
    S.SUBMITTED: StatusInfo("Submitted", "We have your application.", True),
    S.SCREENING: StatusInfo("Eligibility screening", "We are checking the basics.", True),
    S.INELIGIBLE: StatusInfo("Ineligible", "This round cannot fund it. We have told you why."),
    S.IN_REVIEW: StatusInfo("In joint review", "Patients, carers and scientists are reading it.", True),
    S.PANEL: StatusInfo("At panel", "The panel is talking about it.", True),
    S.AWARDED: StatusInfo("Awarded", "Good news: you have been offered funding."),
    S.NOT_FUNDED: StatusInfo("Not funded", "We cannot fund it this time. We have sent you feedback."),
    S.WITHDRAWN: StatusInfo("Withdrawn", "You took this application back."),
    S.IN_DELIVERY: StatusInfo("In delivery", "Your project is running."),
    S.CLOSING: StatusInfo("Closing", "Your project has ended. Please send your final report."),
    S.CLOSED: StatusInfo("Closed", "All done. Thank you, and well done!"),
}

_WITHDRAWABLE = frozenset(status for status, info in STATUSES.items() if info.applicant_can_withdraw)

TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.SCREENING, S.WITHDRAWN}),
    S.SCREENING: frozenset({S.IN_REVIEW, S.INELIGIBLE, S.WITHDRAWN}),
    S.IN_REVIEW: frozenset({S.PANEL, S.WITHDRAWN}),
    S.PANEL: frozenset({S.AWARDED, S.NOT_FUNDED, S.WITHDRAWN}),
    S.AWARDED: frozenset({S.IN_DELIVERY}),
    S.IN_DELIVERY: frozenset({S.CLOSING}),
    S.CLOSING: frozenset({S.CLOSED}),
    S.INELIGIBLE: frozenset(),
    S.NOT_FUNDED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.CLOSED: frozenset(),
}

assert all(S.WITHDRAWN in TRANSITIONS[status] for status in _WITHDRAWABLE), (
    "every withdrawable status must allow withdrawal"
)

TERMINAL_STATUSES = frozenset(status for status, targets in TRANSITIONS.items() if not targets)


def allowed_next(status: ApplicationStatus) -> list[ApplicationStatus]:
    return sorted(TRANSITIONS[status])


def staff_label(status: ApplicationStatus) -> str:
    return STATUSES[status].staff_label


def applicant_label(status: ApplicationStatus) -> str:
    return STATUSES[status].applicant_label
