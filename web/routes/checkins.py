"""Responsible for the check-in page: how each milestone stands, the plain-language notes, one optional
file, sent for the milestone that is due.

A check-in is sent once per milestone: a second one (a double click, another team member) is refused
with a message saying so, and the first stays as it was. A refused page keeps everything typed; only a
chosen file has to be chosen again (browsers never send it back). The form is read as it arrives
(web.upload_form, as the documents page does): the same size limit, CSRF check before any file byte is
kept, and content sniffing.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from models.applications import Application, Document
from models.awards import Award, Milestone
from models.enums import MilestoneProgress
from models.errors import AccessDenied, DuplicateAction, NotFound
from models.lifecycle import ApplicationStatus
from models.schemas import CheckInInput
from services.milestones import Upload, awaits_check_in, submit_check_in
from services.project_team import VIEW_ONLY_MESSAGE, project_for
from services.uploads import ACCEPTED_KINDS, FileRefused, check_file, discard
from storage.errors import StorageError
from web.forms import FormRejected, non_empty, text_values, validated
from web.pages import redirect, render
from web.portal import CurrentPerson, Uow, portal_of
from web.routes.project import award_of
from web.upload_form import UploadedFile, UploadForm, posted_upload

router = APIRouter()
FILE_FIELD = "upload"
PostedCheckIn = Annotated[UploadForm, Depends(posted_upload(FILE_FIELD))]
NOTES = ("note", "involvement_changed", "still_missing", "fed_back")
PROGRESS_LABELS = {
    MilestoneProgress.COMPLETED: "Completed",
    MilestoneProgress.IN_PROGRESS: "In progress",
    MilestoneProgress.NOT_STARTED: "Not started",
    MilestoneProgress.DELAYED: "Delayed",
    MilestoneProgress.DROPPED: "Dropped (we will not do this now)",
}


def radio_name(milestone: Milestone) -> str:
    return f"milestone_{milestone.sequence}"


def due_milestone(award: Award) -> Milestone | None:
    """The earliest milestone without a check-in, or whose check-in we asked to change: the one the team
    reports on next."""
    return next((milestone for milestone in award.milestones if awaits_check_in(milestone)), None)


def _last_known_progress(award: Award) -> dict[str, str]:
    """Each milestone as the latest check-in left it, so the team only changes what moved."""
    reported = [m.check_in for m in award.milestones if m.check_in is not None and not awaits_check_in(m)]
    if not reported:
        return {}
    latest = reported[-1].milestone_progress
    return {radio_name(m): latest[str(m.sequence)] for m in award.milestones if str(m.sequence) in latest}


def _as_sent(award: Award, milestone: Milestone) -> dict[str, str]:
    """A check-in we asked the team to change, as they sent it, so they change only what they need to."""
    sent = milestone.check_in
    progress = {radio_name(m): sent.milestone_progress.get(str(m.sequence), "") for m in award.milestones}
    return non_empty(progress | {name: getattr(sent, name) for name in NOTES})


def _show(
    request: Request, application: Application, award: Award, *, may_act: bool, **context: Any
) -> HTMLResponse:
    due = due_milestone(award) if application.status == ApplicationStatus.IN_DELIVERY else None
    revising = due is not None and due.check_in is not None
    context.setdefault("values", _as_sent(award, due) if revising else _last_known_progress(award))
    return render(
        request,
        "checkins.html",
        application=application,
        award=award,
        due=due,
        progress_options=[(str(value), label) for value, label in PROGRESS_LABELS.items()],
        radio_name=radio_name,
        accepted=ACCEPTED_KINDS,
        max_mb=portal_of(request).max_upload_bytes // (1024 * 1024),
        may_act=may_act,
        view_only_message=VIEW_ONLY_MESSAGE,
        **context,
    )


@router.get("/applications/{reference}/check-ins", response_class=HTMLResponse)
def check_ins_page(
    request: Request, reference: str, uow: Uow, person: CurrentPerson, sent: int | None = None
) -> HTMLResponse:
    project = project_for(uow.session, person, reference)
    award = award_of(uow.session, project.application)
    just_sent = next((m for m in award.milestones if m.sequence == sent and not awaits_check_in(m)), None)
    return _show(request, project.application, award, may_act=project.may_act, just_sent=just_sent)


def _answers(values: dict[str, str], award: Award, due: Milestone) -> CheckInInput:
    """The check-in from the posted answers; FormRejected (messages in page order) on bad input."""
    errors: dict[str, str] = {}
    progress: dict[int, str] = {}
    for milestone in award.milestones:
        chosen = values.get(radio_name(milestone), "")
        if chosen and chosen not in PROGRESS_LABELS:
            errors[radio_name(milestone)] = "Choose one of the options."
        elif milestone is due and not chosen:
            errors[radio_name(milestone)] = f"Choose how '{milestone.title}' is going."
        elif chosen:
            progress[milestone.sequence] = chosen
    notes = non_empty({name: values.get(name, "") for name in NOTES})
    answers = notes | {"progress": progress.pop(due.sequence, None), "milestone_progress": progress}
    try:
        checked = validated(CheckInInput, non_empty_progress(answers), shown=values)
    except FormRejected as rejected:
        for name, message in rejected.errors.items():
            errors.setdefault(radio_name(due) if name == "progress" else name, message)
        if "note" in rejected.errors and "note" not in notes:
            errors["note"] = "Tell us in a few words how the project is going."
        raise FormRejected(_in_page_order(errors, award), values) from None
    if errors:
        raise FormRejected(_in_page_order(errors, award), values)
    return checked


def non_empty_progress(answers: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in answers.items() if value is not None}


def _in_page_order(errors: dict[str, str], award: Award) -> dict[str, str]:
    order = [radio_name(milestone) for milestone in award.milestones] + list(NOTES) + [FILE_FIELD]
    return {name: errors[name] for name in order if name in errors} | {
        name: message for name, message in errors.items() if name not in order
    }


def _upload(request: Request, upload: UploadedFile | None, values: dict[str, str]) -> list[Upload]:
    if upload is None:
        return []
    stream, max_bytes = upload.file, portal_of(request).max_upload_bytes
    try:
        kind = check_file(stream, size=upload.size, max_bytes=max_bytes)  # type: ignore[arg-type]
    except FileRefused as refused:
        raise FormRejected({FILE_FIELD: str(refused)}, values) from None
    name = (upload.filename or "file").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "file"
    return [Upload(filename=name, data=stream.read(), content_type=kind.content_type)]


@router.post("/applications/{reference}/check-ins/{milestone_id}")
def send_check_in(
    request: Request, reference: str, milestone_id: int, form: PostedCheckIn, uow: Uow, person: CurrentPerson
) -> Response:
    project = project_for(uow.session, person, reference)
    if not project.may_act:
        raise AccessDenied(VIEW_ONLY_MESSAGE)
    application, show = project.application, functools.partial(_show, request, may_act=True)
    award = award_of(uow.session, application)
    milestone = next((m for m in award.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise NotFound(f"no milestone {milestone_id} in {reference}")
    if not awaits_check_in(milestone):
        return show(application, award, status_code=409, refused=milestone)
    values = text_values(form.fields)
    try:
        answers = _answers(values, award, milestone)
        uploads = _upload(request, form.file, values)
    except FormRejected as rejected:
        return show(application, award, status_code=400, errors=rejected.errors, values=rejected.values)
    store = portal_of(request).app.store
    try:
        check_in = submit_check_in(
            uow.session, milestone.id, answers, person_id=person.id, uploads=uploads, store=store
        )
    except DuplicateAction:
        return show(application, award, status_code=409, refused=milestone)
    except StorageError:
        errors = {FILE_FIELD: "We could not save your file just now. Nothing was sent. Please try again."}
        return show(application, award, status_code=400, errors=errors, values=values)
    keys = [uow.session.get(Document, document_id).key for document_id in check_in.upload_document_ids]
    try:
        uow.commit()
    except Exception:
        for key in keys:
            discard(store, key)
        raise
    return redirect(f"/applications/{reference}/check-ins?sent={milestone.sequence}")
