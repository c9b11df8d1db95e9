"""From the e-mailed sign-in link to a sent application with a document, and to a submitted review,
keyboard only, in Debian's Chromium; every page the applicant or reviewer meets is scanned with axe-core
(no serious or critical violation)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from cogrant.stack.ports import free_port
from cogrant.stack.smtp import DevSMTPServer
from models import Application, Document, Review
from models.enums import ReviewStatus
from models.lifecycle import ApplicationStatus
from models.review import Assignment
from models.schemas import CRITERIA_KEYS, ReviewInput
from notifications.relay import send_pending
from services.review_round import save_review
from tests.support.moto_server import MotoServer
from tests.web.conftest import Portal, make_app, make_settings
from tests.web.journey import COPRODUCTION, PROPOSAL, open_round
from tests.web.keyboard import activate, choose, serious_violations, tab_to, type_into
from tests.web.reviewing import review_round
from web.app import create_app
from web.server import PortalServer

CHROMIUM = "/usr/bin/chromium"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EMAIL = "amina@example.org"


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


def _mailed_link(portal: Portal, smtp: DevSMTPServer, count: int, pattern: str) -> str:
    send_pending(portal.app.sessions, portal.app.smtp)
    message = smtp.wait_for(count, timeout=10)[-1].parse()
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(pattern, text).group(0)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_keyboard_only_from_e_mailed_link_to_sent_application(
    served: tuple[Portal, str, DevSMTPServer], page: Any, tmp_path: Path
) -> None:
    portal, url, smtp = served
    funding_round = open_round(portal)
    violations: list[str] = []

    def check() -> None:
        violations.extend(serious_violations(page))

    page.goto(f"{url}/rounds")
    check()
    activate(page, text=funding_round.name)
    check()
    activate(page, text="Start now")  # not signed in yet: the sign-in page, then back here
    check()
    type_into(page, "email", "not an address")
    activate(page, text="Send me a link")
    check()  # the error summary
    type_into(page, "email", EMAIL)
    activate(page, text="Send me a link")
    check()

    page.goto(_mailed_link(portal, smtp, 1, rf"{re.escape(url)}/sign-in/\S+"))
    check()
    activate(page, text="Sign in")
    assert page.url.endswith(f"/rounds/{funding_round.slug}/eligibility")
    check()
    for group in ("lived_experience_co_lead", "pays_partners", "within_amount", "within_duration"):
        choose(page, group)
    activate(page, text="Continue")
    check()  # the task list

    activate(page, text="Team and co-leads")
    type_into(page, "name", "Sam Carer")
    type_into(page, "email", "sam.carer@example.org")
    choose(page, "lived_experience")
    activate(page, text="Add co-lead")
    check()
    activate(page, text="Continue")

    activate(page, text="Plain-language summary")
    type_into(page, "title", "Walking together")
    type_into(
        page, "summary", "We walk with carers each week. We talk as we go. We see if they feel less alone."
    )
    activate(page, text="Save")
    assert "Reading age of your summary" in page.content()
    check()
    activate(page, text="Back to your application")

    activate(page, text="Your project")
    for field, value in PROPOSAL.items():
        type_into(page, field, value)
    activate(page, text="Save and continue")

    activate(page, text="Working together")
    check()
    for field, value in COPRODUCTION.items():
        type_into(page, field, value)
    activate(page, text="Save and continue")

    activate(page, text="Budget")
    choose(page, "category")
    type_into(page, "description", "Paying partners for 6 meetings")
    type_into(page, "amount", "1500")
    activate(page, text="Add line")
    check()
    activate(page, text="Continue")

    activate(page, text="Documents")
    document = tmp_path / "our-plan.pdf"
    document.write_bytes(PDF)
    tab_to(page, element_id="document")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(document))
    activate(page, text="Upload file")
    assert "our-plan.pdf" in page.content()
    check()
    activate(page, text="Continue")

    activate(page, text="Check your answers")
    check()
    activate(page, text="Send application")
    assert "Application sent" in page.content()
    check()
    activate(page, text="See where your application is")
    check()
    activate(page, text="Take back (withdraw)")
    check()

    with portal.session() as session:
        application = session.scalars(select(Application)).one()
        document_row = session.scalars(select(Document)).one()
    assert application.status == ApplicationStatus.SUBMITTED
    assert portal.started == [application.id]
    assert portal.app.store.get(document_row.key) == PDF
    received = _mailed_link(portal, smtp, 2, r"Your reference number: \S+")
    assert application.reference in received
    assert violations == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_other_pages_pass_axe(served: tuple[Portal, str, DevSMTPServer], page: Any) -> None:
    """Pages the journey above does not reach: refusals, lists, errors, the not-eligible answer."""
    portal, url, smtp = served
    funding_round = open_round(portal)
    page.goto(f"{url}/sign-in")
    type_into(page, "email", EMAIL)
    activate(page, text="Send me a link")
    page.goto(_mailed_link(portal, smtp, 1, rf"{re.escape(url)}/sign-in/\S+"))
    activate(page, text="Sign in")
    violations: list[str] = []

    page.goto(f"{url}/rounds/{funding_round.slug}/eligibility")
    activate(page, text="Continue")  # nothing answered: the error summary
    violations += serious_violations(page)
    for group, option in (
        ("lived_experience_co_lead", 0),
        ("pays_partners", 1),
        ("within_amount", 0),
        ("within_duration", 1),
    ):
        choose(page, group, option=option)
    activate(page, text="Continue")
    assert "You cannot apply to this round yet" in page.content()
    violations += serious_violations(page)
    for path in ("/applications", "/applications/999999", "/no-such-page"):
        page.goto(url + path)
        violations += serious_violations(page)

    page.goto(f"{url}/rounds/{funding_round.slug}/eligibility")
    for group in ("lived_experience_co_lead", "pays_partners", "within_amount", "within_duration"):
        choose(page, group)
    activate(page, text="Continue")
    application_id = page.url.rsplit("/", 1)[1]
    for section, button in (
        ("proposal", "Save and continue"),
        ("coproduction", "Save and continue"),
        ("budget", "Add line"),
        ("team", "Add co-lead"),
        ("summary", "Save"),
    ):
        page.goto(f"{url}/applications/{application_id}/{section}")
        if section == "proposal":
            type_into(page, "duration_months", "many")
        activate(page, text=button)
        violations += serious_violations(page)  # each page with its error summary
    page.goto(f"{url}/applications/{application_id}/documents")
    activate(page, text="Upload file")
    violations += serious_violations(page)
    page.goto(f"{url}/applications/{application_id}/check")
    violations += serious_violations(page)

    assert violations == []


def _submit_as_other_reviewer(portal: Portal, assignment_id: int) -> None:
    with portal.session() as session:
        assignment = session.get(Assignment, assignment_id)
        review = ReviewInput(
            scores=dict.fromkeys(CRITERIA_KEYS, 4),
            overall=4,
            comment_for_applicant="Another reviewer: a kind and careful plan.",
        )
        save_review(session, assignment_id, review, reviewer_id=assignment.reviewer_id, submit=True)
        session.commit()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_keyboard_only_from_e_mailed_link_to_submitted_review(
    served: tuple[Portal, str, DevSMTPServer], page: Any
) -> None:
    portal, url, smtp = served
    round_ = review_round(portal)
    me, other = round_.reviewers[0], round_.reviewers[2]
    _submit_as_other_reviewer(portal, other.assignment_id)
    with portal.session() as session:
        title = session.get(Assignment, me.assignment_id).application.title
    violations: list[str] = []

    def check() -> None:
        violations.extend(serious_violations(page))

    page.goto(f"{url}/reviews")  # not signed in: the sign-in page, then back to the reviews
    check()
    type_into(page, "email", me.email)
    activate(page, text="Send me a link")
    check()
    page.goto(_mailed_link(portal, smtp, 1, rf"{re.escape(url)}/sign-in/\S+"))
    check()
    activate(page, text="Sign in")
    assert page.url.endswith("/reviews") and "Not started" in page.content()
    check()

    activate(page, text=title)
    assert "Do you have a conflict of interest?" in page.content()
    check()
    activate(page, text="Continue")  # nothing answered: the error summary
    check()
    choose(page, "has_conflict")  # "No, I have no conflict of interest"
    activate(page, text="Continue")
    assert "Your review" in page.content() and "plan.pdf" in page.content()
    check()

    activate(page, text="Submit review")  # nothing answered: an error beside every question
    assert "There is a problem" in page.content()
    check()
    for number, key in enumerate([*CRITERIA_KEYS, "overall"]):
        choose(page, f"score_{key}", option=number % 4)
    type_into(page, "comment_for_applicant", "Clear and kind. Say how partners are paid.")
    type_into(page, "comment_for_panel", "Strong shared power.")
    activate(page, text="Save draft")
    assert "Your draft is saved" in page.content()
    assert "Another reviewer: a kind and careful plan." not in page.content()
    check()
    activate(page, text="Submit review")
    assert "Thank you. Your review is submitted." in page.content()
    assert "Another reviewer: a kind and careful plan." in page.content()
    check()
    activate(page, text="Back to your reviews")
    assert "Submitted" in page.content()
    check()

    with portal.session() as session:
        review = session.scalars(select(Review).where(Review.assignment_id == me.assignment_id)).one()
    assert review.status == ReviewStatus.SUBMITTED
    assert [review.scores[key] for key in CRITERIA_KEYS] == [1, 2, 3, 4, 1, 2, 3]
    assert review.overall == 4 and review.comment_for_panel == "Strong shared power."
    assert violations == []
