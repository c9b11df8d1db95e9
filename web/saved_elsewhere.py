"""Responsible for what the "saved at the same moment" page shows: the person's own answers, labelled.

When two people save the same draft at once, the second save is refused (the version column) and
nothing of theirs is written. The page gives back everything they typed, under the labels of the page
they were on, so they can copy it or send it again once they have seen the other person's changes.
The page's `page_version` (see services.drafts) is not an answer: the route that refused the save hands
the current one (`request.state.send_again_with`), so sending again is accepted.
"""

from __future__ import annotations

from models.application_pages import COPRODUCTION_QUESTIONS, PROPOSAL_SECTIONS

VERSION_FIELD = "page_version"

FIELD_LABELS: dict[str, str] = {
    "title": "Project title",
    "summary": "Summary",
    "lead_organisation": "Lead organisation",
    "duration_months": "How many months",
    "name": "Name",
    "email": "Email address",
    "organisation": "Organisation",
    "role_title": "Role",
    "lived_experience": "Lived experience",
    "access": "What they can do",
    "category": "Type of cost",
    "description": "What it is for",
    "amount": "Amount",
    **PROPOSAL_SECTIONS,
    **COPRODUCTION_QUESTIONS,
}


def typed_answers(values: dict[str, str]) -> list[tuple[str, str, str]]:
    """(field, label, what was typed) for each answer given, in the order of the form."""
    return [
        (name, FIELD_LABELS.get(name, name.replace("_", " ").capitalize()), value)
        for name, value in values.items()
        if value and name != VERSION_FIELD
    ]
