"""Responsible for putting files in the document store and recording them in the database.

A batch is uploaded in parallel (the S3 client is thread-safe and uploads mostly wait on the network),
then recorded; keys already recorded are neither uploaded nor recorded again, so re-runs add nothing.
A rendered document (award letter, celebration report) is kept as its HTML page and its tagged PDF;
`store_pages` uploads each pair as soon as its PDF is rendered (or was, ahead of its turn: see
services.pdfs_ahead), while the PDF workers render the next.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.applications import Application, Document
from models.enums import DocumentPurpose
from services.pdfs_ahead import pdfs_in_turn
from storage.documents import DocumentStore, StoredObject

UPLOAD_WORKERS = 8


@dataclass(frozen=True)
class NewDocument:
    application: Application
    purpose: DocumentPurpose
    key: str
    filename: str
    data: bytes | BinaryIO  # a stream is read once, straight into the store
    content_type: str
    uploaded_by_id: int | None = None


def store_documents(session: Session, store: DocumentStore, documents: list[NewDocument]) -> list[Document]:
    """Upload and record each document; returns the recorded documents in the order given."""
    recorded = _recorded(session, [document.key for document in documents])
    to_upload = [document for document in documents if document.key not in recorded]
    with ThreadPoolExecutor(max_workers=min(UPLOAD_WORKERS, max(1, len(to_upload)))) as pool:
        stored = list(pool.map(lambda document: _upload(store, document), to_upload))
    for document, result in zip(to_upload, stored, strict=True):
        recorded[document.key] = _record(session, document, result)
    session.flush()
    return [recorded[document.key] for document in documents]


def _stop_if_one_failed(
    uploads: list[tuple[NewDocument, Future[StoredObject]]], *, wait: bool = False
) -> None:
    """Raise the first failed upload's error (after all of them, with `wait`), cancelling those not
    started yet: nothing more is rendered or uploaded for a batch that cannot be saved."""
    for _, upload in uploads:
        if (wait or upload.done()) and upload.exception() is not None:
            for _, other in uploads:
                other.cancel()
            raise upload.exception()  # type: ignore[misc]


def _recorded(session: Session, keys: list[str]) -> dict[str, Document]:
    return {
        document.key: document for document in session.scalars(select(Document).where(Document.key.in_(keys)))
    }


def _upload(store: DocumentStore, document: NewDocument) -> StoredObject:
    return store.put(document.key, document.data, content_type=document.content_type)


def _record(session: Session, document: NewDocument, result: StoredObject) -> Document:
    recorded = Document(
        application=document.application,
        purpose=document.purpose,
        key=result.key,
        filename=document.filename,
        content_type=result.content_type,
        size=result.size,
        sha256=result.sha256,
        uploaded_by_id=document.uploaded_by_id,
    )
    session.add(recorded)
    return recorded


@dataclass(frozen=True)
class RenderedPage:
    """A rendered document's HTML, to be kept as its page and its tagged PDF under `key_stem`."""

    application: Application
    purpose: DocumentPurpose
    key_stem: str
    html: str


def store_pages(
    session: Session, store: DocumentStore, pages: list[RenderedPage]
) -> list[tuple[Document, Document]]:
    """Render each page's tagged PDF and store the page and the PDF (as `store_documents`); returns
    (page, PDF) documents in the order given. Each pair is uploaded as soon as its PDF is ready, so the
    PDF workers go on rendering while the finished ones upload."""
    pairs = [_page_and_pdf(page, b"") for page in pages]  # the keys, before any PDF is rendered
    recorded = _recorded(session, [document.key for pair in pairs for document in pair])
    uploaded: list[tuple[NewDocument, Future[StoredObject]]] = []
    rendered = pdfs_in_turn([page.html for page in pages])
    with ThreadPoolExecutor(max_workers=UPLOAD_WORKERS) as pool, closing(rendered):
        for page, pdf in zip(pages, rendered, strict=True):
            _stop_if_one_failed(uploaded)
            for document in _page_and_pdf(page, pdf):
                if document.key not in recorded:
                    uploaded.append((document, pool.submit(_upload, store, document)))
        _stop_if_one_failed(uploaded, wait=True)
    for document, result in uploaded:
        recorded[document.key] = _record(session, document, result.result())
    session.flush()
    return [(recorded[html.key], recorded[pdf.key]) for html, pdf in pairs]


def _page_and_pdf(page: RenderedPage, pdf: bytes) -> list[NewDocument]:
    name = page.key_stem.rsplit("/", 1)[-1]
    return [
        NewDocument(
            application=page.application,
            purpose=page.purpose,
            key=f"{page.key_stem}.{extension}",
            filename=f"{name}.{extension}",
            data=data,
            content_type=content_type,
        )
        for extension, data, content_type in (
            ("html", page.html.encode(), "text/html; charset=utf-8"),
            ("pdf", pdf, "application/pdf"),
        )
    ]
