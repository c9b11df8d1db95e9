"""Responsible for the documents page: uploads streamed to the store, downloads through short-lived links.

The upload is read off the request body as it arrives (web.upload_form): in memory up to one S3 PUT,
so a typical document never touches the portal's disk.

A file is refused before it is stored if it is empty, too big, or not what its content says it is. If
the store is down the page says "try again" and nothing is recorded; if the record cannot be saved the
stored object is removed again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from models.applications import Application, Document
from models.errors import NotFound
from services import drafts
from services.access import application_for, can_edit
from services.uploads import ACCEPTED_KINDS, FileRefused, UploadFailed, discard, upload_document
from web.pages import redirect, render
from web.portal import CurrentPerson, PostedForm, Uow, portal_of
from web.upload_form import PostedDocument

router = APIRouter()
FIELD = "document"


def _show(request: Request, application: Application, **context: Any) -> HTMLResponse:
    return render(
        request,
        "documents.html",
        application=application,
        accepted=ACCEPTED_KINDS,
        max_mb=portal_of(request).max_upload_bytes // (1024 * 1024),
        **context,
    )


@router.get("/applications/{application_id}/documents", response_class=HTMLResponse)
def documents_page(request: Request, application_id: int, uow: Uow, person: CurrentPerson) -> Response:
    application = application_for(uow.session, person, application_id, edit=True)
    drafts.require_draft(application)
    return _show(request, application)


@router.post("/applications/{application_id}/documents")
def upload(
    request: Request, application_id: int, form: PostedDocument, uow: Uow, person: CurrentPerson
) -> Response:
    portal = portal_of(request)
    application = application_for(uow.session, person, application_id, edit=True)
    drafts.require_draft(application)
    upload = form.file
    if upload is None:
        return _show(request, application, status_code=400, errors={FIELD: "Choose a file to upload."})
    try:
        document = upload_document(
            uow.session,
            portal.app.store,
            application=application,
            filename=upload.filename,
            stream=upload.file,  # type: ignore[arg-type]
            size=upload.size,
            max_bytes=portal.max_upload_bytes,
            uploaded_by_id=person.id,
        )
    except (FileRefused, UploadFailed) as refused:
        return _show(request, application, status_code=400, errors={FIELD: str(refused)})
    try:
        uow.commit()
    except Exception:
        discard(portal.app.store, document.key)
        raise
    return redirect(f"/applications/{application_id}/documents")


def _document_of(uow: Uow, application: Application, document_id: int) -> Document:
    document = uow.session.get(Document, document_id)
    if document is None or document.application_id != application.id:
        raise NotFound(f"no document {document_id} in application {application.id}")
    return document


@router.get("/applications/{application_id}/documents/{document_id}")
def download(
    request: Request, application_id: int, document_id: int, uow: Uow, person: CurrentPerson
) -> RedirectResponse:
    portal = portal_of(request)
    application = application_for(uow.session, person, application_id)
    document = _document_of(uow, application, document_id)
    url = portal.download_store.presigned_download_url(
        document.key, expires_in=portal.app.settings.presign_seconds, filename=document.filename
    )
    return RedirectResponse(url, status_code=303)


@router.post("/applications/{application_id}/documents/{document_id}/remove")
def remove(
    request: Request, application_id: int, document_id: int, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    application = application_for(uow.session, person, application_id, edit=True)
    drafts.require_draft(application)
    if not can_edit(uow.session, person, application):
        raise NotFound("no such document")
    document = _document_of(uow, application, document_id)
    key = document.key
    uow.session.delete(document)
    uow.commit()
    discard(portal_of(request).app.store, key)
    return redirect(f"/applications/{application_id}/documents")
