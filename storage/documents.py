"""Responsible for the document store port: what the rest of cogrant may ask of document storage.

Services depend on `DocumentStore` only; `storage.s3.S3DocumentStore` implements it for any S3-compatible
server, and tests may pass a small fake with the same methods. The database keeps the returned
`StoredObject` (key, size, checksum), never the bytes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO, Protocol
from urllib.parse import quote

MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # the SigV4 limit
MAX_KEY_BYTES = 1024
_UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9 ._()+-]")


@dataclass(frozen=True)
class StoredObject:
    """What was stored: the key, its size in bytes, the SHA-256 of its content (hex) and its media type."""

    key: str
    size: int
    sha256: str
    content_type: str


class DocumentStore(Protocol):
    """Where documents' bytes live. Keys are opaque paths such as `applications/42/budget.pdf`."""

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str) -> StoredObject:
        """Store `data` (bytes or a binary stream read once) under `key`, replacing what was there."""
        ...

    def get(self, key: str) -> bytes:
        """The stored bytes; raises DocumentNotFound if there are none."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a document is stored under `key`."""
        ...

    def delete(self, key: str) -> None:
        """Remove the document; deleting a missing key does nothing."""
        ...

    def presigned_download_url(self, key: str, *, expires_in: int, filename: str | None = None) -> str:
        """A URL that downloads the document without credentials for `expires_in` seconds.

        With `filename` the download is offered as an attachment of that name.
        """
        ...

    def ensure_bucket(self) -> None:
        """Create the private bucket if it is missing and make sure nothing in it is public."""
        ...


def check_key(key: str) -> None:
    """Raise ValueError unless `key` is usable as an object key on every S3-compatible server."""
    if not key or key.startswith("/"):
        raise ValueError(f"document key must be non-empty and must not start with '/': {key!r}")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise ValueError(f"document key is longer than {MAX_KEY_BYTES} bytes: {key[:60]!r}...")
    if any(ord(char) < 32 or ord(char) == 127 for char in key):
        raise ValueError(f"document key contains control characters: {key!r}")


def check_expiry(expires_in: int) -> None:
    """Raise ValueError unless `expires_in` is a lifetime a SigV4 presigned URL can have."""
    if not 1 <= expires_in <= MAX_PRESIGN_SECONDS:
        raise ValueError(f"expires_in must be between 1 and {MAX_PRESIGN_SECONDS} seconds, not {expires_in}")


def attachment_disposition(filename: str) -> str:
    """A Content-Disposition header offering a download as `filename` (RFC 6266, UTF-8 names kept).

    Path parts are dropped; the plain `filename=` fallback holds only safe ASCII characters.
    """
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "download"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = _UNSAFE_FILENAME_CHARS.sub("_", ascii_name).strip() or "download"
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header
