"""Responsible for the reviewer's pages: their tasks, the conflict-of-interest question before opening one,
the review page (application, documents, scores and comments), and document downloads.

A task that is not the reviewer's or that they are conflicted on is "not found", like a missing one. A save
made from an older copy of the review, or after submitting or the panel closing, is refused on the page
with what was typed still in the form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models.application_pages import COPRODUCTION_QUESTIONS, PROPOSAL_SECTIONS
from models.applications import Document
from models.enums import ReviewStatus
from models.errors import ConcurrentEdit, DomainError, NotFound
from models.lifecycle import ApplicationStatus
from models.review import Assignment
from services.review_confirmation import submit_with_confirmation
from services.review_round import save_review
from services.review_tasks import declare_conflict, other_reviews, task_for, tasks_of
from services.reviewer_payments import record_review_fee
from web.forms import FormRejected, text_values
from web.pages import redirect, render
from web.portal import CurrentPerson, PostedForm, Uow, portal_of
from web.review_form import QUESTIONS, expected_version, form_values, read_submission, score_text
from web.routes.budget import CATEGORY_LABELS

router = APIRouter()
SAVED_ELSEWHERE = (
    "This review was saved in another window or on another device after you opened it, so your changes "
    "were not saved and nothing was overwritten. Your changes are below: check them against the saved "
    "version (open the review again to see it), then save again if you want yours to replace it."
)


@router.get("/reviews", response_class=HTMLResponse)
def task_list(request: Request, uow: Uow, person: CurrentPerson) -> Response:
    is_reviewer = person.reviewer_profile is not None
    return render(request, "reviews.html", tasks=tasks_of(uow.session, person), is_reviewer=is_reviewer)


def _show_review(request: Request, uow: Uow, assignment: Assignment, **context: Any) -> HTMLResponse:
    review = assignment.review
    context.setdefault("values", form_values(review))
    return render(
        request,
        "review.html",
        assignment=assignment,
        application=assignment.application,
        review=review,
        editable=assignment.application.status == ApplicationStatus.IN_REVIEW
        and (review is None or review.status != ReviewStatus.SUBMITTED),
        others=other_reviews(uow.session, assignment),
        questions=QUESTIONS,
        score_text=score_text,
        sections=PROPOSAL_SECTIONS,
        coproduction=COPRODUCTION_QUESTIONS,
        categories=CATEGORY_LABELS,
        saved=request.query_params.get("saved"),
        **context,
    )


@router.get("/reviews/{assignment_id}", response_class=HTMLResponse)
def review_page(request: Request, assignment_id: int, uow: Uow, person: CurrentPerson) -> Response:
    assignment = task_for(uow.session, person, assignment_id)
    if assignment.conflict_declared_at is None:
        return render(
            request, "review_conflict.html", assignment=assignment, application=assignment.application
        )
    return _show_review(request, uow, assignment)


@router.post("/reviews/{assignment_id}/conflict")
def conflict_answer(
    request: Request, assignment_id: int, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    assignment = task_for(uow.session, person, assignment_id)
    values = text_values(form)
    answer, reason = values.get("has_conflict", ""), values.get("conflict_reason", "")
    errors = {}
    if answer not in {"yes", "no"}:
        errors["has_conflict"] = "Say whether you have a conflict of interest with this application."
    elif answer == "yes" and not reason:
        errors["conflict_reason"] = "Say in a few words what the conflict is."
    elif len(reason) > 2000:
        errors["conflict_reason"] = "Write no more than 2000 characters."
    if errors:
        return render(
            request,
            "review_conflict.html",
            status_code=400,
            assignment=assignment,
            application=assignment.application,
            errors=errors,
            values=values,
        )
    declare_conflict(
        uow.session,
        person,
        assignment_id,
        has_conflict=answer == "yes",
        reason=reason,
        notifier=portal_of(request).app.notifier,
    )
    uow.commit()
    return redirect("/reviews?declared=1" if answer == "yes" else f"/reviews/{assignment_id}")


def _declared_task(uow: Uow, person: CurrentPerson, assignment_id: int) -> Assignment:
    assignment = task_for(uow.session, person, assignment_id)
    if assignment.conflict_declared_at is None:
        raise NotFound("the reviewer has not answered the conflict-of-interest question yet")
    return assignment


@router.post("/reviews/{assignment_id}")
def save(request: Request, assignment_id: int, form: PostedForm, uow: Uow, person: CurrentPerson) -> Response:
    assignment = _declared_task(uow, person, assignment_id)
    values = text_values(form)
    submit = values.get("action") == "submit"
    try:
        review, confirmation = read_submission(values, submit=submit)
        if confirmation is None:
            save_review(
                uow.session,
                assignment.id,
                review,
                reviewer_id=person.id,
                submit=False,
                expected_version=expected_version(values),
            )
        else:
            submitted = submit_with_confirmation(
                uow.session,
                assignment.id,
                review,
                reviewer=person,
                has_conflict=confirmation.has_conflict,
                conflict_reason=confirmation.reason,
                expected_version=expected_version(values),
                notifier=portal_of(request).app.notifier,
            )
            if submitted.status == ReviewStatus.SUBMITTED:
                record_review_fee(uow.session, submitted)
        uow.commit()
    except FormRejected as rejected:
        return _show_review(request, uow, assignment, status_code=400, errors=rejected.errors, values=values)
    except (ConcurrentEdit, StaleDataError, IntegrityError):
        uow.session.rollback()
        current = uow.session.get(Assignment, assignment_id)
        values["version"] = str(current.review.version if current and current.review else 0)
        errors = {"form": SAVED_ELSEWHERE}
        return _show_review(request, uow, current, status_code=409, errors=errors, values=values)
    except DomainError as refused:
        uow.session.rollback()
        errors = {"form": f"Your changes were not saved: {refused}."}
        return _show_review(request, uow, assignment, status_code=409, errors=errors, values=values)
    if confirmation is not None and confirmation.has_conflict:
        return redirect("/reviews?declared=after")
    return redirect(f"/reviews/{assignment_id}?saved={'submitted' if submit else 'draft'}")


@router.get("/reviews/{assignment_id}/documents/{document_id}")
def download(
    request: Request, assignment_id: int, document_id: int, uow: Uow, person: CurrentPerson
) -> RedirectResponse:
    assignment = _declared_task(uow, person, assignment_id)
    document = uow.session.get(Document, document_id)
    if document is None or document.application_id != assignment.application_id:
        raise NotFound(f"no document {document_id} in this review task")
    portal = portal_of(request)
    url = portal.download_store.presigned_download_url(
        document.key, expires_in=portal.app.settings.presign_seconds, filename=document.filename
    )
    return RedirectResponse(url, status_code=303)
