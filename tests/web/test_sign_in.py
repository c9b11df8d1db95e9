"""Sign-in by one-time e-mailed link, sessions and CSRF, over a real database."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from models import OutboxMessage, SignInToken
from tests.web.conftest import Portal, latest_link, make_app, make_settings
from web.app import create_app


def test_pages_need_sign_in_and_return_there_afterwards(portal: Portal) -> None:
    browser = portal.client()

    response = browser.get("/applications")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"

    browser.post("/sign-in", {"email": "amina@example.org"}, from_page="/sign-in")
    link = latest_link(portal.app.sessions, "amina@example.org", "/sign-in/")
    browser.get(link)
    response = browser.post(link)

    assert response.headers["location"] == "/applications"
    assert browser.get("/applications").status_code == 200


def test_the_link_is_e_mailed_once_and_only_its_hash_is_kept(portal: Portal) -> None:
    browser = portal.client()
    browser.post("/sign-in", {"email": "Sam@Example.org"}, from_page="/sign-in")

    link = latest_link(portal.app.sessions, "sam@example.org", "/sign-in/")
    with portal.session() as session:
        token = session.scalars(select(SignInToken)).one()
        message = session.scalars(select(OutboxMessage)).one()
    assert message.template == "sign_in_link" and "30 minutes" in message.body_text
    assert len(token.nonce_sha256) == 64 and token.nonce_sha256 not in link


def test_a_link_works_once(portal: Portal) -> None:
    first = portal.client()
    first.sign_in("once@example.org")
    link = latest_link(portal.app.sessions, "once@example.org", "/sign-in/")

    second = portal.client()
    second.get(link)
    response = second.post(link)

    assert response.status_code == 400
    assert "used already" in response.text
    assert second.get("/applications").status_code == 303


def test_tampered_and_expired_links_are_refused(portal: Portal) -> None:
    browser = portal.client()
    browser.post("/sign-in", {"email": "late@example.org"}, from_page="/sign-in")
    link = latest_link(portal.app.sessions, "late@example.org", "/sign-in/")

    response = browser.post(link[:-3] + "xyz", from_page=link)
    assert response.status_code == 400 and "not complete" in response.text

    with portal.session() as session:
        session.execute(
            update(SignInToken).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        session.commit()
    response = browser.post(link, from_page=link)
    assert response.status_code == 400 and "expired" in response.text


def test_a_form_without_its_csrf_token_is_refused(portal: Portal) -> None:
    browser = portal.client()
    browser.get("/sign-in")

    response = browser.http.post("/sign-in", data={"email": "x@example.org"})

    assert response.status_code == 400
    assert "try that again" in response.text
    with portal.session() as session:
        assert session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_bad_address_is_explained_and_kept(portal: Portal) -> None:
    browser = portal.client()

    response = browser.post("/sign-in", {"email": "not an address"}, from_page="/sign-in")

    assert response.status_code == 400
    assert 'href="#email"' in response.text and "like name@example.org" in response.text
    assert 'value="not an address"' in response.text


def test_session_cookie_is_http_only_and_same_site_lax(portal: Portal) -> None:
    browser = portal.client()

    response = browser.get("/sign-in")

    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_session_cookie_is_secure_when_the_portal_is_served_over_tls(engine: Engine, db_url: str) -> None:
    settings = make_settings(db_url, "http://127.0.0.1:1", public_url="https://apply.example.org")
    web = create_app(make_app(settings, engine), start_intake=lambda application_id: None)
    client = TestClient(web, base_url="https://apply.example.org")

    cookie = client.get("/sign-in").headers["set-cookie"].lower()

    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
