"""The reviewer's pages over HTTP, on SQLite and PostgreSQL: tasks, conflicts, access, documents, the review
form's validation, racing saves, late edits, and when other reviewers' reviews become visible."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select

from models.enums import ConflictSource, ReviewStatus
from models.errors import ConcurrentEdit
from models.lifecycle import ApplicationStatus
from models.review import Assignment, Conflict, Review
from models.schemas import ReviewDraftInput
from services.review_round import save_review
from tests.support.factories import make_person
from tests.web.conftest import Browser, Portal
from tests.web.reviewing import GOOD_REVIEW, PDF, ReviewRound, review_round

SAVED_ELSEWHERE = "saved in another window or on another device"


def _reviewer(portal: Portal, email: str) -> Browser:
    browser = portal.client()
    browser.sign_in(email)
    return browser


def _open(portal: Portal, round_: ReviewRound, index: int = 0) -> tuple[Browser, int]:
    """Reviewer `index` signed in, having said they have no conflict."""
    reviewer = round_.reviewers[index]
    browser = _reviewer(portal, reviewer.email)
    page = f"/reviews/{reviewer.assignment_id}"
    response = browser.post(f"{page}/conflict", {"has_conflict": "no"}, from_page=page)
    assert response.status_code == 303 and response.headers["location"] == page
    return browser, reviewer.assignment_id


def _review(portal: Portal, assignment_id: int) -> Review | None:
    with portal.session() as session:
        return session.scalar(select(Review).where(Review.assignment_id == assignment_id))


def _checked(page: str, name: str) -> str | None:
    found = re.search(rf'name="{name}" type="radio" value="([^"]+)" checked', page)
    return found.group(1) if found else None


def test_someone_with_no_tasks_sees_a_friendly_empty_page(portal: Portal) -> None:
    with portal.session() as session:
        email = make_person(session).email
        session.commit()
    browser = _reviewer(portal, email)
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
    browser, assignment_id = _open(portal, first)
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
    browser = _reviewer(portal, reviewer.email)
    page = browser.get(f"/reviews/{reviewer.assignment_id}").text
    assert "Do you have a conflict of interest?" in page
    assert "Score each part" not in page and "plan.pdf" not in page
    download = browser.get(f"/reviews/{reviewer.assignment_id}/documents/{round_.document_id}")
    assert download.status_code == 404
    saved = browser.post(f"/reviews/{reviewer.assignment_id}", GOOD_REVIEW | {"action": "submit"})
    assert saved.status_code == 404 and _review(portal, reviewer.assignment_id) is None


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
    browser = _reviewer(portal, reviewer.email)
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
    browser = _reviewer(portal, reviewer.email)
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
    assert _review(portal, reviewer.assignment_id) is None


def test_someone_elses_task_and_a_missing_task_look_the_same(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, _ = _open(portal, round_, 0)
    other = round_.reviewers[2].assignment_id
    theirs = browser.get(f"/reviews/{other}")
    missing = browser.get("/reviews/999999")
    assert theirs.status_code == missing.status_code == 404
    without_token = re.compile(r'name="csrf_token" value="[^"]+"')  # the token is time-stamped
    assert without_token.sub("", theirs.text) == without_token.sub("", missing.text)
    assert browser.get(f"/reviews/{other}/documents/{round_.document_id}").status_code == 404
    browser.get("/reviews")
    assert browser.post(f"/reviews/{other}", GOOD_REVIEW | {"action": "submit"}).status_code == 404
    assert _review(portal, other) is None


def test_an_applicant_cannot_open_the_review_of_their_own_application(portal: Portal) -> None:
    round_ = review_round(portal)
    with portal.session() as session:
        email = session.get(Assignment, round_.reviewers[0].assignment_id).application.applicant.email
    browser = _reviewer(portal, email)
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
    browser = _reviewer(portal, reviewer.email)
    assert browser.get(f"/reviews/{reviewer.assignment_id}").status_code == 404
    with portal.session() as session:
        waived = session.scalars(select(Conflict)).one()
        waived.waived_by_id = make_person(session).id
        session.commit()
    assert browser.get(f"/reviews/{reviewer.assignment_id}").status_code == 200


def test_the_review_page_shows_the_application_and_a_short_lived_download(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = _open(portal, round_)
    page = browser.get(f"/reviews/{assignment_id}").text
    with portal.session() as session:
        application = session.get(Assignment, assignment_id).application
        expected = [application.title, application.summary, *application.sections.values()]
        expected += list(application.coproduction_answers.values())
        expected += [line.description for line in application.budget_lines]
    for text in expected:
        assert str(text).replace("'", "&#39;") in page
    for criterion in ("Shared power", "Who is in, who is missing", "Overall score"):
        assert (
            f'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{criterion}</legend>' in page
        )
    assert "1: Exceptional" in page and "9: Poor" in page and "I can&#39;t judge this" in page

    download = browser.get(f"/reviews/{assignment_id}/documents/{round_.document_id}")
    assert download.status_code == 303
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(download.headers["location"]).query)
    assert query["X-Amz-Expires"] == [str(portal.app.settings.presign_seconds)]
    assert portal.app.settings.presign_seconds <= 300
    with urllib.request.urlopen(download.headers["location"]) as fetched:
        assert fetched.read() == PDF


def test_submitting_with_questions_unanswered_explains_each_and_keeps_what_was_typed(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = _open(portal, round_)
    partial = {
        "score_matters_to_people": "2",
        "score_who_is_in": "cant_judge",
        "score_fair_support": "12",
        "comment_for_applicant": "Half-written thoughts",
        "action": "submit",
        "version": "0",
    }
    response = browser.post(f"/reviews/{assignment_id}", partial)
    assert response.status_code == 400
    page = response.text
    for field in ("score_shared_power", "score_sound_and_doable", "score_overall"):
        assert f'<a href="#{field}">' in page and f'id="{field}-error"' in page
    assert "Shared power: choose a score, or \u201cI can&#39;t judge this\u201d." in page
    assert "Overall score: choose a score." in page
    assert "Fair support and pay: choose one of the scores shown." in page
    assert _checked(page, "score_matters_to_people") == "2"
    assert _checked(page, "score_who_is_in") == "cant_judge"
    assert "Half-written thoughts</textarea>" in page
    assert _review(portal, assignment_id) is None


def test_a_comment_too_long_is_refused_beside_it(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = _open(portal, round_)
    response = browser.post(
        f"/reviews/{assignment_id}",
        {"action": "draft", "version": "0", "comment_for_panel": "x" * 5001, "score_overall": "5"},
    )
    assert response.status_code == 400
    assert '<a href="#comment_for_panel">Write no more than 5000 characters.' in response.text
    assert _checked(response.text, "score_overall") == "5"
    assert _review(portal, assignment_id) is None


def test_a_draft_keeps_unanswered_and_cant_judge_apart_then_submits(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = _open(portal, round_)
    draft = {
        "score_who_is_in": "cant_judge",
        "score_shared_power": "4",
        "comment_for_panel": "So far so good",
    }
    response = browser.post(f"/reviews/{assignment_id}", draft | {"action": "draft", "version": "0"})
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/reviews/{assignment_id}?saved=draft",
    )
    saved = _review(portal, assignment_id)
    assert saved.status == ReviewStatus.DRAFT
    assert saved.scores == {"who_is_in": None, "shared_power": 4} and saved.overall is None
    page = browser.get(f"/reviews/{assignment_id}?saved=draft").text
    assert "Your draft is saved" in page
    assert (
        _checked(page, "score_who_is_in") == "cant_judge"
        and _checked(page, "score_matters_to_people") is None
    )
    version = re.search(r'name="version" value="(\d+)"', page).group(1)

    response = browser.post(
        f"/reviews/{assignment_id}", GOOD_REVIEW | {"action": "submit", "version": version}
    )
    assert response.status_code == 303
    submitted = _review(portal, assignment_id)
    assert submitted.status == ReviewStatus.SUBMITTED and submitted.submitted_at is not None
    assert submitted.overall == 3 and submitted.scores["who_is_in"] is None and len(submitted.scores) == 7
    assert submitted.comment_for_applicant == GOOD_REVIEW["comment_for_applicant"]


def test_a_save_from_an_older_copy_is_refused_and_overwrites_nothing(portal: Portal) -> None:
    round_ = review_round(portal)
    first_tab, assignment_id = _open(portal, round_)
    second_tab = _reviewer(portal, round_.reviewers[0].email)
    first_tab.get(f"/reviews/{assignment_id}")
    second_tab.get(f"/reviews/{assignment_id}")  # both opened it before any save: version 0

    first = first_tab.post(
        f"/reviews/{assignment_id}", {"action": "draft", "version": "0", "score_overall": "2"}
    )
    assert first.status_code == 303
    late = {
        "action": "draft",
        "version": "0",
        "score_overall": "8",
        "comment_for_panel": "From the other tab",
    }
    response = second_tab.post(f"/reviews/{assignment_id}", late)
    assert response.status_code == 409
    assert SAVED_ELSEWHERE in response.text and '<a href="#form">' in response.text
    assert (
        _checked(response.text, "score_overall") == "8" and "From the other tab</textarea>" in response.text
    )
    saved = _review(portal, assignment_id)
    assert (saved.overall, saved.comment_for_panel) == (2, "")

    again = second_tab.post(f"/reviews/{assignment_id}", late | {"action": "submit", "version": "0"})
    assert again.status_code in {400, 409} and _review(portal, assignment_id).overall == 2
    # Having seen the message, the reviewer may choose to save their version over the saved one.
    version = re.search(r'name="version" value="(\d+)"', response.text).group(1)
    assert second_tab.post(f"/reviews/{assignment_id}", late | {"version": version}).status_code == 303
    assert _review(portal, assignment_id).overall == 8


def test_two_saves_racing_in_the_database_let_only_the_first_through(portal: Portal) -> None:
    round_ = review_round(portal)
    _, assignment_id = _open(portal, round_)
    with portal.session() as session:
        reviewer_id = session.get(Assignment, assignment_id).reviewer_id
        save_review(
            session, assignment_id, ReviewDraftInput(overall=5), reviewer_id=reviewer_id, submit=False
        )
        session.commit()
    with portal.session() as one, portal.session() as two:
        # Both read version 1 before either writes (held, as a request holds what it loaded).
        read = [session.get(Assignment, assignment_id).review for session in (one, two)]
        assert [review.version for review in read] == [1, 1]
        save_review(one, assignment_id, ReviewDraftInput(overall=2), reviewer_id=reviewer_id, submit=False)
        one.commit()
        with pytest.raises(ConcurrentEdit):
            save_review(
                two, assignment_id, ReviewDraftInput(overall=9), reviewer_id=reviewer_id, submit=False
            )
    assert _review(portal, assignment_id).overall == 2


def test_a_submitted_review_cannot_be_changed(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = _open(portal, round_)
    assert (
        browser.post(
            f"/reviews/{assignment_id}", GOOD_REVIEW | {"action": "submit", "version": "0"}
        ).status_code
        == 303
    )
    page = browser.get(f"/reviews/{assignment_id}").text
    assert "It can no longer be changed" in page and 'name="action"' not in page
    response = browser.post(
        f"/reviews/{assignment_id}", GOOD_REVIEW | {"action": "draft", "version": "1", "score_overall": "9"}
    )
    assert response.status_code == 409
    assert "already submitted and can no longer be changed" in response.text
    assert _review(portal, assignment_id).overall == 3


def test_edits_after_the_panel_has_closed_are_refused(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = _open(portal, round_)
    browser.post(f"/reviews/{assignment_id}", {"action": "draft", "version": "0", "score_overall": "4"})
    page = browser.get(f"/reviews/{assignment_id}").text  # opened while still in review
    with portal.session() as session:
        session.get(Assignment, assignment_id).application.status = ApplicationStatus.PANEL
        session.commit()
    response = browser.post(f"/reviews/{assignment_id}", GOOD_REVIEW | {"action": "submit", "version": "1"})
    assert response.status_code == 409
    assert "can only be changed while the application is in review" in response.text
    assert "Reviews of this application are closed" in response.text
    assert _review(portal, assignment_id).status == ReviewStatus.DRAFT and "Score each part" in page
    assert "Closed" in browser.get("/reviews").text


def test_other_reviews_show_only_after_ones_own_is_submitted_and_never_drafts(portal: Portal) -> None:
    round_ = review_round(portal)
    submitted_by_other = GOOD_REVIEW | {"comment_for_applicant": "Other reviewer: lovely film idea."}
    other, other_id = _open(portal, round_, 2)
    other.post(f"/reviews/{other_id}", submitted_by_other | {"action": "submit", "version": "0"})
    drafter, drafter_id = _open(portal, round_, 1)
    drafter.post(
        f"/reviews/{drafter_id}", {"action": "draft", "version": "0", "comment_for_panel": "DRAFT NOTE"}
    )

    browser, assignment_id = _open(portal, round_, 0)
    before = browser.get(f"/reviews/{assignment_id}").text
    assert "lovely film idea" not in before and "Other reviewers" not in before
    browser.post(f"/reviews/{assignment_id}", GOOD_REVIEW | {"action": "submit", "version": "0"})
    after = browser.get(f"/reviews/{assignment_id}").text
    assert "Other reviewer: lovely film idea." in after
    assert "Reviewer 1 (scientist reviewer)" in after and "Reviewer 2" not in after
    assert "DRAFT NOTE" not in after
    with portal.session() as session:
        others = [session.get(Assignment, r.assignment_id).reviewer for r in round_.reviewers[1:]]
    for person in others:
        assert person.name not in after and person.email not in after
    assert "dementia care" not in after
