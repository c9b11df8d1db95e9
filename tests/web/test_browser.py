"""From the e-mailed sign-in link to a sent application with a document, and from the award e-mail to
accepted terms and a check-in, keyboard only, in Debian's Chromium; every page the applicant meets is
scanned with axe-core (no serious or critical violation). So are the administrators' mailbox pages."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cogrant.stack.smtp import DevSMTPServer
from models import Application, Award, CheckIn, Document
from models.enums import OutboxStatus, Role
from models.lifecycle import ApplicationStatus
from notifications.outbox import enqueue
from notifications.relay import send_pending
from services.people import get_or_create_person, grant_role
from tests.notifications.conftest import sample_contexts
from tests.web.conftest import Portal, mailed_link, sign_in_by_keyboard
from tests.web.journey import COPRODUCTION, PROPOSAL, open_round
from tests.web.keyboard import activate, choose, choose_file, serious_violations, type_into
from tests.web.projects import funded_project, set_status

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EMAIL = "amina@example.org"


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

    page.goto(mailed_link(portal, smtp, 1, rf"{re.escape(url)}/sign-in/\S+"))
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
    choose_file(page, "document", document)
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
    received = mailed_link(portal, smtp, 2, r"Your reference number: \S+")
    assert application.reference in received
    assert violations == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_other_pages_pass_axe(served: tuple[Portal, str, DevSMTPServer], page: Any) -> None:
    """Pages the journey above does not reach: refusals, lists, errors, the not-eligible answer."""
    portal, url, smtp = served
    funding_round = open_round(portal)
    sign_in_by_keyboard(page, portal, smtp, url, EMAIL)
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


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_administrators_mailbox_pages_pass_axe(
    served: tuple[Portal, str, DevSMTPServer], page: Any, tmp_path: Path
) -> None:
    """The mailbox with counts, a failed e-mail (and its form's error), caught e-mails, one opened."""
    portal, url, smtp = served
    with portal.session() as session:
        admin = get_or_create_person(session, name="Alex Admin", email="alex.admin@example.org")
        grant_role(session, admin, Role.ADMINISTRATOR)
        enqueue(
            session,
            template="checkin_reminder",
            to_address="jo@example.org",
            context=sample_contexts()["checkin_reminder"],
            dedupe_key="checkin_reminder:1",
        )
        session.commit()
    sign_in_by_keyboard(page, portal, smtp, url, "alex.admin@example.org", emails_so_far=1)
    with DevSMTPServer(mail_dir=tmp_path / "mail") as catcher:  # as `cogrant up` runs it: files only
        portal.app.mail_dir = catcher.mail_dir
        portal.app.smtp = replace(portal.app.smtp, port=catcher.port)
        with portal.session() as session:
            enqueue(
                session,
                template="award_offered",
                to_address="amina@example.org",
                context=sample_contexts()["award_offered"],
                dedupe_key="award_offered:1",
            )
            session.commit()
        send_pending(portal.app.sessions, portal.app.smtp)
    with portal.session() as session:  # as the relay leaves an e-mail the server refused for good
        wrong = enqueue(
            session,
            template="celebration_shared",
            to_address="amina@exmaple.org",
            context=sample_contexts()["celebration_shared"],
            dedupe_key="celebration_shared:1",
        )
        wrong.status, wrong.last_error, wrong.attempts = OutboxStatus.FAILED, "550 5.1.1 No such domain", 1
        session.commit()
    violations: list[str] = []

    page.goto(f"{url}/applications")
    activate(page, text="Administrators' mailbox")
    assert "No such domain" in page.content()
    violations += serious_violations(page)
    type_into(page, f"to_address_{wrong.id}", "amina at example.org")
    activate(page, text=f"Queue e-mail {wrong.id} again")
    assert "Enter one e-mail address" in page.content()
    violations += serious_violations(page)  # the error summary and the message beside the field
    activate(page, text="Good news: we would like to fund")
    assert "Attachments" in page.content()
    violations += serious_violations(page)
    page.goto(f"{url}/admin/mail?queued={wrong.id}")
    violations += serious_violations(page)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_keyboard_only_from_the_award_e_mail_to_accepted_terms_and_a_check_in(
    served: tuple[Portal, str, DevSMTPServer], page: Any
) -> None:
    portal, url, smtp = served
    reference = funded_project(portal, EMAIL)
    violations: list[str] = []

    def check() -> None:
        violations.extend(serious_violations(page))

    page.goto(mailed_link(portal, smtp, 1, rf"{re.escape(url)}/applications/\S+/award"))
    check()  # not signed in: the sign-in page, then back to the award
    type_into(page, "email", EMAIL)
    activate(page, text="Send me a link")
    page.goto(mailed_link(portal, smtp, 2, rf"{re.escape(url)}/sign-in/\S+"))
    check()
    activate(page, text="Sign in")
    assert page.url.endswith(f"/applications/{reference}/award")
    check()
    activate(page, text="Accept the terms")  # the box is not ticked: the error summary
    assert "Tick the box" in page.content()
    check()
    choose(page, "confirm")
    activate(page, text="Accept the terms")
    assert "You accepted the terms on" in page.content()
    check()

    activate(page, text="Back to your project")
    check()
    activate(page, text="Check in on your milestones")
    check()
    activate(page, text="Send check-in")  # nothing answered: the error summary
    check()
    choose(page, "milestone_1")
    type_into(page, "note", "We met at the library and agreed our plan together.")
    activate(page, text="Send check-in")
    assert "Check-in sent" in page.content()
    check()

    set_status(portal, reference, ApplicationStatus.CLOSING)  # the final report page, with its errors
    page.goto(f"{url}/applications/{reference}/final-report")
    check()
    activate(page, text="Send final report")
    check()
    activate(page, text="Save my choice")
    check()

    with portal.session() as session:
        award = session.scalars(select(Award)).one()
        check_in = session.scalars(select(CheckIn)).one()
    assert award.terms_accepted_at is not None
    assert (check_in.progress, check_in.note) == (
        "completed",
        "We met at the library and agreed our plan together.",
    )
    assert violations == []
