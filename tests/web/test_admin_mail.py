"""The administrators' mailbox pages, on SQLite and PostgreSQL, with real SMTP servers on loopback: only
administrators get in; caught e-mails are readable with their HTML sandboxed; a failed e-mail can be
queued again to a corrected address, once."""

from __future__ import annotations

import re
import smtplib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from cogrant.stack.ports import DEFAULT_HOST, free_port
from cogrant.stack.smtp import DevSMTPServer, Mailbox
from models import OutboxMessage
from models.enums import OutboxStatus, Role
from notifications.mailbox import caught_messages
from notifications.outbox import enqueue
from notifications.relay import RelayReport, send_pending
from services.people import get_or_create_person, grant_role
from tests.notifications.conftest import RefusingHandler, sample_contexts
from tests.web.conftest import Browser, Portal

ADMIN = "alex.admin@example.org"
WRONG = "amina@exmaple.org"
HOSTILE_HTML = (
    '<html><body><p>Hello</p><script>document.title="owned"</script>'
    '<img src="x" onerror="alert(1)">"></iframe><b>bold</b></body></html>'
)


@pytest.fixture
def catcher(portal: Portal, tmp_path: Path) -> Iterator[DevSMTPServer]:
    """The catcher `cogrant up` runs, saving files, with the portal's mailbox pointed at its folder."""
    with DevSMTPServer(mail_dir=tmp_path / "mail") as server:
        portal.app.mail_dir = server.mail_dir
        portal.app.smtp = replace(portal.app.smtp, port=server.port)
        yield server


@pytest.fixture
def refusing(portal: Portal) -> Iterator[Callable[[], RelayReport]]:
    """`deliver()` sends what is queued through a server that refuses WRONG for good (550)."""
    port = free_port()
    controller = Controller(
        RefusingHandler(Mailbox(), {WRONG: "550 5.1.1 No such domain"}),
        hostname=DEFAULT_HOST,
        port=port,
        server_hostname="localhost",
    )
    controller.start()
    yield lambda: send_pending(portal.app.sessions, replace(portal.app.smtp, port=port))
    controller.stop()


def _admin(portal: Portal) -> Browser:
    with portal.session() as session:
        grant_role(session, get_or_create_person(session, name="Alex Admin", email=ADMIN), Role.ADMINISTRATOR)
        session.commit()
    browser = portal.client()
    browser.sign_in(ADMIN)
    return browser


def _queue(portal: Portal, template: str, to: str, key: str) -> int:
    with portal.session() as session:
        message = enqueue(
            session, template=template, to_address=to, context=sample_contexts()[template], dedupe_key=key
        )
        session.commit()
        return message.id


def _failed_email(portal: Portal, deliver: Callable[[], RelayReport]) -> int:
    outbox_id = _queue(portal, "award_offered", WRONG, "award_offered:1")
    assert deliver().failed == 1
    return outbox_id


def _outbox(portal: Portal, outbox_id: int) -> OutboxMessage:
    with portal.session() as session:
        message = session.get(OutboxMessage, outbox_id)
        assert message is not None
        session.expunge(message)
        return message


def test_applicants_and_visitors_get_the_missing_page(
    portal: Portal, refusing: Callable[[], RelayReport]
) -> None:
    outbox_id = _failed_email(portal, refusing)
    visitor, applicant = portal.client(), portal.client()
    applicant.sign_in("amina@example.org")
    missing = applicant.get("/no-such-page")

    for browser in (visitor, applicant):
        for path in ("/admin/mail", "/admin/mail/caught/20261125T101010.000001-0001"):
            response = browser.get(path)
            assert response.status_code == 404 and "location" not in response.headers
            assert '<h1 class="govuk-heading-l">Page not found</h1>' in response.text
            assert "mailbox" not in response.text.lower()
    refused = applicant.post(
        f"/admin/mail/failed/{outbox_id}/queue-again", {f"to_address_{outbox_id}": "x@example.org"}
    )

    assert refused.status_code == 404 and missing.status_code == 404
    assert "Administrators' mailbox" not in applicant.get("/applications").text
    assert _outbox(portal, outbox_id).status == OutboxStatus.FAILED


