"""The "saved at the same moment" page in Debian's Chromium, keyboard only: what was typed is shown,
the page passes axe-core, and sending the answers again saves them."""

from __future__ import annotations

from typing import Any

import pytest

from cogrant.stack.smtp import DevSMTPServer
from models import Application
from tests.web.conftest import Portal, sign_in_by_keyboard
from tests.web.journey import open_round
from tests.web.keyboard import activate, choose, serious_violations, type_into
from tests.web.test_draft_saved_elsewhere import co_applicant_saves_first

EMAIL = "amina@example.org"
SUMMARY = "We will walk with carers every week and talk about what helps."


def _signed_in_with_a_new_application(page: Any, portal: Portal, url: str, smtp: DevSMTPServer) -> int:
    funding_round = open_round(portal)
    sign_in_by_keyboard(page, portal, smtp, url, EMAIL)
    page.goto(f"{url}/rounds/{funding_round.slug}/eligibility")
    for group in ("lived_experience_co_lead", "pays_partners", "within_amount", "within_duration"):
        choose(page, group)
    activate(page, text="Continue")
    return int(page.url.rsplit("/", 1)[1])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_save_at_the_same_moment_keeps_what_was_typed_in_the_browser(
    served: tuple[Portal, str, DevSMTPServer], page: Any
) -> None:
    portal, url, smtp = served
    application_id = _signed_in_with_a_new_application(page, portal, url, smtp)
    page.goto(f"{url}/applications/{application_id}/summary")
    type_into(page, "title", "Walking together")
    type_into(page, "summary", SUMMARY)

    with co_applicant_saves_first(portal, application_id, title="Their title"):
        activate(page, text="Save")

    assert "Someone else saved this at the same moment" in page.content()
    assert SUMMARY in page.inner_text("main")
    assert serious_violations(page) == []
    activate(page, text="Send my answers again")
    assert page.url.endswith(f"/applications/{application_id}/summary?saved=1")
    with portal.session() as session:
        application = session.get(Application, application_id)
        assert (application.title, application.summary) == ("Walking together", SUMMARY)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_older_tab_is_refused_in_the_browser_and_the_page_passes_axe(
    served: tuple[Portal, str, DevSMTPServer], page: Any
) -> None:
    portal, url, smtp = served
    application_id = _signed_in_with_a_new_application(page, portal, url, smtp)
    page.goto(f"{url}/applications/{application_id}/summary")  # the older tab, opened first
    other_tab = page.context.browser.new_context()  # the same signed-in browser: its cookies copied
    other_tab.add_cookies(page.context.cookies())
    newer = other_tab.new_page()
    newer.goto(f"{url}/applications/{application_id}/summary")
    type_into(newer, "title", "Newer title")
    type_into(newer, "summary", "Saved from the newer tab.")
    activate(newer, text="Save")
    assert newer.url.endswith("?saved=1")
    other_tab.close()

    type_into(page, "title", "Walking together")
    type_into(page, "summary", SUMMARY)
    activate(page, text="Save")

    assert "Saved since you opened this page" in page.content()
    assert "Saved from the newer tab." in page.inner_text("#saved-since")
    assert page.input_value("#summary") == SUMMARY  # what was typed here is kept in the form
    assert serious_violations(page) == []
    with portal.session() as session:
        assert session.get(Application, application_id).title == "Newer title"  # nothing overwritten
    activate(page, text="Save")  # saving again is a deliberate choice, and now it saves
    assert page.url.endswith(f"/applications/{application_id}/summary?saved=1")
    with portal.session() as session:
        application = session.get(Application, application_id)
        assert (application.title, application.summary) == ("Walking together", SUMMARY)
