"""Responsible for setting up a review round for the reviewer-page tests (one application in joint review
with a document, and a panel of two lived-experience and two scientist reviewers, each with their task),
and for acting as one of those reviewers over HTTP."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select

from models import Application
from models.enums import AssignmentSource, DocumentPurpose, ReviewerType
from models.lifecycle import ApplicationStatus
from models.review import Assignment, Review
from services.documents import NewDocument, store_documents
from tests.support.factories import make_application, make_reviewer
from tests.web.conftest import Browser, Portal

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PANEL = (
    ReviewerType.LIVED_EXPERIENCE,
    ReviewerType.LIVED_EXPERIENCE,
    ReviewerType.SCIENTIST,
    ReviewerType.SCIENTIST,
)
GOOD_REVIEW = {
    "score_matters_to_people": "2",
    "score_shared_power": "3",
    "score_who_is_in": "cant_judge",
    "score_fair_support": "4",
    "score_sound_and_doable": "5",
    "score_learning_relationships": "3",
    "score_difference_made": "2",
    "score_overall": "3",
    "comment_for_applicant": "A warm, clear plan. Say more about how partners are paid.",
    "comment_for_panel": "Strong on shared power.",
    "conflict_after": "none",
}


@dataclass(frozen=True)
class Reviewer:
    email: str
    assignment_id: int


@dataclass(frozen=True)
class ReviewRound:
    application_id: int
    document_id: int
    reviewers: list[Reviewer]


def review_round(portal: Portal, *, due_in_days: int = 14) -> ReviewRound:
    with portal.session() as session:
        application: Application = make_application(session, status=ApplicationStatus.IN_REVIEW)
        [document] = store_documents(
            session,
            portal.app.store,
            [
                NewDocument(
                    application=application,
                    purpose=DocumentPurpose.ATTACHMENT,
                    key=f"applications/{application.id}/plan.pdf",
                    filename="plan.pdf",
                    data=PDF,
                    content_type="application/pdf",
                )
            ],
        )
        reviewers = []
        for kind in PANEL:
            person = make_reviewer(session, kind, lived_experience_areas=["dementia care"])
            assignment = Assignment(
                round_id=application.round_id,
                application_id=application.id,
                reviewer_id=person.id,
                reviewer_type=kind,
                source=AssignmentSource.SOLVER,
                due_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=due_in_days),
            )
            session.add(assignment)
            session.flush()
            reviewers.append(Reviewer(person.email, assignment.id))
        session.commit()
        return ReviewRound(application.id, document.id, reviewers)


def signed_in_reviewer(portal: Portal, email: str) -> Browser:
    browser = portal.client()
    browser.sign_in(email)
    return browser


def opened_task(portal: Portal, round_: ReviewRound, index: int = 0) -> tuple[Browser, int]:
    """Reviewer `index` signed in, having said they have no conflict."""
    reviewer = round_.reviewers[index]
    browser = signed_in_reviewer(portal, reviewer.email)
    page = f"/reviews/{reviewer.assignment_id}"
    response = browser.post(f"{page}/conflict", {"has_conflict": "no"}, from_page=page)
    assert response.status_code == 303 and response.headers["location"] == page
    return browser, reviewer.assignment_id


def saved_review(portal: Portal, assignment_id: int) -> Review | None:
    with portal.session() as session:
        return session.scalar(select(Review).where(Review.assignment_id == assignment_id))


def checked(page: str, name: str) -> str | None:
    found = re.search(rf'name="{name}" type="radio" value="([^"]+)" checked', page)
    return found.group(1) if found else None
