"""Responsible for putting a file in the document store and recording it in the database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.applications import Application, Document
from models.enums import DocumentPurpose
from storage.documents import DocumentStore


def store_document(
    session: Session,
    store: DocumentStore,
    *,
    application: Application,
    purpose: DocumentPurpose,
    key: str,
    filename: str,
    data: bytes,
    content_type: str,
    uploaded_by_id: int | None = None,
) -> Document:
    """Upload then record; the same key again returns the recorded document (re-runs upload nothing new)."""
    existing = session.scalar(select(Document).where(Document.key == key))
    if existing is not None:
        return existing
    stored = store.put(key, data, content_type=content_type)
    document = Document(
        application=application,
        purpose=purpose,
        key=stored.key,
        filename=filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=uploaded_by_id,
    )
    session.add(document)
    session.flush()
    return document
