"""Responsible for keeping documents in a bucket of any S3-compatible server (AWS, SeaweedFS, MinIO, Ceph).

Every upload carries its SHA-256: small documents (up to `SINGLE_PUT_LIMIT`) in one PUT with a
full-object `ChecksumSHA256` the server verifies, plus `x-amz-meta-sha256` that `get` checks; larger
streams as a multipart upload with a checksum per part, hashed as they are read. botocore's errors are
turned into `storage.errors` here and nowhere else.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from storage.documents import StoredObject, attachment_disposition, check_expiry, check_key
from storage.errors import DocumentNotFound, StorageError, StorageUnavailable
from storage.hashing import HashingReader, read_up_to

SINGLE_PUT_LIMIT = 8 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024
SHA256_METADATA = "sha256"
# botocore keeps 10 connections by default; the portal runs up to 40 requests at once in its thread pool
# (AnyIO's default), and a request beyond the pool opens a fresh connection and throws it away after.
POOL_CONNECTIONS = 40
_NOT_FOUND_CODES = {"NoSuchKey", "404", "NotFound"}
_UNAVAILABLE_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "503", "500"}
_PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


class S3DocumentStore:
    """Documents as objects in one private bucket; `endpoint_url=None` means AWS S3 itself."""

    def __init__(
        self,
        *,
        bucket: str,
        access_key: str | None,
        secret_key: str | None,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        max_attempts: int = 3,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
    ) -> None:
        """Build the client (no request is made). Without keys boto3's default credential chain applies."""
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self._client: BaseClient = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=_client_config(
                path_style=endpoint_url is not None,
                max_attempts=max_attempts,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
            ),
        )
        self._transfer = TransferConfig(
            multipart_threshold=SINGLE_PUT_LIMIT,
            multipart_chunksize=PART_SIZE,
            max_concurrency=4,
            preferred_transfer_client="classic",
        )
        self._transfer.max_in_memory_upload_chunks = 4  # s3transfer's knob: at most 4 parts buffered

    @property
    def endpoint(self) -> str:
        """The endpoint for messages: its URL, or `AWS S3 (<region>)`."""
        return self.endpoint_url or f"AWS S3 ({self.region})"

    def __repr__(self) -> str:
        return f"S3DocumentStore(endpoint={self.endpoint!r}, bucket={self.bucket!r})"

    # -- DocumentStore -----------------------------------------------------------------------------

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str) -> StoredObject:
        """Upload `data`; a stream is read once, in chunks, and never held whole unless it is small."""
        check_key(key)
        if isinstance(data, bytes | bytearray | memoryview):
            return self._put_single(key, bytes(data), content_type=content_type)
        head = read_up_to(data, SINGLE_PUT_LIMIT)
        if len(head) < SINGLE_PUT_LIMIT:
            return self._put_single(key, head, content_type=content_type)
        return self._put_multipart(key, HashingReader(data, head=head), content_type=content_type)

    def get(self, key: str) -> bytes:
        """Download the whole document and check it against the SHA-256 recorded at upload, if any."""
        check_key(key)
        with self._translated_errors(key):
            response = self._client.get_object(Bucket=self.bucket, Key=key)
            body = response["Body"]
            try:
                data = body.read()
            finally:
                body.close()
        expected = response.get("Metadata", {}).get(SHA256_METADATA)
        if expected is not None and hashlib.sha256(data).hexdigest() != expected:
            raise StorageError(f"document {key!r} in bucket {self.bucket!r} does not match its SHA-256")
        return data

    def exists(self, key: str) -> bool:
        check_key(key)
        try:
            with self._translated_errors(key):
                self._client.head_object(Bucket=self.bucket, Key=key)
        except DocumentNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        """Remove the document; S3 treats deleting a missing key as success, and so do we."""
        check_key(key)
        with self._translated_errors(key):
            self._client.delete_object(Bucket=self.bucket, Key=key)

    def presigned_download_url(self, key: str, *, expires_in: int, filename: str | None = None) -> str:
        """Sign a GET locally (no request is made); the URL names this store's endpoint."""
        check_key(key)
        check_expiry(expires_in)
        params = {"Bucket": self.bucket, "Key": key}
        if filename is not None:
            params["ResponseContentDisposition"] = attachment_disposition(filename)
        with self._translated_errors(key):
            return self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)

    def close(self) -> None:
        """Close pooled connections, so a server being stopped is not kept waiting on idle ones."""
        self._client.close()

    def ensure_bucket(self) -> None:
        """Create the bucket if missing, then block public access (where unsupported: a private ACL)."""
        with self._translated_errors():
            if not self._bucket_exists():
                self._create_bucket()
            self._make_private()

    # -- uploads -----------------------------------------------------------------------------------

    def _put_single(self, key: str, data: bytes, *, content_type: str) -> StoredObject:
        digest = hashlib.sha256(data).digest()
        with self._translated_errors(key):
            self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                ChecksumSHA256=base64.b64encode(digest).decode("ascii"),
                Metadata={SHA256_METADATA: digest.hex()},
            )
        return StoredObject(key=key, size=len(data), sha256=digest.hex(), content_type=content_type)

    def _put_multipart(self, key: str, reader: HashingReader, *, content_type: str) -> StoredObject:
        """Multipart upload, each part checksummed; the whole-object hash is known only at the end."""
        with self._translated_errors(key):
            self._client.upload_fileobj(
                reader,  # type: ignore[arg-type]
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type, "ChecksumAlgorithm": "SHA256"},
                Config=self._transfer,
            )
        return StoredObject(key=key, size=reader.size, sha256=reader.sha256, content_type=content_type)

    # -- the bucket --------------------------------------------------------------------------------

    def _bucket_exists(self) -> bool:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if _status(error) == 404 or _code(error) in {"NoSuchBucket", "NotFound", "404"}:
                return False
            raise
        return True

    def _create_bucket(self) -> None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self._client.create_bucket(**kwargs)
        except ClientError as error:
            if _code(error) != "BucketAlreadyOwnedByYou":  # someone else created it just now
                raise

    def _make_private(self) -> None:
        try:
            self._client.put_public_access_block(
                Bucket=self.bucket, PublicAccessBlockConfiguration=_PUBLIC_ACCESS_BLOCK
            )
        except ClientError as error:
            if _code(error) != "NotImplemented" and _status(error) != 501:
                raise
            self._client.put_bucket_acl(Bucket=self.bucket, ACL="private")  # e.g. SeaweedFS

    # -- errors ------------------------------------------------------------------------------------

    @contextmanager
    def _translated_errors(self, key: str | None = None) -> Iterator[None]:
        """Turn botocore's exceptions into DocumentNotFound, StorageUnavailable or StorageError."""
        try:
            yield
        except ClientError as error:
            raise self._client_error(error, key) from error
        except (BotoConnectionError, HTTPClientError) as error:
            raise StorageUnavailable(self.endpoint, str(error)) from error
        except BotoCoreError as error:
            raise StorageError(f"document storage at {self.endpoint} failed: {error}") from error

    def _client_error(self, error: ClientError, key: str | None) -> StorageError:
        code, status = _code(error), _status(error)
        message = error.response.get("Error", {}).get("Message", "")
        operation = error.operation_name
        if key is not None and code in _NOT_FOUND_CODES:
            return DocumentNotFound(key, bucket=self.bucket)
        if code == "NoSuchBucket":
            return StorageError(
                f"bucket {self.bucket!r} does not exist at {self.endpoint}; create it with ensure_bucket()"
            )
        if status >= 500 or code in _UNAVAILABLE_CODES:
            detail = f"{operation} answered {status} {code} {message}".strip()
            return StorageUnavailable(self.endpoint, detail)
        target = f" of {key!r}" if key is not None else ""
        return StorageError(
            f"{operation}{target} in bucket {self.bucket!r} at {self.endpoint} was refused: "
            f"{status} {code} {message}".strip()
        )


def _client_config(
    *, path_style: bool, max_attempts: int, connect_timeout: float, read_timeout: float
) -> Config:
    """SigV4 always; path-style for self-hosted endpoints; checksums only where we ask for them.

    botocore's default ("when_supported") adds CRC32 trailers in aws-chunked bodies to every upload,
    which several S3-compatible servers reject; we send explicit SHA-256 checksums instead. Over plain
    HTTP botocore would also hash every body again to sign it (and the server again to check that); the
    signature covers our x-amz-checksum-sha256 header, which the server checks against the body, so the
    body is signed once, through its checksum (as botocore itself does over TLS).
    """
    return Config(
        signature_version="s3v4",
        s3={"addressing_style": "path" if path_style else "auto", "payload_signing_enabled": False},
        retries={"max_attempts": max_attempts, "mode": "standard"},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_pool_connections=POOL_CONNECTIONS,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
