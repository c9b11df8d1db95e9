"""Sending an application from the portal starts the served `intake` deployment, whose run moves it on.

The real path: the portal's intake starter asks a Prefect server (the test harness) for a run of
`intake/intake`; `prefect serve` in its own process, as `cogrant up` serves it, picks the run up and
runs the flow in a subprocess that builds cogrant from COGRANT_* settings, like a served run does. The
deployment is served without its 5-minute schedule, so only the portal's request can move the
application on: if sending stopped starting the flow, the application would stay "submitted".
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
from prefect.settings import PREFECT_API_URL
from starlette.testclient import TestClient

from cogrant.composition import App, build_app
from cogrant.config import load_settings
from cogrant.stack.smtp import DevSMTPServer
from models import Application
from models.lifecycle import ApplicationStatus
from tests.web.conftest import PUBLIC_URL, Browser, Portal
from tests.web.journey import fill_in, open_round, start_application
from web.app import create_app

pytestmark = pytest.mark.slow

# The served deployment is cogrant's own `intake` deployment, only without its schedule.
SERVE_INTAKE = """
from prefect import serve
from flows.deployments import deployments
[intake] = [deployment for deployment in deployments() if deployment.name == "intake"]
intake.schedules = []
serve(intake)
"""


@pytest.fixture
def served_app(
    db_url: str,
    engine: object,
    s3_endpoint: str,
    smtp_server: DevSMTPServer,
    prefect_harness: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[App]:
    """Settings in the environment, as a served flow run reads them; the intake deployment served."""
    api_url = PREFECT_API_URL.value()
    settings = {
        "COGRANT_DATA_DIR": str(tmp_path),
        "COGRANT_DATABASE_URL": db_url,
        "COGRANT_S3_ENDPOINT_URL": s3_endpoint,
        "COGRANT_S3_BUCKET": "intake-from-portal",
        "COGRANT_S3_ACCESS_KEY": "moto-test",
        "COGRANT_S3_SECRET_KEY": "moto-test-secret-for-intake",
        "COGRANT_SMTP_HOST": smtp_server.host,
        "COGRANT_SMTP_PORT": str(smtp_server.port),
        "COGRANT_SECRET_KEY": "a-test-secret-that-is-long-enough-for-signing",
        "COGRANT_PREFECT_API_URL": api_url,
        "COGRANT_PUBLIC_URL": PUBLIC_URL,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    app = build_app(load_settings())
    app.store.ensure_bucket()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE_INTAKE],
        env=os.environ | {"PREFECT_API_URL": api_url, "PREFECT_RUNNER_POLL_FREQUENCY": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_deployment(server)
        yield app
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        app.close()


def _intake_runs(*, besides: set[object] = frozenset()) -> list[object]:  # type: ignore[assignment]
    """Runs of the intake deployment, leaving out `besides` (ids of runs an earlier test made)."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["intake"]))
        )
    return [run for run in runs if run.id not in besides]


def _wait_for_deployment(server: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"serving intake stopped:\n{server.stderr.read() if server.stderr else ''}")
        with get_client(sync_client=True) as client:
            names = {deployment.name for deployment in client.read_deployments()}
        if "intake" in names:
            return
        time.sleep(0.5)
    raise AssertionError("the intake deployment was not served in time")


def _status_once_moved_on(app: App, application_id: int, timeout: float = 180) -> Application:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.sessions() as session:
            application = session.get(Application, application_id)
            if application.status not in {ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING}:
                return application
        time.sleep(1)
    raise AssertionError(f"application {application_id} was still {application.status} after {timeout} s")


def _finished_intake_run(*, besides: set[object], timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [run] = _intake_runs(besides=besides)
        if run.state is not None and run.state.is_final():
            return run
        time.sleep(1)
    raise AssertionError(f"the intake run did not finish in {timeout} s")


def test_sending_an_application_starts_an_intake_run_that_moves_it_on(
    served_app: App, smtp_server: DevSMTPServer
) -> None:
    portal = Portal(served_app)
    web = create_app(served_app)  # with the portal's own intake starter, which asks Prefect for a run
    browser = Browser(TestClient(web, base_url=PUBLIC_URL, follow_redirects=False), portal)
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, open_round(portal))
    fill_in(browser, application_id)
    earlier = {run.id for run in _intake_runs()}  # the harness's server outlives a test

    check = f"/applications/{application_id}/check"
    sent = browser.post(f"/applications/{application_id}/submit", from_page=check)

    assert sent.status_code == 303 and sent.headers["location"].endswith("/sent")
    application = _status_once_moved_on(served_app, application_id)
    assert application.status == ApplicationStatus.IN_REVIEW
    assert application.acknowledged_at is not None
    run = _finished_intake_run(besides=earlier)
    assert run.parameters == {"application_ids": [application_id]}
    assert run.state is not None and run.state.is_completed(), run.state
    received = [m.parse() for m in smtp_server.wait_for(2, timeout=30)]  # the sign-in link, then this
    assert any(
        m["To"] == "amina@example.org" and m["Subject"].startswith("We have your application")
        for m in received
    )
