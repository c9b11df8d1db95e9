"""Tests of S3DocumentStore over HTTP: the contract on moto and SeaweedFS, security on SeaweedFS."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from cogrant.stack.ports import free_port
from cogrant.stack.seaweed import SeaweedS3Server
from storage import DocumentNotFound, StorageError, StorageUnavailable, StoredObject
from storage.documents import attachment_disposition
from storage.hashing import HashingReader
from storage.s3 import SINGLE_PUT_LIMIT, S3DocumentStore
from tests.storage.conftest import BUCKET, SEAWEED_ACCESS_KEY, S3Backend

PDF = "application/pdf"


class TrickleStream(io.RawIOBase):
    """A non-seekable stream that returns at most `chunk` bytes per read, like a socket."""

    def __init__(self, data: bytes, chunk: int = 65_521) -> None:
        self._data = memoryview(data)
        self._chunk = chunk
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        size = min(len(buffer), self._chunk, len(self._data) - self._position)
        buffer[:size] = self._data[self._position : self._position + size]
        self._position += size
        return size


def fetch(url: str) -> tuple[int, Message, bytes]:
    """GET without credentials or proxies; HTTP errors are returned, not raised. Headers ignore case."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _raw_client(endpoint_url: str) -> BaseClient:
    """A plain boto3 client, to do what the store will not (moto accepts any credentials)."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


# -- the contract, on both servers --------------------------------------------------------------------


def test_put_returns_size_checksum_and_type_and_get_returns_them(store: S3DocumentStore, key: str) -> None:
    data = b"%PDF-1.7 budget\n" * 100
    stored = store.put(key, data, content_type=PDF)
    sha256 = hashlib.sha256(data).hexdigest()
    assert stored == StoredObject(key=key, size=len(data), sha256=sha256, content_type=PDF)
    assert store.exists(key)
    assert store.get(key) == data


def test_putting_the_same_key_again_replaces_the_document(store: S3DocumentStore, key: str) -> None:
    store.put(key, b"first", content_type="text/plain")
    store.put(key, b"first", content_type="text/plain")
    second = store.put(key, b"second version", content_type="text/plain")
    assert second.size == len(b"second version")
    assert store.get(key) == b"second version"


def test_delete_removes_the_document_and_is_idempotent(store: S3DocumentStore, key: str) -> None:
    store.put(key, b"to be removed", content_type="text/plain")
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)
    with pytest.raises(DocumentNotFound):
        store.get(key)


def test_missing_document_is_not_found(store: S3DocumentStore, key: str) -> None:
    assert not store.exists(key)
    with pytest.raises(DocumentNotFound) as raised:
        store.get(key)
    assert raised.value.key == key
    assert key in str(raised.value)


@pytest.mark.parametrize("size", [6 * 2**20, SINGLE_PUT_LIMIT + 2**20 + 7], ids=["6MB", "multipart"])
def test_a_stream_is_hashed_while_it_is_uploaded(store: S3DocumentStore, key: str, size: int) -> None:
    data = os.urandom(size)
    stored = store.put(key, TrickleStream(data), content_type=PDF)  # type: ignore[arg-type]
    assert (stored.size, stored.sha256) == (size, hashlib.sha256(data).hexdigest())
    assert store.get(key) == data


def test_presigned_url_downloads_as_an_attachment(store: S3DocumentStore, key: str) -> None:
    store.put(key, b"signed download", content_type=PDF)
    url = store.presigned_download_url(key, expires_in=60, filename="Budget ré 2026.pdf")
    status, headers, body = fetch(url)
    assert (status, body) == (200, b"signed download")
    assert headers.get("Content-Type") == PDF
    assert headers.get("Content-Disposition") == attachment_disposition("Budget ré 2026.pdf")


def test_presigned_url_without_filename_serves_the_document(store: S3DocumentStore, key: str) -> None:
    store.put(key, b"inline", content_type="text/plain")
    status, headers, body = fetch(store.presigned_download_url(key, expires_in=60))
    assert (status, body) == (200, b"inline")
    assert headers.get("Content-Disposition") is None


def test_ensure_bucket_creates_a_bucket_once_and_it_is_usable(backend: S3Backend) -> None:
    fresh = backend.store(bucket=f"cogrant-{uuid.uuid4().hex[:12]}")
    fresh.ensure_bucket()
    fresh.ensure_bucket()
    assert fresh.put("a.txt", b"a", content_type="text/plain").size == 1


def test_writing_to_a_missing_bucket_says_so(backend: S3Backend) -> None:
    missing = backend.store(bucket=f"missing-{uuid.uuid4().hex[:12]}")
    with pytest.raises(StorageError, match="does not exist") as raised:
        missing.put("a.txt", b"a", content_type="text/plain")
    assert not isinstance(raised.value, DocumentNotFound)


def test_bad_keys_and_lifetimes_are_refused_before_any_request(store: S3DocumentStore) -> None:
    for bad in ["", "/absolute", "line\nbreak", "x" * 1025]:
        with pytest.raises(ValueError):
            store.put(bad, b"", content_type="text/plain")
    for lifetime in [0, 7 * 24 * 3600 + 1]:
        with pytest.raises(ValueError):
            store.presigned_download_url("a.txt", expires_in=lifetime)


def test_a_document_no_longer_matching_its_checksum_is_refused(moto_store: S3DocumentStore, key: str) -> None:
    raw = _raw_client(moto_store.endpoint_url)
    raw.put_object(Bucket=BUCKET, Key=key, Body=b"tampered", Metadata={"sha256": "0" * 64})
    with pytest.raises(StorageError, match="does not match its SHA-256"):
        moto_store.get(key)


def test_moto_bucket_blocks_public_access(moto_store: S3DocumentStore) -> None:
    raw = _raw_client(moto_store.endpoint_url)
    config = raw.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(config.values()) and len(config) == 4


# -- an endpoint that is down -------------------------------------------------------------------------


def test_an_endpoint_that_is_down_is_reported_as_unavailable_naming_it() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    down = S3DocumentStore(
        endpoint_url=endpoint, bucket=BUCKET, access_key="k", secret_key="s", max_attempts=1
    )
    calls = [
        lambda: down.put("a.txt", b"a", content_type="text/plain"),
        lambda: down.put("a.txt", io.BytesIO(b"a"), content_type="text/plain"),
        lambda: down.get("a.txt"),
        lambda: down.exists("a.txt"),
        lambda: down.delete("a.txt"),
        down.ensure_bucket,
    ]
    for call in calls:
        with pytest.raises(StorageUnavailable, match=endpoint):
            call()


class _Failing(BaseHTTPRequestHandler):
    """Answers every request with 503, as an overloaded or broken S3 server would."""

    def _fail(self) -> None:
        body = b"<Error><Code>ServiceUnavailable</Code><Message>down for maintenance</Message></Error>"
        self.send_response(503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_HEAD = do_DELETE = _fail

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_server_error_is_reported_as_unavailable() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        failing = S3DocumentStore(
            endpoint_url=endpoint, bucket=BUCKET, access_key="k", secret_key="s", max_attempts=1
        )
        with pytest.raises(StorageUnavailable, match=r"503.*down for maintenance"):
            failing.get("a.txt")
        with pytest.raises(StorageUnavailable, match="503"):
            failing.exists("a.txt")
    finally:
        server.shutdown()
        server.server_close()


# -- SeaweedFS: credentials and signatures are enforced ---------------------------------------------------


@pytest.mark.seaweed
def test_seaweed_refuses_anonymous_reads_of_the_bucket(seaweed_store: S3DocumentStore, key: str) -> None:
    seaweed_store.put(key, b"private", content_type="text/plain")
    assert fetch(f"{seaweed_store.endpoint_url}/{BUCKET}/{key}")[0] == 403
    assert fetch(f"{seaweed_store.endpoint_url}/{BUCKET}")[0] == 403


@pytest.mark.seaweed
@pytest.mark.parametrize("access_key", [SEAWEED_ACCESS_KEY, "someone-else"])
def test_seaweed_refuses_wrong_credentials(
    seaweed_server: SeaweedS3Server, key: str, access_key: str
) -> None:
    intruder = S3DocumentStore(
        endpoint_url=seaweed_server.endpoint_url,
        bucket=BUCKET,
        access_key=access_key,
        secret_key="wrong-secret",
    )
    with pytest.raises(StorageError, match="403") as raised:
        intruder.put(key, b"x", content_type="text/plain")
    assert not isinstance(raised.value, StorageUnavailable | DocumentNotFound)


@pytest.mark.seaweed
def test_seaweed_refuses_a_tampered_presigned_url(seaweed_store: S3DocumentStore, key: str) -> None:
    other_key = key.replace("document", "other")
    seaweed_store.put(key, b"one", content_type="text/plain")
    seaweed_store.put(other_key, b"two", content_type="text/plain")
    url = seaweed_store.presigned_download_url(key, expires_in=60, filename="one.txt")
    assert fetch(url)[0] == 200

    signature_at = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    flipped = "1" if url[signature_at] != "1" else "2"
    tampered = {
        "signature": url[:signature_at] + flipped + url[signature_at + 1 :],
        "key": url.replace(key, other_key),
        "filename": url.replace("one.txt", "evil.html"),
        "lifetime": url.replace("X-Amz-Expires=60", "X-Amz-Expires=604800"),
    }
    for what, bad_url in tampered.items():
        status, _, body = fetch(bad_url)
        assert status == 403, what
        assert b"two" not in body and b"one" not in body


@pytest.mark.seaweed
def test_seaweed_refuses_a_body_changed_after_signing(seaweed_store: S3DocumentStore, key: str) -> None:
    """The body is signed through its SHA-256 checksum header (not hashed a second time for the signature),
    so the server must refuse a body that does not match it."""

    def swap_body(request: Any, **_: object) -> None:
        body = request.body if isinstance(request.body, bytes) else request.body.read()
        request.body = b"forged!" + body[7:]

    seaweed_store._client.meta.events.register("before-send.s3.PutObject", swap_body)
    try:
        with pytest.raises(StorageError, match="BadDigest"):
            seaweed_store.put(key, b"the applicant's own words", content_type="text/plain")
    finally:
        seaweed_store._client.meta.events.unregister("before-send.s3.PutObject", swap_body)
    assert not seaweed_store.exists(key)


@pytest.mark.seaweed
def test_seaweed_refuses_an_expired_presigned_url(seaweed_store: S3DocumentStore, key: str) -> None:
    seaweed_store.put(key, b"short-lived", content_type="text/plain")
    url = seaweed_store.presigned_download_url(key, expires_in=1)
    time.sleep(2.5)
    status, _, body = fetch(url)
    assert status == 403
    assert b"short-lived" not in body


# -- pure helpers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("budget.pdf", 'attachment; filename="budget.pdf"'),
        ("../../etc/passwd", 'attachment; filename="passwd"'),
        ('say "hi".txt', "attachment; filename=\"say _hi_.txt\"; filename*=UTF-8''say%20%22hi%22.txt"),
        ("Plan é.pdf", "attachment; filename=\"Plan e.pdf\"; filename*=UTF-8''Plan%20%C3%A9.pdf"),
        ("C:\\Users\\me\\cv.docx", 'attachment; filename="cv.docx"'),
    ],
)
def test_attachment_disposition(filename: str, header: str) -> None:
    assert attachment_disposition(filename) == header


def test_hashing_reader_yields_head_then_stream_and_hashes_everything() -> None:
    reader = HashingReader(TrickleStream(b"cdefgh", chunk=1), head=b"ab")  # type: ignore[arg-type]
    assert reader.read(3) == b"abc"
    assert reader.read(-1) == b"defgh"
    assert reader.read(4) == b""
    assert (reader.size, reader.sha256) == (8, hashlib.sha256(b"abcdefgh").hexdigest())
    assert not reader.seekable()
