"""Responsible for the catalogue of every e-mail cogrant sends: who reads it and what it needs to know.

Each message has a template directory ``notifications/templates/<name>/`` (subject.txt, body.txt,
body.html). Every context also carries COMMON_KEYS; ``contact_phone`` is the one optional key anywhere.
Dates are ``datetime.date`` (shown as "3 March 2026"); URLs are absolute links into the portal.

Lay messages go to applicants, co-leads, community partners and reviewers, many of whom are not
researchers: they must pass the plain-language checks (reading age at most LAY_READING_AGE_CEILING,
no unexplained acronyms). Staff messages go to the funder's administrators.

A message that is `digestible` may wait for a person's daily digest; the others are time-critical
(a sign-in link expires in minutes) and always go at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.readability import ADVISED_MAX_READING_AGE


class Audience(StrEnum):
    LAY = "lay"
    STAFF = "staff"


COMMON_KEYS = frozenset({"recipient_name", "funder_name", "contact_email"})
OPTIONAL_KEYS = frozenset({"contact_phone"})
# Reading age in years (GOV.UK and NHS content guides aim at 9 to 11); checked by the tests.
LAY_READING_AGE_CEILING = float(ADVISED_MAX_READING_AGE)
# Abbreviations every reader knows, which need no explanation.
WELL_KNOWN_ABBREVIATIONS = frozenset({"OK", "UK"})


@dataclass(frozen=True, kw_only=True)
class MessageType:
    name: str
    audience: Audience
    keys: frozenset[str]
    about: str
    digestible: bool = True
    calendar: bool = False  # carries an .ics invitation (see notifications.calendar)

    @property
    def context_keys(self) -> frozenset[str]:
        """Every key the template needs: the common ones plus its own."""
        return COMMON_KEYS | self.keys


def _message(name: str, audience: Audience, keys: str, about: str, **options: bool) -> MessageType:
    return MessageType(name=name, audience=audience, keys=frozenset(keys.split()), about=about, **options)


LAY, STAFF = Audience.LAY, Audience.STAFF
CATALOGUE: tuple[MessageType, ...] = (
    _message("sign_in_link", LAY, "sign_in_url expires_minutes", "a one-time sign-in link", digestible=False),
    _message(
        "coapplicant_invitation",
        LAY,
        "inviter_name application_title access accept_url",
        'an invitation to join an application; access is "view" or "edit"',
        digestible=False,
    ),
    _message(
        "application_received",
        LAY,
        "reference title round_name decision_date",
        "to the applicant: we have it, what happens next, when we decide",
    ),
    _message(
        "application_ineligible",
        LAY,
        "reference title round_name reasons alternatives",
        "to the applicant: why it does not fit (reasons: list[str]) and what else to do (list[str])",
    ),
    _message("reviewer_invitation", LAY, "round_name accept_url", "asks someone to review in a round"),
    _message(
        "review_assigned",
        LAY,
        "round_name application_count due_date portal_url",
        "to a reviewer: how many applications to read, and by when",
    ),
    _message(
        "review_reminder",
        LAY,
        "round_name due_date tasks_url open_tasks",
        "to a reviewer: open_tasks (int) reviews still to finish",
    ),
    _message(
        "review_overdue",
        LAY,
        "round_name due_date tasks_url open_tasks",
        "to a reviewer: open_tasks (int) reviews are past their due date",
    ),
    _message(
        "conflict_declared",
        STAFF,
        "reviewer_name reference project_title how_found conflict_reason conflicts_url",
        "to administrators: a reviewer has a conflict of interest, found after the assignment",
    ),
    _message(
        "summary_statement",
        LAY,
        "project_title reference statement statement_url",
        "to the project team after the panel: the plain-language summary statement (statement: str, "
        "one paragraph a line) and a link to it",
    ),
    _message(
        "application_not_funded",
        LAY,
        "reference title round_name summary_statement lived_experience_mean scientist_mean statement_url",
        "to the applicant: not funded, both group means (None reads 'not available'), comments and a link to "
        "the summary statement (so the applicant gets no separate summary_statement e-mail)",
    ),
    _message(
        "award_offered",
        LAY,
        "reference title amount currency conditions start_date end_date award_letter_url",
        "to the project team: the offer (amount: Decimal, currency: ISO 4217, conditions: list[str])",
    ),
    _message(
        "checkin_reminder",
        LAY,
        "reference project_title milestone_title due_date checkin_url",
        "to the project team: a check-in is due soon; with a calendar invitation",
        calendar=True,
    ),
    _message(
        "checkin_overdue",
        STAFF,
        "reference project_title milestone_title due_date days_overdue project_url",
        "to administrators: a check-in is late",
    ),
    _message(
        "tranche_released",
        LAY,
        "project_title reference amount tranche_number milestone_title",
        "to the project team: a payment was sent (amount: str, already formatted with currency)",
    ),
    _message(
        "final_report_due",
        LAY,
        "project_title reference due_date report_url",
        "to the project team: the final report is due",
    ),
    _message(
        "final_report_reminder",
        LAY,
        "project_title reference due_date report_url",
        "to the project team: the final report is due soon and we do not have it yet",
    ),
    _message(
        "final_report_overdue",
        STAFF,
        "project_title reference due_date days_overdue report_url",
        "to administrators: a final report is late",
    ),
    _message(
        "checkin_changes_requested",
        LAY,
        "reference project_title milestone_title note checkin_url",
        "to the project team: an administrator asks for changes to a check-in before approving it",
    ),
    _message(
        "celebration_shared",
        LAY,
        "reference project_title report_url",
        "to the project team and partners: the celebration report",
    ),
    _message(
        "daily_digest",
        LAY,
        "day items",
        "one person's messages of a day, for those who chose a digest; items: list of {subject, text}",
        digestible=False,
    ),
)
BY_NAME = {message.name: message for message in CATALOGUE}
TEMPLATE_NAMES: tuple[str, ...] = tuple(BY_NAME)
DIGEST_TEMPLATE = "daily_digest"


def message_type(name: str) -> MessageType | None:
    return BY_NAME.get(name)
