"""Responsible for the errors the document store raises, so callers never see botocore exceptions.

StorageError                  any failure of the document store (bad credentials, missing bucket...)
├── DocumentNotFound          no document under this key
└── StorageUnavailable        the endpoint cannot be reached or answers 5xx; retrying may help
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of every error the document store raises on purpose."""


class DocumentNotFound(StorageError):
    """No document is stored under `key`."""

    def __init__(self, key: str, *, bucket: str) -> None:
        self.key = key
        self.bucket = bucket
        super().__init__(f"no document {key!r} in bucket {bucket!r}")


class StorageUnavailable(StorageError):
    """The storage endpoint could not be reached, timed out or failed on its side (5xx)."""

    def __init__(self, endpoint: str, detail: str) -> None:
        self.endpoint = endpoint
        self.detail = detail
        super().__init__(f"document storage at {endpoint} is unavailable: {detail}")
