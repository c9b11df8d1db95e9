"""A reviewer, keyboard only in Debian's Chromium, from the e-mailed sign-in link through the conflict
question and a draft to a submitted review; every page is scanned with axe-core (no serious or critical
violation)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from cogrant.stack.smtp import DevSMTPServer
from models import Review
from models.enums import ReviewStatus
from models.review import Assignment
from models.schemas import CRITERIA_KEYS, ReviewInput
from services.review_round import save_review
from tests.web.conftest import Portal, mailed_link
from tests.web.keyboard import activate, choose, serious_violations, type_into
from tests.web.reviewing import review_round


def _submit_as_other_reviewer(portal: Portal, assignment_id: int) -> None:
    with portal.session() as session:
        assignment = session.get(Assignment, assignment_id)
        review = ReviewInput(
            scores=dict.fromkeys(CRITERIA_KEYS, 4),
            overall=4,
            comment_for_applicant="Another reviewer: a kind and careful plan.",
        )
        save_review(session, assignment_id, review, reviewer_id=assignment.reviewer_id, submit=True)
        session.commit()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_keyboard_only_from_e_mailed_link_to_submitted_review(
    served: tuple[Portal, str, DevSMTPServer], page: Any
) -> None:
    portal, url, smtp = served
    round_ = review_round(portal)
    me, other = round_.reviewers[0], round_.reviewers[2]
    _submit_as_other_reviewer(portal, other.assignment_id)
    with portal.session() as session:
        title = session.get(Assignment, me.assignment_id).application.title
    violations: list[str] = []

    def check() -> None:
        violations.extend(serious_violations(page))

    page.goto(f"{url}/reviews")  # not signed in: the sign-in page, then back to the reviews
    check()
    type_into(page, "email", me.email)
    activate(page, text="Send me a link")
    check()
    page.goto(mailed_link(portal, smtp, 1, rf"{re.escape(url)}/sign-in/\S+"))
    check()
    activate(page, text="Sign in")
    assert page.url.endswith("/reviews") and "Not started" in page.content()
    check()

    activate(page, text=title)
    assert "Do you have a conflict of interest?" in page.content()
    check()
    activate(page, text="Continue")  # nothing answered: the error summary
    check()
    choose(page, "has_conflict")  # "No, I have no conflict of interest"
    activate(page, text="Continue")
    assert "Your review" in page.content() and "plan.pdf" in page.content()
    check()

    activate(page, text="Submit review")  # nothing answered: an error beside every question
    assert "There is a problem" in page.content()
    check()
    for number, key in enumerate([*CRITERIA_KEYS, "overall"]):
        choose(page, f"score_{key}", option=number % 4)
    type_into(page, "comment_for_applicant", "Clear and kind. Say how partners are paid.")
    type_into(page, "comment_for_panel", "Strong shared power.")
    activate(page, text="Save draft")
    assert "Your draft is saved" in page.content()
    assert "Another reviewer: a kind and careful plan." not in page.content()
    check()
    choose(page, "conflict_after")  # asked again on submitting: "No, I have no conflict of interest"
    activate(page, text="Submit review")
    assert "Thank you. Your review is submitted." in page.content()
    assert "Another reviewer: a kind and careful plan." in page.content()
    check()
    activate(page, text="Back to your reviews")
    assert "Submitted" in page.content()
    check()

    with portal.session() as session:
        review = session.scalars(select(Review).where(Review.assignment_id == me.assignment_id)).one()
    assert review.status == ReviewStatus.SUBMITTED
    assert [review.scores[key] for key in CRITERIA_KEYS] == [1, 2, 3, 4, 1, 2, 3]
    assert review.overall == 4 and review.comment_for_panel == "Strong shared power."
    assert violations == []
