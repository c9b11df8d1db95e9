"""An administrator, keyboard only in Debian's Chromium, waives a declared conflict of interest on the
conflicts page: the error summary first (no confirmation, no reason), then the waiver, then its removal,
each in the audit trail. axe-core scans every page (no serious or critical violation)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from cogrant.stack.smtp import DevSMTPServer
from models.enums import Role
from models.people import Person
from models.review import Conflict
from services.people import get_or_create_person, grant_role
from services.review_tasks import declare_conflict
from tests.web.conftest import Portal, mailed_link
from tests.web.keyboard import activate, choose, serious_violations, tab_to, type_into
from tests.web.reviewing import review_round

ADMIN = "ada.admin@example.org"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_keyboard_only_waiver_and_its_removal(served: tuple[Portal, str, DevSMTPServer], page: Any) -> None:
    portal, url, smtp = served
    round_ = review_round(portal)
    with portal.session() as session:
        grant_role(session, get_or_create_person(session, name="Ada Admin", email=ADMIN), Role.ADMINISTRATOR)
        reviewer = session.scalar(select(Person).where(Person.email == round_.reviewers[0].email))
        declare_conflict(
            session, reviewer, round_.reviewers[0].assignment_id, has_conflict=True, reason="Old friend"
        )
        session.commit()
        conflict_id = session.scalar(select(Conflict.id))
    violations: list[str] = []

    def check() -> None:
        violations.extend(serious_violations(page))

    page.goto(f"{url}/sign-in")
    type_into(page, "email", ADMIN)
    activate(page, text="Send me a link")
    page.goto(mailed_link(portal, smtp, 1, rf"{re.escape(url)}/sign-in/\S+"))
    activate(page, text="Sign in")
    activate(page, text="Conflicts of interest")
    assert "Old friend" in page.content()
    check()
    activate(page, text="Waive the conflict")  # neither ticked nor explained: the error summary
    assert (
        "There is a problem" in page.content() and "Confirm that no other suitable reviewer" in page.content()
    )
    check()
    choose(page, f"no_other_reviewer_{conflict_id}")
    type_into(page, f"waiver_reason_{conflict_id}", "The only reviewer who knows this rare illness")
    activate(page, text="Waive the conflict")
    assert "The waiver is recorded in the audit trail" in page.content()
    assert "Waived by Ada Admin" in page.content()
    check()
    type_into(page, f"remove_reason_{conflict_id}", "A second expert joined the pool")
    tab_to(page, text="Remove the waiver")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    trail = page.content().split("Audit trail")[1]
    assert (
        "waiver removed" in trail and "waiver given" in trail and "A second expert joined the pool" in trail
    )
    check()
    assert violations == []
