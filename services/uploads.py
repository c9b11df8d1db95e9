"""Responsible for accepting an applicant's file: size limits, what the content really is, then the store.

The type is read from the file's first bytes (and, for DOCX and ODT, the ZIP's contents), never from
its name or the browser's claim. The bytes go to the store before the database row is written, so a
store that is down leaves nothing half-saved; `discard` removes the object if the row cannot be saved.
"""

from __future__ import annotations

import contextlib
import uuid
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from models.applications import Application, Document
from models.enums import DocumentPurpose
from models.errors import CograntError
from services.documents import NewDocument, store_documents
from storage.documents import DocumentStore
from storage.errors import StorageError

ACCEPTED_KINDS = "PDF, Word (DOCX), OpenDocument (ODT), an image (JPEG, PNG, GIF, WebP), audio or video"
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


class FileRefused(CograntError):
    """The file cannot be accepted; the message says why, in plain words."""


class UploadFailed(CograntError):
    """The document store could not take the file just now; trying again may work."""


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    label: str


def _zip_kind(stream: BinaryIO) -> Sniffed | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return Sniffed(
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document"
                )
            if "mimetype" in names and archive.read("mimetype").strip() == _ODT_MIMETYPE:
                return Sniffed("application/vnd.oasis.opendocument.text", "OpenDocument text")
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    return None


def _media_kind(head: bytes) -> Sniffed | None:
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in {b"M4A ", b"M4B "}:
            return Sniffed("audio/mp4", "audio")
        return Sniffed("video/quicktime" if brand == b"qt  " else "video/mp4", "video")
    signatures = [
        (b"ID3", Sniffed("audio/mpeg", "audio")),
        (b"OggS", Sniffed("audio/ogg", "audio")),
        (b"fLaC", Sniffed("audio/flac", "audio")),
        (b"\x1a\x45\xdf\xa3", Sniffed("video/webm", "video")),
    ]
    for prefix, kind in signatures:
        if head.startswith(prefix):
            return kind
    if head[:2] in {b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"}:
        return Sniffed("audio/mpeg", "audio")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return Sniffed("audio/wav", "audio")
    return None


def sniff(stream: BinaryIO) -> Sniffed | None:
    """What the content is, from its bytes; None for anything we do not accept. Leaves `stream` at 0."""
    stream.seek(0)
    head = stream.read(64)
    stream.seek(0)
    images = [
        (b"%PDF-", Sniffed("application/pdf", "PDF")),
        (b"\x89PNG\r\n\x1a\n", Sniffed("image/png", "image")),
        (b"\xff\xd8\xff", Sniffed("image/jpeg", "image")),
        (b"GIF87a", Sniffed("image/gif", "image")),
        (b"GIF89a", Sniffed("image/gif", "image")),
    ]
    for prefix, kind in images:
        if head.startswith(prefix):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed("image/webp", "image")
    if head.startswith(b"PK\x03\x04"):
        found = _zip_kind(stream)
        stream.seek(0)
        return found
    return _media_kind(head)


def check_file(stream: BinaryIO, *, size: int, max_bytes: int) -> Sniffed:
    if size == 0:
        raise FileRefused("The file is empty. Choose the file again, or check it opens on your device.")
    if size > max_bytes:
        raise FileRefused(f"The file is bigger than {max_bytes // (1024 * 1024)} MB. Choose a smaller file.")
    kind = sniff(stream)
    if kind is None:
        raise FileRefused(f"We cannot accept this type of file. Send {ACCEPTED_KINDS}.")
    return kind


def upload_document(
    session: Session,
    store: DocumentStore,
    *,
    application: Application,
    filename: str,
    stream: BinaryIO,
    size: int,
    max_bytes: int,
    uploaded_by_id: int,
) -> Document:
    """Check the file, stream it to the store (with its SHA-256), and record it in the session."""
    kind = check_file(stream, size=size, max_bytes=max_bytes)
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "document"
    key = f"applications/{application.id}/documents/{uuid.uuid4().hex}"
    new = NewDocument(
        application=application,
        purpose=DocumentPurpose.ATTACHMENT,
        key=key,
        filename=name,
        data=stream,
        content_type=kind.content_type,
        uploaded_by_id=uploaded_by_id,
    )
    try:
        [document] = store_documents(session, store, [new])
    except StorageError as error:
        raise UploadFailed(
            "We could not save your file just now. Nothing was saved. Please try again."
        ) from error
    return document


def discard(store: DocumentStore, key: str) -> None:
    """Remove a stored object whose database row could not be saved (best effort)."""
    with contextlib.suppress(StorageError):
        store.delete(key)