def test_administrator_reads_counts_and_caught_e_mails(portal: Portal, catcher: DevSMTPServer) -> None:
    admin = _admin(portal)
    _queue(portal, "checkin_reminder", "jo@example.org", "checkin_reminder:1")
    assert send_pending(portal.app.sessions, portal.app.smtp).sent == 2  # the sign-in link and the reminder

    page = admin.get("/admin/mail")

    assert page.status_code == 200
    assert '<a class="govuk-header__link" href="/admin/mail">Administrators\' mailbox</a>' in page.text
    assert re.search(r">Sent</dt>\s*<dd class=\"govuk-summary-list__value\">2</dd>", page.text)
    newest = caught_messages(catcher.mail_dir)[0]  # type: ignore[arg-type]
    assert f'href="/admin/mail/caught/{newest.id}"' in page.text and "jo@example.org" in page.text

    message = admin.get(f"/admin/mail/caught/{newest.id}")
    assert message.status_code == 200
    assert "First community workshop" in message.text
    assert "check-in.ics" in message.text and "text/calendar" in message.text
    assert "Auto-Submitted" in message.text and "auto-generated" in message.text
    assert admin.get("/admin/mail/caught/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert admin.get("/admin/mail/caught/20261125T101010.000001-0001").status_code == 404


class _Frames(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.frames: list[dict[str, str | None]] = []
        self.scripts = 0
        self.inline_handlers = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.frames += [dict(attrs)] if tag == "iframe" else []
        self.scripts += tag == "script"
        self.inline_handlers += any(name.startswith("on") for name, _ in attrs)


def test_html_part_is_shown_sandboxed_and_never_as_part_of_the_page(
    portal: Portal, catcher: DevSMTPServer
) -> None:
    admin = _admin(portal)
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = "x@example.org", "y@example.org", "<b>Hostile</b>"
    email.set_content("Plain <script>alert(2)</script>")
    email.add_alternative(HOSTILE_HTML, subtype="html")
    with smtplib.SMTP(catcher.host, catcher.port) as client:
        client.send_message(email)
    [caught] = caught_messages(catcher.mail_dir)  # type: ignore[arg-type]

    response = admin.get(f"/admin/mail/caught/{caught.id}")

    parsed = _Frames()
    parsed.feed(response.text)
    assert parsed.scripts == 0 and parsed.inline_handlers == 0
    [frame] = parsed.frames
    assert frame["sandbox"] == ""  # no allow-scripts, no allow-same-origin
    assert frame["srcdoc"] is not None and frame["srcdoc"].strip() == HOSTILE_HTML
    assert "<script>" not in response.text and "&lt;script&gt;document.title" in response.text
    assert "&lt;b&gt;Hostile&lt;/b&gt;" in response.text


def test_queue_again_refuses_a_bad_address_beside_the_field_and_keeps_what_was_typed(
    portal: Portal, refusing: Callable[[], RelayReport]
) -> None:
    outbox_id = _failed_email(portal, refusing)
    admin = _admin(portal)
    field = f"to_address_{outbox_id}"
    page = admin.get("/admin/mail")
    assert "550 5.1.1 No such domain" in page.text and f'value="{WRONG}"' in page.text

    bad = admin.post(f"/admin/mail/failed/{outbox_id}/queue-again", {field: "amina at example.org"})
    empty = admin.post(f"/admin/mail/failed/{outbox_id}/queue-again", {field: "  "})
    no_token = admin.http.post(f"/admin/mail/failed/{outbox_id}/queue-again", data={field: "a@example.org"})

    assert bad.status_code == 400
    assert f'<p id="{field}-error" class="govuk-error-message">' in bad.text
    assert "Enter one e-mail address, like name@example.org" in bad.text
    assert f'href="#{field}"' in bad.text and 'value="amina at example.org"' in bad.text
    assert empty.status_code == 400 and "Enter the e-mail address to send it to." in empty.text
    assert no_token.status_code == 400
    message = _outbox(portal, outbox_id)
    assert (message.status, message.to_address) == (OutboxStatus.FAILED, WRONG)


def test_queue_again_twice_sends_one_e_mail_to_the_corrected_address(
    portal: Portal, refusing: Callable[[], RelayReport], catcher: DevSMTPServer
) -> None:
    outbox_id = _failed_email(portal, refusing)
    admin = _admin(portal)
    send_pending(portal.app.sessions, portal.app.smtp)  # the sign-in link
    before = len(catcher.messages)
    admin.get("/admin/mail")
    form = {f"to_address_{outbox_id}": "amina@example.org"}

    first = admin.post(f"/admin/mail/failed/{outbox_id}/queue-again", form)
    second = admin.post(f"/admin/mail/failed/{outbox_id}/queue-again", form)  # a double click
    assert send_pending(portal.app.sessions, portal.app.smtp) == RelayReport(sent=1)
    third = admin.post(f"/admin/mail/failed/{outbox_id}/queue-again", form)  # a refresh, after it went
    assert send_pending(portal.app.sessions, portal.app.smtp) == RelayReport()

    assert first.headers["location"] == f"/admin/mail?queued={outbox_id}"
    assert second.headers["location"] == third.headers["location"] == f"/admin/mail?already={outbox_id}"
    assert "will be sent again within a minute" in admin.get(first.headers["location"]).text
    assert "was not queued a second time" in admin.get(third.headers["location"]).text
    delivered = catcher.messages[before:]
    assert [m.rcpt_tos for m in delivered] == [("amina@example.org",)]
    assert _outbox(portal, outbox_id).status == OutboxStatus.SENT
    assert admin.post("/admin/mail/failed/999999/queue-again", form).status_code == 404


def test_two_administrators_queueing_the_same_e_mail_at_once_send_it_once(
    portal: Portal, refusing: Callable[[], RelayReport], catcher: DevSMTPServer
) -> None:
    outbox_id = _failed_email(portal, refusing)
    admins = [_admin(portal), _admin(portal)]
    send_pending(portal.app.sessions, portal.app.smtp)  # their sign-in links
    before = len(catcher.messages)
    forms = []
    for admin in admins:
        admin.get("/admin/mail")
        forms.append({"csrf_token": admin.csrf(), f"to_address_{outbox_id}": "amina@example.org"})
    together = threading.Barrier(2)

    def press(n: int) -> str:
        together.wait()
        response = admins[n].http.post(f"/admin/mail/failed/{outbox_id}/queue-again", data=forms[n])
        return response.headers["location"]

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(press, range(2)))

    assert outcomes == [f"/admin/mail?already={outbox_id}", f"/admin/mail?queued={outbox_id}"]
    assert send_pending(portal.app.sessions, portal.app.smtp) == RelayReport(sent=1)
    assert [m.rcpt_tos for m in catcher.messages[before:]] == [("amina@example.org",)]
