"""The review page over HTTP on SQLite and PostgreSQL: the application and its documents, the form's
validation, drafts and submitting, racing saves, late edits, and when other reviewers' reviews show."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request

import pytest

from models.enums import ReviewStatus
from models.errors import ConcurrentEdit
from models.lifecycle import ApplicationStatus
from models.review import Assignment
from models.schemas import ReviewDraftInput
from services.review_round import save_review
from tests.web.conftest import Portal
from tests.web.reviewing import (
    GOOD_REVIEW,
    PDF,
    checked,
    opened_task,
    review_round,
    saved_review,
    signed_in_reviewer,
)

SAVED_ELSEWHERE = "saved in another window or on another device"


def test_the_review_page_shows_the_application_and_a_short_lived_download(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = opened_task(portal, round_)
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
    browser, assignment_id = opened_task(portal, round_)
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
    assert checked(page, "score_matters_to_people") == "2"
    assert checked(page, "score_who_is_in") == "cant_judge"
    assert "Half-written thoughts</textarea>" in page
    assert saved_review(portal, assignment_id) is None


def test_a_comment_too_long_is_refused_beside_it(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = opened_task(portal, round_)
    response = browser.post(
        f"/reviews/{assignment_id}",
        {"action": "draft", "version": "0", "comment_for_panel": "x" * 5001, "score_overall": "5"},
    )
    assert response.status_code == 400
    assert '<a href="#comment_for_panel">Write no more than 5000 characters.' in response.text
    assert checked(response.text, "score_overall") == "5"
    assert saved_review(portal, assignment_id) is None


def test_a_draft_keeps_unanswered_and_cant_judge_apart_then_submits(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = opened_task(portal, round_)
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
    saved = saved_review(portal, assignment_id)
    assert saved.status == ReviewStatus.DRAFT
    assert saved.scores == {"who_is_in": None, "shared_power": 4} and saved.overall is None
    page = browser.get(f"/reviews/{assignment_id}?saved=draft").text
    assert "Your draft is saved" in page
    assert (
        checked(page, "score_who_is_in") == "cant_judge" and checked(page, "score_matters_to_people") is None
    )
    version = re.search(r'name="version" value="(\d+)"', page).group(1)

    response = browser.post(
        f"/reviews/{assignment_id}", GOOD_REVIEW | {"action": "submit", "version": version}
    )
    assert response.status_code == 303
    submitted = saved_review(portal, assignment_id)
    assert submitted.status == ReviewStatus.SUBMITTED and submitted.submitted_at is not None
    assert submitted.overall == 3 and submitted.scores["who_is_in"] is None and len(submitted.scores) == 7
    assert submitted.comment_for_applicant == GOOD_REVIEW["comment_for_applicant"]


def test_a_save_from_an_older_copy_is_refused_and_overwrites_nothing(portal: Portal) -> None:
    round_ = review_round(portal)
    first_tab, assignment_id = opened_task(portal, round_)
    second_tab = signed_in_reviewer(portal, round_.reviewers[0].email)
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
    assert checked(response.text, "score_overall") == "8" and "From the other tab</textarea>" in response.text
    saved = saved_review(portal, assignment_id)
    assert (saved.overall, saved.comment_for_panel) == (2, "")

    again = second_tab.post(f"/reviews/{assignment_id}", late | {"action": "submit", "version": "0"})
    assert again.status_code in {400, 409} and saved_review(portal, assignment_id).overall == 2
    # Having seen the message, the reviewer may choose to save their version over the saved one.
    version = re.search(r'name="version" value="(\d+)"', response.text).group(1)
    assert second_tab.post(f"/reviews/{assignment_id}", late | {"version": version}).status_code == 303
    assert saved_review(portal, assignment_id).overall == 8


def test_two_saves_racing_in_the_database_let_only_the_first_through(portal: Portal) -> None:
    round_ = review_round(portal)
    _, assignment_id = opened_task(portal, round_)
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
    assert saved_review(portal, assignment_id).overall == 2


def test_a_submitted_review_cannot_be_changed(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = opened_task(portal, round_)
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
    assert saved_review(portal, assignment_id).overall == 3


def test_edits_after_the_panel_has_closed_are_refused(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = opened_task(portal, round_)
    browser.post(f"/reviews/{assignment_id}", {"action": "draft", "version": "0", "score_overall": "4"})
    page = browser.get(f"/reviews/{assignment_id}").text  # opened while still in review
    with portal.session() as session:
        session.get(Assignment, assignment_id).application.status = ApplicationStatus.PANEL
        session.commit()
    response = browser.post(f"/reviews/{assignment_id}", GOOD_REVIEW | {"action": "submit", "version": "1"})
    assert response.status_code == 409
    assert "can only be changed while the application is in review" in response.text
    assert "Reviews of this application are closed" in response.text
    assert saved_review(portal, assignment_id).status == ReviewStatus.DRAFT and "Score each part" in page
    assert "Closed" in browser.get("/reviews").text


def test_other_reviews_show_only_after_ones_own_is_submitted_and_never_drafts(portal: Portal) -> None:
    round_ = review_round(portal)
    submitted_by_other = GOOD_REVIEW | {"comment_for_applicant": "Other reviewer: lovely film idea."}
    other, other_id = opened_task(portal, round_, 2)
    other.post(f"/reviews/{other_id}", submitted_by_other | {"action": "submit", "version": "0"})
    drafter, drafter_id = opened_task(portal, round_, 1)
    drafter.post(
        f"/reviews/{drafter_id}", {"action": "draft", "version": "0", "comment_for_panel": "DRAFT NOTE"}
    )

    browser, assignment_id = opened_task(portal, round_, 0)
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
