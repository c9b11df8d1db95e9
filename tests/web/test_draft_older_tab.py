"""A save from an older copy of a writing page (another tab, a co-applicant saved since) is refused with
what was typed kept and the newer answers shown; nothing saved is lost (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import re

import httpx

from models import Application
from tests.web.conftest import Browser, Portal
from tests.web.journey import PROPOSAL, open_round, start_application

OLDER = {"title": "Walking with carers", "summary": "We will walk with carers every week and talk."}
NEWER = {"title": "Walking and talking", "summary": "Carers and their families walk together each week."}


def _hidden(page_text: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page_text)
    assert found, f"no hidden {name} on the page"
    return html.unescape(found.group(1))


def _save_from(browser: Browser, tab: str, path: str, answers: dict[str, str]) -> httpx.Response:
    """Post `answers` with the hidden fields of `tab`, a copy of the page opened earlier."""
    form = {"csrf_token": _hidden(tab, "csrf_token"), "page_version": _hidden(tab, "page_version")}
    return browser.http.post(path, data=form | answers)


def _draft(portal: Portal) -> tuple[Browser, int]:
    browser = portal.client()
    browser.sign_in("amina@example.org")
    return browser, start_application(browser, open_round(portal))


def _saved(portal: Portal, application_id: int) -> Application:
    with portal.session() as session:
        application = session.get(Application, application_id)
        session.expunge(application)
        return application


def test_an_older_tab_cannot_overwrite_newer_answers_and_keeps_what_was_typed(portal: Portal) -> None:
    browser, application_id = _draft(portal)
    path = f"/applications/{application_id}/summary"
    older_tab = browser.get(path).text
    assert browser.post(path, NEWER, from_page=path).status_code == 303  # saved in a newer tab

    refused = _save_from(browser, older_tab, path, OLDER)

    assert refused.status_code == 409
    text = html.unescape(refused.text)
    assert "This page was saved again after you opened it" in text
    assert "We have not saved your changes, so nothing was overwritten" in text
    assert '<a href="#saved-since">' in refused.text and 'id="saved-since"' in refused.text
    saved_since = text[text.index('id="saved-since"') : text.index("</dl>")]
    assert NEWER["title"] in saved_since and NEWER["summary"] in saved_since
    assert f'value="{OLDER["title"]}"' in text and f">{OLDER['summary']}</textarea>" in text
    assert _saved(portal, application_id).title == NEWER["title"]

    again = _save_from(browser, refused.text, path, OLDER)  # having seen theirs, keep mine

    assert again.status_code == 303, again.text
    assert _saved(portal, application_id).title == OLDER["title"]


def test_a_co_applicant_in_another_browser_is_refused_the_same_way(portal: Portal) -> None:
    browser, application_id = _draft(portal)
    path = f"/applications/{application_id}/proposal"
    other_device = portal.client()
    other_device.sign_in("amina@example.org")
    older_tab = other_device.get(path).text
    assert browser.post(path, PROPOSAL, from_page=path).status_code == 303

    refused = _save_from(other_device, older_tab, path, PROPOSAL | {"plan": "A different plan."})

    assert refused.status_code == 409
    assert "A different plan.</textarea>" in refused.text
    assert _saved(portal, application_id).sections["plan"] == PROPOSAL["plan"]


def test_saving_one_page_does_not_hold_up_another_page_opened_before(portal: Portal) -> None:
    browser, application_id = _draft(portal)
    proposal = f"/applications/{application_id}/proposal"
    proposal_tab = browser.get(proposal).text
    summary = f"/applications/{application_id}/summary"
    assert browser.post(summary, NEWER, from_page=summary).status_code == 303

    saved = _save_from(browser, proposal_tab, proposal, PROPOSAL)

    assert saved.status_code == 303, saved.text
    application = _saved(portal, application_id)
    assert application.title == NEWER["title"] and application.sections["plan"] == PROPOSAL["plan"]


def test_a_rejected_save_keeps_the_version_it_was_opened_with(portal: Portal) -> None:
    browser, application_id = _draft(portal)
    path = f"/applications/{application_id}/summary"
    opened = browser.get(path).text
    rejected = _save_from(browser, opened, path, {"title": "Wa", "summary": "Too short"})
    assert rejected.status_code == 400
    assert _hidden(rejected.text, "page_version") == _hidden(opened, "page_version")
    other_device = portal.client()
    other_device.sign_in("amina@example.org")
    assert other_device.post(path, NEWER, from_page=path).status_code == 303

    corrected = _save_from(browser, rejected.text, path, OLDER)

    assert corrected.status_code == 409
    assert _saved(portal, application_id).title == NEWER["title"]


def test_a_missing_or_altered_version_is_refused(portal: Portal) -> None:
    browser, application_id = _draft(portal)
    path = f"/applications/{application_id}/coproduction"
    page = browser.get(path).text
    token = _hidden(page, "csrf_token")
    answers = {"shared_power": "Partners decide together."}

    missing = browser.http.post(path, data={"csrf_token": token} | answers)
    altered = browser.http.post(path, data={"csrf_token": token, "page_version": "0" * 20} | answers)

    assert missing.status_code == altered.status_code == 409
    assert not _saved(portal, application_id).coproduction_answers.get("shared_power")


def test_an_older_tab_that_changes_nothing_saved_since_is_accepted(portal: Portal) -> None:
    browser, application_id = _draft(portal)
    path = f"/applications/{application_id}/summary"
    older_tab = browser.get(path).text
    assert browser.post(path, NEWER, from_page=path).status_code == 303

    same = _save_from(browser, older_tab, path, NEWER)

    assert same.status_code == 303, same.text
    assert _saved(portal, application_id).summary == NEWER["summary"]
