"""The reviewer's task list, the conflict-of-interest question and who may open what, over HTTP on SQLite and
PostgreSQL: anything not one's own, or conflicted, is "not found" like a missing page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models.enums import ConflictSource
from models.review import Assignment, Conflict
from tests.support.factories import make_person
from tests.web.conftest import Portal
from tests.web.reviewing import GOOD_REVIEW, opened_task, review_round, saved_review, signed_in_reviewer


def test_someone_with_no_tasks_sees_a_friendly_empty_page(portal: Portal) -> None:
    with portal.session() as session:
        email = make_person(session).email
        session.commit()
    browser = signed_in_reviewer(portal, email)
    response = browser.get("/reviews")
    assert response.status_code == 200
    assert "You have no applications to review at the moment" in response.text


def test_the_task_list_needs_sign_in(portal: Portal) -> None:
    response = portal.client().get("/reviews")
    assert (response.status_code, response.headers["location"]) == (303, "/sign-in")


def test_tasks_show_due_dates_and_where_each_review_is(portal: Portal) -> None:
    first = review_round(portal, due_in_days=10)
    second = review_round(portal, due_in_days=20)
    with portal.session() as session:  # the first reviewer of both rounds is the same person
        task = session.get(Assignment, second.reviewers[0].assignment_id)
        task.reviewer_id = session.get(Assignment, first.reviewers[0].assignment_id).reviewer_id
        session.commit()
        due = [session.get(Assignment, first.reviewers[0].assignment_id).due_at, task.due_at]
    browser, assignment_id = opened_task(portal, first)
    browser.post(f"/reviews/{assignment_id}", {"action": "draft", "version": "0", "score_overall": "4"})

    page = browser.get("/reviews").text
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S)[1:]
    assert len(rows) == 2
    assert "Draft saved" in rows[0] and "Not started" in rows[1]  # soonest due first
    for row, due_at in zip(rows, due, strict=True):
        assert str(due_at.day) in row and due_at.strftime("%B") in row


def test_the_conflict_question_comes_before_the_application(portal: Portal) -> None:
    round_ = review_round(portal)
    reviewer = round_.reviewers[0]
    browser = signed_in_reviewer(portal, reviewer.email)
    page = browser.get(f"/reviews/{reviewer.assignment_id}").text
    assert "Do you have a conflict of interest?" in page
    assert "Score each part" not in page and "plan.pdf" not in page
    download = browser.get(f"/reviews/{reviewer.assignment_id}/documents/{round_.document_id}")
    assert download.status_code == 404
    saved = browser.post(f"/reviews/{reviewer.assignment_id}", GOOD_REVIEW | {"action": "submit"})
    assert saved.status_code == 404 and saved_review(portal, reviewer.assignment_id) is None


@pytest.mark.parametrize(
    ("answer", "field", "message"),
    [
        ({}, "has_conflict", "Say whether you have a conflict of interest"),
        ({"has_conflict": "yes"}, "conflict_reason", "Say in a few words what the conflict is"),
        ({"has_conflict": "maybe"}, "has_conflict", "Say whether you have a conflict of interest"),
    ],
)
def test_an_unclear_conflict_answer_is_explained(
    portal: Portal, answer: dict[str, str], field: str, message: str
) -> None:
    round_ = review_round(portal)
    reviewer = round_.reviewers[0]
    browser = signed_in_reviewer(portal, reviewer.email)
    page = f"/reviews/{reviewer.assignment_id}"
    response = browser.post(f"{page}/conflict", answer, from_page=page)
    assert response.status_code == 400
    assert f'<a href="#{field}">{message}' in response.text
    assert f'id="{field}-error"' in response.text
    with portal.session() as session:
        assert session.get(Assignment, reviewer.assignment_id).conflict_declared_at is None


def test_declaring_a_conflict_records_it_and_removes_access(portal: Portal) -> None:
    round_ = review_round(portal)
    reviewer = round_.reviewers[1]
    browser = signed_in_reviewer(portal, reviewer.email)
    page = f"/reviews/{reviewer.assignment_id}"
    response = browser.post(
        f"{page}/conflict",
        {"has_conflict": "yes", "conflict_reason": "I work with the lead."},
        from_page=page,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/reviews?declared=1")
    with portal.session() as session:
        conflict = session.scalars(select(Conflict)).one()
    assert (conflict.application_id, conflict.source, conflict.reason) == (
        round_.application_id,
        ConflictSource.DECLARED,
        "I work with the lead.",
    )
    listing = browser.get("/reviews?declared=1").text
    assert "We have recorded your conflict of interest" in listing
    assert f'href="{page}"' not in listing and "Conflict of interest: not yours to review" in listing
    for path in (page, f"{page}/documents/{round_.document_id}"):
        assert browser.get(path).status_code == 404
    browser.get("/reviews")
    assert browser.post(page, GOOD_REVIEW | {"action": "submit", "version": "0"}).status_code == 404
    assert saved_review(portal, reviewer.assignment_id) is None


def test_someone_elses_task_and_a_missing_task_look_the_same(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, _ = opened_task(portal, round_, 0)
    other = round_.reviewers[2].assignment_id
    theirs = browser.get(f"/reviews/{other}")
    missing = browser.get("/reviews/999999")
    assert theirs.status_code == missing.status_code == 404
    without_token = re.compile(r'name="csrf_token" value="[^"]+"')  # the token is time-stamped
    assert without_token.sub("", theirs.text) == without_token.sub("", missing.text)
    assert browser.get(f"/reviews/{other}/documents/{round_.document_id}").status_code == 404
    browser.get("/reviews")
    assert browser.post(f"/reviews/{other}", GOOD_REVIEW | {"action": "submit"}).status_code == 404
    assert saved_review(portal, other) is None


def test_an_applicant_cannot_open_the_review_of_their_own_application(portal: Portal) -> None:
    round_ = review_round(portal)
    with portal.session() as session:
        email = session.get(Assignment, round_.reviewers[0].assignment_id).application.applicant.email
    browser = signed_in_reviewer(portal, email)
    assert browser.get(f"/reviews/{round_.reviewers[0].assignment_id}").status_code == 404


def test_a_recorded_conflict_hides_the_application_until_waived(portal: Portal) -> None:
    round_ = review_round(portal)
    reviewer = round_.reviewers[0]
    with portal.session() as session:
        assignment = session.get(Assignment, reviewer.assignment_id)
        conflict = Conflict(
            application_id=round_.application_id,
            reviewer_id=assignment.reviewer_id,
            source=ConflictSource.AUTOMATIC,
            reason="same organisation",
        )
        session.add(conflict)
        session.commit()
    browser = signed_in_reviewer(portal, reviewer.email)
    assert browser.get(f"/reviews/{reviewer.assignment_id}").status_code == 404
    with portal.session() as session:
        waived = session.scalars(select(Conflict)).one()
        waived.waived_by_id = make_person(session).id
        session.commit()
    assert browser.get(f"/reviews/{reviewer.assignment_id}").status_code == 200
