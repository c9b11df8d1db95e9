"""Responsible for setting up a review round for the reviewer-page tests: one application in joint review
with a document, and a panel of two lived-experience and two scientist reviewers, each with their task."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models import Application
from models.enums import AssignmentSource, DocumentPurpose, ReviewerType
from models.lifecycle import ApplicationStatus
from models.review import Assignment
from services.documents import NewDocument, store_documents
from tests.support.factories import make_application, make_reviewer
from tests.web.conftest import Portal

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
