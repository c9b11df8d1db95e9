"""Two people saving the same draft at the same moment: the second save is refused, kindly, and keeps
what that person typed (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from models import Application
from tests.web.conftest import Portal
from tests.web.journey import open_round, start_application

MINE = {"title": "Walking with carers", "summary": "We will walk with carers every week & talk.\nLine two."}


@contextmanager
def co_applicant_saves_first(portal: Portal, application_id: int, *, title: str) -> Iterator[None]:
    """The next request that writes this application finds a co-applicant's save landed just before its
    own write: both read the same version, theirs commits first."""
    done: list[bool] = []

    def save_first(session: Session, _context: object, _instances: object) -> None:
        changed = [o for o in session.dirty if isinstance(o, Application) and o.id == application_id]
        if done or not changed:
            return
        done.append(True)
        with portal.app.unit_of_work() as uow:
            uow.session.get(Application, application_id).title = title
            uow.commit()

    event.listen(portal.app.sessions, "before_flush", save_first)
    try:
        yield
    finally:
        event.remove(portal.app.sessions, "before_flush", save_first)
    assert done, "no save of the application was attempted"


def _title(portal: Portal, application_id: int) -> str:
    with portal.session() as session:
        return session.get(Application, application_id).title


def test_a_save_refused_for_a_save_at_the_same_moment_gives_back_what_was_typed(portal: Portal) -> None:
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, open_round(portal))
    page = f"/applications/{application_id}/summary"

    with co_applicant_saves_first(portal, application_id, title="Their title"):
        response = browser.post(page, MINE, from_page=page)

    assert response.status_code == 409
    text = html.unescape(response.text)
    assert "Someone else saved this at the same moment" in text
    assert "Your changes were not saved" in text
    assert "Project title" in text and MINE["title"] in text and MINE["summary"] in text
    assert f'href="{page}"' in response.text  # open the page again to see theirs
    assert _title(portal, application_id) == "Their title"  # theirs kept, nothing of mine written

    again = browser.post(page, {"title": MINE["title"], "summary": MINE["summary"]})

    assert again.status_code == 303, again.text
    assert _title(portal, application_id) == MINE["title"]


def test_the_answers_can_be_sent_again_from_the_page_itself(portal: Portal) -> None:
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, open_round(portal))
    page = f"/applications/{application_id}/proposal"
    answers = {"lead_organisation": "Riverside Trust", "duration_months": "9", "question": "Why walk?"}

    with co_applicant_saves_first(portal, application_id, title="Their title"):
        refused = browser.post(page, answers, from_page=page)
    hidden = {
        name: html.unescape(value)
        for name, value in re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"', refused.text)
    }
    resent = browser.http.post(page, data=hidden)

    assert refused.status_code == 409 and "Lead organisation" in refused.text
    assert {name: hidden[name] for name in answers} == answers
    assert resent.status_code == 303, resent.text
    with portal.session() as session:
        application = session.get(Application, application_id)
        assert application.duration_months == 9 and application.sections["question"] == "Why walk?"
        assert application.title == "Their title"
