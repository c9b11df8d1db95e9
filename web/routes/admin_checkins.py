"""Responsible for the administrators' check-in pages: check-ins waiting for approval, each one in full
(how every milestone stands, the notes, the files through short-lived links), approving it (which
releases that milestone's tranche, once, and tells the team) or asking the team for changes.

Only administrators reach these pages (`web.portal.administrator`). A second approval (a double click, a
second administrator) is refused by the service and the page says who decided first: nothing is paid twice.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from models.applications import Application
from models.awards import Award, CheckIn
from models.errors import DomainError, DuplicateAction, NotFound
from models.people import Person
from services.check_in_review import check_in_uploads, check_ins_to_review, request_check_in_changes
from services.milestones import approve_check_in
from web.forms import text_values
from web.pages import redirect, render
from web.portal import Administrator, PostedForm, Uow, portal_of
from web.routes.checkins import PROGRESS_LABELS

router = APIRouter()
NOTE = "changes_note"


def actor_of(admin: Person) -> str:
    return f"{admin.name} <{admin.email}> (portal)"


@router.get("/admin/check-ins", response_class=HTMLResponse)
def check_ins_page(
    request: Request,
    uow: Uow,
    admin: Administrator,
    approved: int | None = None,
    sent_back: int | None = None,
) -> Response:
    done = uow.session.get(CheckIn, approved or sent_back or 0)
    return render(
        request,
        "admin_checkins.html",
        waiting=check_ins_to_review(uow.session),
        done=done,
        done_kind="approved" if approved else "sent_back",
    )


def _check_in(uow: Uow, check_in_id: int) -> CheckIn:
    check_in = uow.session.get(CheckIn, check_in_id)
    if check_in is None:
        raise NotFound(f"no check-in {check_in_id}")
    return check_in


def _show(
    request: Request, uow: Uow, check_in: CheckIn, *, status_code: int = 200, **context: Any
) -> Response:
    milestones = check_in.milestone.award.milestones
    progress = [
        (m, PROGRESS_LABELS.get(check_in.milestone_progress.get(str(m.sequence), ""), "Not given"))
        for m in milestones
    ]
    return render(
        request,
        "admin_checkin.html",
        status_code=status_code,
        check_in=check_in,
        milestone=check_in.milestone,
        application=check_in.milestone.award.application,
        progress=progress,
        uploads=check_in_uploads(uow.session, check_in),
        note_field=NOTE,
        **context,
    )


@router.get("/admin/check-ins/{check_in_id}", response_class=HTMLResponse)
def check_in_page(request: Request, check_in_id: int, uow: Uow, admin: Administrator) -> Response:
    return _show(request, uow, _check_in(uow, check_in_id))


@router.get("/admin/check-ins/{check_in_id}/files/{document_id}")
def check_in_file(
    request: Request, check_in_id: int, document_id: int, uow: Uow, admin: Administrator
) -> Response:
    check_in = _check_in(uow, check_in_id)
    document = next((d for d in check_in_uploads(uow.session, check_in) if d.id == document_id), None)
    if document is None:
        raise NotFound(f"no file {document_id} in check-in {check_in_id}")
    portal = portal_of(request)
    url = portal.download_store.presigned_download_url(
        document.key, expires_in=portal.app.settings.presign_seconds, filename=document.filename
    )
    return RedirectResponse(url, status_code=303)


@router.post("/admin/check-ins/{check_in_id}/approve")
def approve(request: Request, check_in_id: int, form: PostedForm, uow: Uow, admin: Administrator) -> Response:
    check_in = _check_in(uow, check_in_id)
    try:
        approve_check_in(
            uow.session, check_in.id, actor=actor_of(admin), notifier=portal_of(request).app.notifier
        )
    except DomainError as refused:
        uow.session.rollback()
        return _show(request, uow, _check_in(uow, check_in_id), status_code=409, refused=str(refused))
    uow.commit()
    return redirect(f"/admin/check-ins?approved={check_in_id}")


@router.post("/admin/check-ins/{check_in_id}/changes")
def ask_for_changes(
    request: Request, check_in_id: int, form: PostedForm, uow: Uow, admin: Administrator
) -> Response:
    check_in = _check_in(uow, check_in_id)
    values = text_values(form)
    note = values.get(NOTE, "").strip()
    if not note:
        errors = {NOTE: "Tell the team what to change, in a few plain words."}
        return _show(request, uow, check_in, status_code=400, errors=errors, values=values)
    notifier = portal_of(request).app.notifier
    try:
        request_check_in_changes(
            uow.session, check_in.id, note=note, actor=actor_of(admin), notifier=notifier
        )
    except DuplicateAction as refused:
        uow.session.rollback()
        return _show(request, uow, _check_in(uow, check_in_id), status_code=409, refused=str(refused))
    except DomainError as refused:
        return _show(request, uow, check_in, status_code=400, errors={NOTE: str(refused)}, values=values)
    uow.commit()
    return redirect(f"/admin/check-ins?sent_back={check_in_id}")


@router.get("/admin/applications/{reference}", response_class=HTMLResponse)
def project_page(request: Request, reference: str, uow: Uow, admin: Administrator) -> Response:
    """A funded project at a glance, for administrators (the late check-in e-mail links here): terms,
    each milestone with its check-in, and the payments."""
    award = uow.session.scalar(select(Award).join(Application).where(Application.reference == reference))
    if award is None:
        raise NotFound(f"no funded project {reference}")
    return render(request, "admin_project.html", award=award, application=award.application)
