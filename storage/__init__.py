"""Responsible for document storage: the `DocumentStore` port, its S3 implementation and its errors."""

from storage.documents import DocumentStore, StoredObject
from storage.errors import DocumentNotFound, StorageError, StorageUnavailable
from storage.s3 import S3DocumentStore

__all__ = [
    "DocumentNotFound",
    "DocumentStore",
    "S3DocumentStore",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
]
