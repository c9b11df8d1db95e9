"""Conflicts found after the assignment, over HTTP on SQLite and PostgreSQL: declared before opening or
when submitting (the review kept but set aside), administrators told, and the administrators' page that
waives a conflict only with a confirmation and a reason, keeping an audit trail."""

from __future__ import annotations

from sqlalchemy import select

from models import OutboxMessage
from models.enums import ReviewStatus, Role
from models.review import Conflict
from services.people import get_or_create_person, grant_role
from tests.web.conftest import Browser, Portal
from tests.web.reviewing import GOOD_REVIEW, opened_task, review_round, saved_review, signed_in_reviewer

ADMIN = "ada.admin@example.org"


def _admin(portal: Portal) -> Browser:
    with portal.session() as session:
        grant_role(session, get_or_create_person(session, name="Ada Admin", email=ADMIN), Role.ADMINISTRATOR)
        session.commit()
    browser = portal.client()
    browser.sign_in(ADMIN)
    return browser


def _told_admin(portal: Portal) -> list[str]:
    with portal.session() as session:
        return list(
            session.scalars(
                select(OutboxMessage.body_text).where(
                    OutboxMessage.template == "conflict_declared", OutboxMessage.to_address == ADMIN
                )
            )
        )


def test_submitting_asks_again_about_conflicts(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = opened_task(portal, round_)
    unanswered = GOOD_REVIEW | {"action": "submit", "conflict_after": ""}
    response = browser.post(f"/reviews/{assignment_id}", unanswered)
    assert response.status_code == 400 and 'href="#conflict_after"' in response.text
    assert "A warm, clear plan" in response.text  # nothing typed is lost
    no_reason = GOOD_REVIEW | {"action": "submit", "conflict_after": "conflict"}
    response = browser.post(f"/reviews/{assignment_id}", no_reason)
    assert response.status_code == 400 and 'href="#conflict_after_reason"' in response.text
    assert saved_review(portal, assignment_id) is None
    draft = browser.post(
        f"/reviews/{assignment_id}", {"action": "draft", "version": "0", "score_overall": "4"}
    )
    assert draft.status_code == 303  # a draft is not asked


def test_a_conflict_declared_on_submitting_keeps_the_text_sets_the_review_aside_and_tells_administrators(
    portal: Portal,
) -> None:
    _admin(portal)
    round_ = review_round(portal)
    browser, assignment_id = opened_task(portal, round_)
    partial = {
        "action": "submit",
        "version": "0",
        "comment_for_applicant": "Half way through I saw my cousin runs it.",
        "conflict_after": "conflict",
        "conflict_after_reason": "My cousin leads the project",
    }
    response = browser.post(f"/reviews/{assignment_id}", partial)
    assert (response.status_code, response.headers["location"]) == (303, "/reviews?declared=after")
    assert "your review will not be counted" in browser.get("/reviews?declared=after").text
    review = saved_review(portal, assignment_id)
    assert review.status == ReviewStatus.SET_ASIDE
    assert review.comment_for_applicant == "Half way through I saw my cousin runs it."
    assert browser.get(f"/reviews/{assignment_id}").status_code == 404
    [mail] = _told_admin(portal)
    assert "My cousin leads the project" in mail and "not counted" in mail

    other, other_id = opened_task(portal, round_, 1)
    other.post(f"/reviews/{other_id}", GOOD_REVIEW | {"action": "submit", "version": "0"})
    assert "cousin" not in other.get(f"/reviews/{other_id}").text  # never shown to the other reviewers


def test_a_conflict_declared_before_opening_tells_administrators(portal: Portal) -> None:
    _admin(portal)
    round_ = review_round(portal)
    reviewer = round_.reviewers[0]
    browser = signed_in_reviewer(portal, reviewer.email)
    page = f"/reviews/{reviewer.assignment_id}"
    browser.post(
        f"{page}/conflict", {"has_conflict": "yes", "conflict_reason": "We share a house"}, from_page=page
    )
    [mail] = _told_admin(portal)
    assert "We share a house" in mail and "/admin/conflicts" in mail


def test_only_administrators_reach_the_conflicts_page(portal: Portal) -> None:
    round_ = review_round(portal)
    assert portal.client().get("/admin/conflicts").status_code == 404
    reviewer = signed_in_reviewer(portal, round_.reviewers[0].email)
    assert reviewer.get("/admin/conflicts").status_code == 404
    assert (
        reviewer.post("/admin/conflicts/1/waiver", {"waiver_reason_1": "x"}, from_page="/reviews").status_code
        == 404
    )


def test_a_waiver_needs_a_confirmation_and_a_reason_and_every_change_is_in_the_trail(portal: Portal) -> None:
    round_ = review_round(portal)
    reviewer = round_.reviewers[0]
    declaring = signed_in_reviewer(portal, reviewer.email)
    page = f"/reviews/{reviewer.assignment_id}"
    declaring.post(
        f"{page}/conflict", {"has_conflict": "yes", "conflict_reason": "Old colleague"}, from_page=page
    )
    with portal.session() as session:
        conflict_id = session.scalar(select(Conflict.id))
    admin = _admin(portal)
    waive = f"/admin/conflicts/{conflict_id}/waiver"

    response = admin.post(
        waive, {f"waiver_reason_{conflict_id}": "Only expert"}, from_page="/admin/conflicts"
    )
    assert response.status_code == 400
    assert f'href="#no_other_reviewer_{conflict_id}"' in response.text and "Only expert" in response.text
    response = admin.post(waive, {f"no_other_reviewer_{conflict_id}": "yes"}, from_page="/admin/conflicts")
    assert response.status_code == 400 and "Say why the conflict is waived" in response.text

    reason = {f"no_other_reviewer_{conflict_id}": "yes", f"waiver_reason_{conflict_id}": "Only expert on it"}
    assert admin.post(waive, reason, from_page="/admin/conflicts").status_code == 303
    page_text = admin.get("/admin/conflicts").text
    assert "Waived by Ada Admin" in page_text and "waiver given" in page_text
    assert declaring.get(f"/reviews/{reviewer.assignment_id}").status_code == 200  # waived: theirs again

    remove = f"/admin/conflicts/{conflict_id}/waiver/remove"
    response = admin.post(remove, {}, from_page="/admin/conflicts")
    assert response.status_code == 400 and "Say why the waiver is removed" in response.text
    assert admin.post(remove, {f"remove_reason_{conflict_id}": "A new expert joined"}).status_code == 303
    assert admin.post(remove, {f"remove_reason_{conflict_id}": "again"}).status_code == 303  # a second press
    trail = admin.get("/admin/conflicts").text.split("Audit trail")[1]
    assert trail.count("waiver removed") == 1 and "A new expert joined" in trail
    assert "recorded (declared)" in trail and ADMIN in trail
    assert declaring.get(f"/reviews/{reviewer.assignment_id}").status_code == 404
