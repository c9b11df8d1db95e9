"""Responsible for the S3 servers the storage tests talk to over HTTP: moto (fast) and SeaweedFS (real).

Each runs once per test session. `store` and `backend` run a test against both; the SeaweedFS half is marked
`seaweed`, so `-m "not seaweed"` skips it.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from cogrant.stack.seaweed import SeaweedS3Server
from storage.s3 import S3DocumentStore
from tests.support.moto_server import MotoServer

SEAWEED_ACCESS_KEY = "cogrant-test"
MOTO_ACCESS_KEY = "moto-test"
MOTO_SECRET_KEY = "moto-test-secret"
BUCKET = "cogrant-test-documents"


@dataclass(frozen=True)
class S3Backend:
    """How to reach one S3 server."""

    name: str
    endpoint_url: str
    access_key: str
    secret_key: str = field(repr=False)

    def store(self, bucket: str = BUCKET) -> S3DocumentStore:
        return S3DocumentStore(
            endpoint_url=self.endpoint_url,
            bucket=bucket,
            access_key=self.access_key,
            secret_key=self.secret_key,
        )

    def ready_store(self, bucket: str = BUCKET) -> S3DocumentStore:
        """A store whose bucket exists."""
        store = self.store(bucket)
        store.ensure_bucket()
        return store


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """Endpoint URL of a moto S3 server (it accepts any credentials)."""
    with MotoServer() as server:
        yield server.endpoint_url


@pytest.fixture(scope="session")
def seaweed_secret_key() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture(scope="session")
def seaweed_server(
    tmp_path_factory: pytest.TempPathFactory, seaweed_secret_key: str
) -> Iterator[SeaweedS3Server]:
    """A running SeaweedFS with one identity: SEAWEED_ACCESS_KEY and `seaweed_secret_key`."""
    server = SeaweedS3Server(
        tmp_path_factory.mktemp("seaweed"), access_key=SEAWEED_ACCESS_KEY, secret_key=seaweed_secret_key
    )
    with server:
        yield server


@pytest.fixture(scope="session")
def moto_backend(moto_endpoint: str) -> S3Backend:
    return S3Backend("moto", moto_endpoint, access_key=MOTO_ACCESS_KEY, secret_key=MOTO_SECRET_KEY)


@pytest.fixture(scope="session")
def seaweed_backend(seaweed_server: SeaweedS3Server, seaweed_secret_key: str) -> S3Backend:
    return S3Backend(
        "seaweed", seaweed_server.endpoint_url, access_key=SEAWEED_ACCESS_KEY, secret_key=seaweed_secret_key
    )


@pytest.fixture(scope="session")
def moto_store(moto_backend: S3Backend) -> S3DocumentStore:
    return moto_backend.ready_store()


@pytest.fixture(scope="session")
def seaweed_store(seaweed_backend: S3Backend) -> S3DocumentStore:
    return seaweed_backend.ready_store()


@pytest.fixture(params=["moto", pytest.param("seaweed", marks=pytest.mark.seaweed)])
def backend(request: pytest.FixtureRequest) -> S3Backend:
    """Each S3 server in turn (the SeaweedFS one is marked `seaweed`)."""
    found: S3Backend = request.getfixturevalue(f"{request.param}_backend")
    return found


@pytest.fixture
def store(backend: S3Backend, request: pytest.FixtureRequest) -> S3DocumentStore:
    """The same document store contract on moto and on SeaweedFS (one shared bucket per server)."""
    found: S3DocumentStore = request.getfixturevalue(f"{backend.name}_store")
    return found


@pytest.fixture
def key() -> str:
    """A key no other test uses."""
    return f"tests/{uuid.uuid4().hex}/document.pdf"
