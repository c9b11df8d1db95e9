"""Responsible for putting files in the document store and recording them in the database.

A batch is uploaded in parallel (the S3 client is thread-safe and uploads mostly wait on the network),
then recorded; keys already recorded are neither uploaded nor recorded again, so re-runs add nothing.
A rendered document (award letter, celebration report) is kept as its HTML page and its tagged PDF.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.applications import Application, Document
from models.enums import DocumentPurpose
from services.rendering import render_pdfs
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
    recorded = {
        document.key: document
        for document in session.scalars(select(Document).where(Document.key.in_([d.key for d in documents])))
    }
    to_upload = [document for document in documents if document.key not in recorded]

    def upload(document: NewDocument) -> StoredObject:
        return store.put(document.key, document.data, content_type=document.content_type)

    with ThreadPoolExecutor(max_workers=min(UPLOAD_WORKERS, max(1, len(to_upload)))) as pool:
        stored = list(pool.map(upload, to_upload))
    for document, result in zip(to_upload, stored, strict=True):
        recorded[document.key] = Document(
            application=document.application,
            purpose=document.purpose,
            key=result.key,
            filename=document.filename,
            content_type=result.content_type,
            size=result.size,
            sha256=result.sha256,
            uploaded_by_id=document.uploaded_by_id,
        )
        session.add(recorded[document.key])
    session.flush()
    return [recorded[document.key] for document in documents]


@dataclass(frozen=True)
class RenderedPage:
    """A rendered document's HTML, to be kept as its page and its tagged PDF under `key_stem`."""

    application: Application
    purpose: DocumentPurpose
    key_stem: str
    html: str


def page_and_pdf(
    application: Application, purpose: DocumentPurpose, key_stem: str, html: str
) -> list[NewDocument]:
    """A rendered document as its HTML page and its tagged PDF, stored under `key_stem`.html and .pdf."""
    return pages_and_pdfs([RenderedPage(application, purpose, key_stem, html)])[0]


def pages_and_pdfs(pages: list[RenderedPage]) -> list[list[NewDocument]]:
    """Each page as [its HTML, its tagged PDF]; the PDFs of a batch are rendered side by side."""
    pdfs = render_pdfs([page.html for page in pages])
    return [_page_and_pdf(page, pdf) for page, pdf in zip(pages, pdfs, strict=True)]


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
