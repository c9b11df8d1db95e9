"""Responsible for walking an applicant through the portal's pages over HTTP, for the route tests."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from models import FundingRound
from models.schemas import CRITERIA_KEYS
from tests.support.factories import make_round
from tests.web.conftest import Browser, Portal

YES = {
    "lived_experience_co_lead": "yes",
    "pays_partners": "yes",
    "within_amount": "yes",
    "within_duration": "yes",
}
PROPOSAL = {
    "duration_months": "9",
    "question": "Do walking groups help carers feel less alone?",
    "plan": "Meet each week, walk, talk, and write down what changes.",
    "people": "Carers from two local groups.",
    "sharing": "A short film and a meeting at the library.",
}
COPRODUCTION = {key: f"Our answer about {key.replace('_', ' ')}." for key in CRITERIA_KEYS}


def open_round(portal: Portal) -> FundingRound:
    with portal.session() as session:
        funding_round = make_round(session)
        session.commit()
        return funding_round


def start_application(browser: Browser, funding_round: FundingRound) -> int:
    page = f"/rounds/{funding_round.slug}/eligibility"
    browser.get(page)
    key = re.search(r'name="submission_key" value="([^"]+)"', browser.last_page).group(1)
    response = browser.post(page, YES | {"submission_key": key})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def fill_in(browser: Browser, application_id: int) -> None:
    """Every page of a complete application, as a person would fill it in."""
    base = f"/applications/{application_id}"
    steps = [
        (
            f"{base}/summary",
            {"title": "Walking together", "summary": "We will walk with carers every week and talk."},
        ),
        (f"{base}/team", {"name": "Sam Carer", "email": "sam.carer@example.org", "lived_experience": "yes"}),
        (f"{base}/proposal", PROPOSAL),
        (f"{base}/coproduction", COPRODUCTION),
        (
            f"{base}/budget",
            {"category": "involvement_payment", "description": "Paying partners", "amount": "3,000"},
        ),
    ]
    for page, data in steps:
        response = browser.post(page, data, from_page=page)
        assert response.status_code == 303, (page, response.text)


def session_of(portal: Portal) -> Session:
    return portal.session()
