"""Responsible for running flows in tests: a Prefect test harness, and an App on real S3 and SMTP servers."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from prefect.testing.utilities import prefect_test_harness

from cogrant.composition import App, build_app
from cogrant.config import Settings
from cogrant.stack.embedded import StackEndpoints
from cogrant.stack.smtp import DevSMTPServer
from flows.runtime import install_app
from tests.support.moto_server import MotoServer


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with MotoServer() as server:
        yield server.endpoint_url


@pytest.fixture
def smtp_server() -> Iterator[DevSMTPServer]:
    with DevSMTPServer() as server:
        yield server


@pytest.fixture
def app(
    db_url: str, engine: object, s3_endpoint: str, smtp_server: DevSMTPServer, prefect_harness: None
) -> Iterator[App]:
    endpoints = StackEndpoints(
        database_url=db_url,
        s3_endpoint_url=s3_endpoint,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        prefect_api_url=None,
        prefect_ui_url=None,
        mail_dir="",
        owner_pid=os.getpid(),
    )
    app = build_app(Settings(), endpoints=endpoints)
    app.store.ensure_bucket()
    install_app(app)
    yield app
    install_app(None)
    app.close()
