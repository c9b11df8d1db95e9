"""A new reviewer, keyboard only in Debian's Chromium: an administrator invites them from the portal, they
follow the e-mailed link, land on the onboarding page, meet the error summary with nothing typed lost,
save their profile and record a collaboration. axe-core scans every page (no serious or critical
violation)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from cogrant.stack.smtp import DevSMTPServer
from models.enums import Role
from models.people import Collaboration, ReviewerProfile
from services.people import get_or_create_person, grant_role
from tests.support.factories import make_round
from tests.web.conftest import Portal, mailed_link, sign_in_by_keyboard
from tests.web.keyboard import activate, choose, serious_violations, type_into

ADMIN = "ada.admin@example.org"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_keyboard_only_from_invitation_to_onboarded_reviewer(
    served: tuple[Portal, str, DevSMTPServer], page: Any
) -> None:
    portal, url, smtp = served
    with portal.session() as session:
        grant_role(session, get_or_create_person(session, name="Ada Admin", email=ADMIN), Role.ADMINISTRATOR)
        make_round(session, name="Spring pilots")
        session.commit()
    violations: list[str] = []

    def check() -> None:
        violations.extend(serious_violations(page))

    sign_in_by_keyboard(page, portal, smtp, url, ADMIN)  # the administrator signs in, then invites
    activate(page, text="Invite reviewers")  # the administrators' link in the header
    assert "Full name" in page.content()
    check()
    activate(page, text="Send invitation")  # nothing given: the error summary
    assert "There is a problem" in page.content()
    check()
    type_into(page, "name", "Rosa Lay")
    type_into(page, "email", "rosa@example.org")
    choose(page, "reviewer_type")  # lived experience, the first
    activate(page, text="Send invitation")
    assert "We have e-mailed an invitation to rosa@example.org" in page.content()
    check()
    activate(page, text="Sign out")

    page.goto(mailed_link(portal, smtp, 2, rf"{re.escape(url)}/reviewer-invitations/\S+"))
    check()
    activate(page, text="Accept and sign in")
    assert page.url.endswith("/reviewer/onboarding") and "pair you with a mentor" in page.content()
    check()
    type_into(page, "topics", "dementia, carers")
    type_into(page, "lived_experience_areas", "caring for my mum")
    type_into(page, "max_load", "lots")
    type_into(page, "statement", "I care for my mum, who lives with dementia.")
    activate(page, text="Save and continue")  # availability not answered, a word for a number
    content = page.content()
    assert (
        "There is a problem" in content
        and "caring for my mum" in content
        and "lives with dementia" in content
    )
    check()
    activate(page, text="Enter how many applications")  # the summary's link moves focus to the field
    page.keyboard.press("Control+A")
    page.keyboard.type("4")
    choose(page, "available")
    activate(page, text="Save and continue")
    assert "Your profile is saved" in page.content()
    check()

    type_into(page, "collab_person_name", "Dr Ana Silva")
    choose(page, "collab_kind")
    type_into(page, "collab_month", "3")
    type_into(page, "collab_year", "2025")
    activate(page, text="Add")
    assert "We have added who you worked with" in page.content() and "March 2025" in page.content()
    check()

    with portal.session() as session:
        profile = session.scalars(select(ReviewerProfile)).one()
        collaboration = session.scalars(select(Collaboration)).one()
    assert profile.max_load == 4 and profile.available and profile.onboarded_at is not None
    assert profile.lived_experience_areas == ["caring for my mum"]
    assert (collaboration.person_name, collaboration.last_worked_on.isoformat()) == (
        "Dr Ana Silva",
        "2025-03-01",
    )
    assert violations == []
