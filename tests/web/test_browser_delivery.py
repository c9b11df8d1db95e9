"""An administrator, keyboard only in Debian's Chromium, signs in from the e-mailed link, opens the
check-ins waiting for approval, sends one back with a note (after an empty try), approves another; then
anyone reads a closed project's public celebration page and its index. axe-core scans every page (no
serious or critical violation)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from cogrant.stack.smtp import DevSMTPServer
from models import CheckIn, Payment
from models.enums import PaymentStatus, Role
from services.people import get_or_create_person, grant_role
from tests.web.conftest import Portal, mailed_link
from tests.web.keyboard import activate, serious_violations, type_into
from tests.web.projects import celebrated_project
from tests.web.test_admin_checkins import checked_in

ADMIN = "alex.admin@example.org"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_keyboard_only_check_in_approval_and_the_public_celebration(
    served: tuple[Portal, str, DevSMTPServer], page: Any
) -> None:
    portal, url, smtp = served
    _, check_in_id = checked_in(portal)
    celebrated = celebrated_project(portal, "celia.lead@example.org")
    with portal.session() as session:
        grant_role(session, get_or_create_person(session, name="Alex Admin", email=ADMIN), Role.ADMINISTRATOR)
        session.commit()
    violations: list[str] = []

    def check() -> None:
        violations.extend(serious_violations(page))

    page.goto(f"{url}/admin/check-ins")  # not signed in: "page not found", the admin area is not revealed
    assert "Page not found" in page.content()
    page.goto(f"{url}/sign-in")
    type_into(page, "email", ADMIN)
    activate(page, text="Send me a link")
    page.goto(mailed_link(portal, smtp, 1, rf"{re.escape(url)}/sign-in/\S+"))
    activate(page, text="Sign in")
    page.goto(f"{url}/admin/check-ins")
    assert "Check-ins to approve" in page.content()
    check()

    activate(page, text="Start-up meeting")  # the longest waiting first
    assert "Step 1: we met at the library." in page.content()
    check()
    activate(page, text="Ask the team for changes")  # no note: the error summary
    assert "Tell the team what to change" in page.content()
    check()
    type_into(page, "changes_note", "Please say who came to the meeting.")
    activate(page, text="Ask the team for changes")
    assert "They will get an e-mail with your note" in page.content()
    check()

    activate(page, text="Check-in 1")
    assert "our meeting.png" in page.content()
    check()
    activate(page, text="Approve and release the payment")
    assert "You approved the check-in for 'Check-in 1'" in page.content()
    assert "No check-ins are waiting for approval." in page.content()
    check()

    page.goto(f"{url}/celebrations")
    check()
    activate(page, text="Walking groups for people with long COVID")
    assert "We did it together" in page.content()
    assert "Amina Lead" in page.content() and "1 person who chose not to be named" in page.content()
    check()
    assert page.get_attribute('a[href$="/report.pdf"]', "href") == f"/celebrations/{celebrated}/report.pdf"
    page.goto(f"{url}/celebrations/CG-999-99999")
    assert "Page not found" in page.content()
    check()

    with portal.session() as session:
        check_in = session.get(CheckIn, check_in_id)
        assert check_in.approved_at is not None and check_in.approved_by.startswith("Alex Admin")
        released = session.scalars(select(Payment).where(Payment.status == PaymentStatus.RELEASED)).all()
    assert [payment.sequence for payment in released] == [2]
    assert violations == []
