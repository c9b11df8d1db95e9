"""Responsible for the portal test fixtures: the portal over a real database (SQLite and PostgreSQL),
moto's S3 server over HTTP, and a browser-like client that signs in through the e-mailed link.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from cogrant.composition import App
from cogrant.config import Settings
from cogrant.stack.ports import free_port
from cogrant.stack.smtp import DevSMTPServer
from models import OutboxMessage
from notifications.relay import SmtpSettings, send_pending
from services.database import session_factory
from services.notify import Notifier
from storage.s3 import S3DocumentStore
from tests.support.moto_server import MotoServer
from tests.web.keyboard import activate, type_into
from web.app import create_app
from web.server import PortalServer

PUBLIC_URL = "http://testserver"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_PAGE_VERSION = re.compile(r'name="page_version" value="([^"]*)"')


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


def make_settings(db_url: str, s3_endpoint: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": db_url,
        "s3_endpoint_url": s3_endpoint,
        "s3_bucket": f"portal-{uuid.uuid4().hex[:12]}",
        "s3_access_key": "moto-test",
        "s3_secret_key": "moto-test-secret-for-portal",
        "secret_key": "a-long-test-secret-for-the-portal-tests",
        "smtp_host": "127.0.0.1",
        "public_url": PUBLIC_URL,
        "upload_max_mb": 1,
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


def make_app(settings: Settings, engine: Engine, *, smtp_port: int = 25) -> App:
    store = S3DocumentStore(
        bucket=settings.s3_bucket,
        endpoint_url=settings.s3_endpoint_url,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        max_attempts=1,
        connect_timeout=1,
    )
    return App(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        store=store,
        smtp=SmtpSettings(host="127.0.0.1", port=smtp_port, from_address=settings.mail_from),
        notifier=Notifier(
            funder_name=settings.funder_name,
            contact_email=settings.contact_email,
            public_url=settings.public_url,
        ),
    )


@dataclass
class Portal:
    """The portal under test, with the intake runs it was asked to start."""

    app: App
    started: list[int] = field(default_factory=list)

    def client(self) -> Browser:
        web = create_app(self.app, start_intake=self.started.append)
        return Browser(TestClient(web, base_url=PUBLIC_URL, follow_redirects=False), self)

    def session(self) -> Session:
        return self.app.sessions()


@dataclass
class Browser:
    """A TestClient that keeps cookies and posts forms with the CSRF token of the page they came from."""

    http: TestClient
    portal: Portal
    last_page: str = ""

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.get(path, **kwargs)
        if response.headers.get("content-type", "").startswith("text/html"):
            self.last_page = response.text
        return response

    def csrf(self) -> str:
        found = _CSRF.search(self.last_page)
        assert found, "the page has no CSRF token"
        return found.group(1)

    def post(
        self, path: str, data: dict[str, str] | None = None, *, from_page: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        if from_page is not None:
            self.get(from_page)
        form = {"csrf_token": self.csrf()} | self._page_version(path) | (data or {})
        response = self.http.post(path, data=form, **kwargs)
        if response.headers.get("content-type", "").startswith("text/html"):
            self.last_page = response.text
        return response

    def _page_version(self, path: str) -> dict[str, str]:
        """The hidden page_version a browser would send with the last page's form, if it posts to `path`."""
        found = _PAGE_VERSION.search(self.last_page)
        posts_here = f'action="{path}"' in self.last_page
        return {"page_version": found.group(1)} if found and posts_here else {}

    def sign_in(self, email: str) -> None:
        response = self.post("/sign-in", {"email": email}, from_page="/sign-in")
        assert response.status_code == 200, response.text
        link = latest_link(self.portal.app.sessions, email, "/sign-in/")
        self.get(link)
        response = self.post(link)
        assert response.status_code == 303, response.text


def latest_link(sessions: sessionmaker[Session], email: str, prefix: str) -> str:
    """The path of the newest link of this kind e-mailed to `email`, read from the outbox."""
    with sessions() as session:
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == email).order_by(OutboxMessage.id.desc())
        ).first()
    assert message is not None, f"no e-mail to {email}"
    found = re.search(re.escape(PUBLIC_URL + prefix) + r"(\S+)", message.body_text)
    assert found, message.body_text
    return prefix + found.group(1)


@pytest.fixture
def portal(engine: Engine, db_url: str, moto_s3: MotoServer) -> Iterator[Portal]:
    app = make_app(make_settings(db_url, moto_s3.endpoint_url), engine)
    app.store.ensure_bucket()
    yield Portal(app)
    app.store.close()  # type: ignore[attr-defined]


# Page tests: the portal served over HTTP with a real SMTP catcher, and Debian's Chromium.
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def served(engine: Engine, db_url: str, moto_s3: MotoServer) -> Iterator[tuple[Portal, str, DevSMTPServer]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with DevSMTPServer() as smtp:
        app = make_app(
            make_settings(db_url, moto_s3.endpoint_url, public_url=url), engine, smtp_port=smtp.port
        )
        app.store.ensure_bucket()
        portal = Portal(app)
        with PortalServer(create_app(app, start_intake=portal.started.append), host="127.0.0.1", port=port):
            yield portal, url, smtp


@pytest.fixture
def page() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make install-test installs it)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        yield browser.new_page()
        browser.close()


def mailed_link(portal: Portal, smtp: DevSMTPServer, count: int, pattern: str) -> str:
    """Relay the queued e-mails and return the first match of `pattern` in the newest one's text."""
    send_pending(portal.app.sessions, portal.app.smtp)
    message = smtp.wait_for(count, timeout=10)[-1].parse()
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(pattern, text).group(0)


def sign_in_by_keyboard(
    page: Any, portal: Portal, smtp: DevSMTPServer, url: str, email: str, *, emails_so_far: int = 0
) -> None:
    """Ask for a sign-in link on the sign-in page, open it from the e-mail and sign in, keyboard only.
    `emails_so_far`: how many e-mails the catcher holds before the link's."""
    page.goto(f"{url}/sign-in")
    type_into(page, "email", email)
    activate(page, text="Send me a link")
    page.goto(mailed_link(portal, smtp, emails_so_far + 1, rf"{re.escape(url)}/sign-in/\S+"))
    activate(page, text="Sign in")
