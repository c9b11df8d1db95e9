"""A lay reviewer, keyboard only in Debian's Chromium: from their reviews to "How you would like to be paid",
a refused choice (an organisation without a name), then vouchers and benefits; a submitted review's fee is
held, the letter for the benefits office, confirming advice lifts the hold, and an expenses claim. Every
page is scanned with axe-core (no serious or critical violation)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from cogrant.stack.smtp import DevSMTPServer
from models import Payment
from models.base import utcnow
from models.enums import PaymentKind, PaymentPreference, PaymentStatus, Role
from models.people import ReviewerProfile
from models.review import Assignment
from models.schemas import CRITERIA_KEYS, ReviewInput
from services.people import get_or_create_person, grant_role
from services.review_round import save_review
from services.reviewer_payments import record_review_fee
from tests.web.conftest import Portal, mailed_link, sign_in_by_keyboard
from tests.web.keyboard import activate, choose, serious_violations, tab_to, type_into
from tests.web.reviewing import review_round


def _submit_review(portal: Portal, assignment_id: int) -> None:
    with portal.session() as session:
        assignment = session.get(Assignment, assignment_id)
        assignment.conflict_declared_at = utcnow()
        review = ReviewInput(scores=dict.fromkeys(CRITERIA_KEYS, 3), overall=3)
        saved = save_review(session, assignment_id, review, reviewer_id=assignment.reviewer_id, submit=True)
        record_review_fee(session, saved)
        session.commit()


def _payments(portal: Portal) -> list[tuple[Any, ...]]:
    with portal.session() as session:
        return [
            (p.kind, p.method, p.status, str(p.amount))
            for p in session.scalars(select(Payment).order_by(Payment.id))
        ]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_keyboard_only_payment_choice_benefits_hold_and_expenses(
    served: tuple[Portal, str, DevSMTPServer], page: Any
) -> None:
    portal, url, smtp = served
    round_ = review_round(portal)
    me = round_.reviewers[0]
    violations: list[str] = []

    def check() -> None:
        violations.extend(serious_violations(page))

    page.goto(f"{url}/reviews")
    type_into(page, "email", me.email)
    activate(page, text="Send me a link")
    page.goto(mailed_link(portal, smtp, 1, rf"{re.escape(url)}/sign-in/\S+"))
    activate(page, text="Sign in")
    assert page.url.endswith("/reviews")
    check()

    activate(page, text="How you would like to be paid")
    assert page.url.endswith("/reviews/payment")
    assert "100 GBP" in page.content() and "200 GBP" in page.content()  # the round's rates, before any work
    check()
    choose(page, "payment_preference", option=2)  # "Pay the fee to an organisation", with no name
    activate(page, text="Save my choice")
    assert "There is a problem" in page.content()
    assert "Write the name of the organisation we should pay." in page.content()
    check()
    tab_to(page, element_id="payment_preference-3")  # the group's checked radio takes the focus
    page.keyboard.press("ArrowUp")  # vouchers
    choose(page, "receives_benefits")
    activate(page, text="Save my choice")
    assert "We have saved your choice" in page.content()
    check()
    with portal.session() as session:
        profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.person.has(email=me.email)))
        assert (profile.payment_preference, profile.needs_benefits_advice) == (
            PaymentPreference.VOUCHERS,
            True,
        )

    _submit_review(portal, me.assignment_id)
    page.reload()
    assert "We are holding your payments." in page.content()
    assert "Held until you tell us you have had advice about benefits" in page.content()
    check()
    activate(page, text="letter for your benefits office")
    assert "100 GBP for each application reviewed" in page.content()
    check()
    activate(page, text="Back to how you would like to be paid")

    activate(page, text="Take the hold off my payments")  # nothing ticked: refused
    assert "Tick the box to say you have had advice about your benefits." in page.content()
    assert _payments(portal)[0][2] == PaymentStatus.HELD
    check()
    choose(page, "had_advice")
    choose(page, "has_letter")
    activate(page, text="Take the hold off my payments")
    assert "We have taken the hold off your payments." in page.content()
    assert "We are holding your payments." not in page.content()
    check()

    activate(page, text="Claim back money you spent")
    check()
    choose(page, "expense_kind")  # travel
    type_into(page, "amount", "8.60")
    type_into(page, "spent_on", f"{utcnow().date():%d/%m/%Y}")
    tab_to(page, element_id="description")
    page.keyboard.type("Bus to the panel.")
    activate(page, text="Send my claim")
    assert "We have your expenses claim" in page.content()
    check()

    assert _payments(portal) == [
        (PaymentKind.REVIEWER_FEE, PaymentPreference.VOUCHERS, PaymentStatus.SCHEDULED, "100.00"),
        (PaymentKind.EXPENSE, None, PaymentStatus.SCHEDULED, "8.60"),
    ]
    assert violations == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_administrators_payment_page_is_reached_by_keyboard_and_axe_clean(
    served: tuple[Portal, str, DevSMTPServer], page: Any
) -> None:
    portal, url, smtp = served
    round_ = review_round(portal)
    with portal.session() as session:
        profile = session.scalar(
            select(ReviewerProfile).where(ReviewerProfile.person.has(email=round_.reviewers[0].email))
        )
        profile.needs_benefits_advice = True
        admin = get_or_create_person(session, name="Alex Admin", email="alex.admin@example.org")
        grant_role(session, admin, Role.ADMINISTRATOR)
        session.commit()
    _submit_review(portal, round_.reviewers[0].assignment_id)
    _submit_review(portal, round_.reviewers[2].assignment_id)

    sign_in_by_keyboard(page, portal, smtp, url, "alex.admin@example.org")
    activate(page, text="Reviewers' payments")
    content = page.content()
    assert "Held for benefits advice" in content and "1 held payment" in content
    assert "100.00 GBP" in content  # the scientist's fee, counted as income
    assert serious_violations(page) == []
