"""The administrators' check-in pages over HTTP on SQLite and PostgreSQL: only administrators get in; a
check-in is read in full (files through S3 links), approved once (one tranche, one set of e-mails, also
when two administrators press at once), or sent back to the team with a note, changed and sent again."""

from __future__ import annotations

import threading

import httpx
from sqlalchemy import func, select

from models import Application, CheckIn, Milestone, OutboxMessage, Payment
from models.enums import PaymentStatus, Role
from models.schemas import CheckInInput
from services.milestones import Upload, submit_check_in
from services.people import get_or_create_person, grant_role
from tests.web.conftest import Browser, Portal
from tests.web.projects import funded_project
from tests.web.test_project_checkins import GOOD, PNG

LEAD = "amina.lead@example.org"
ADMINS = ("alex.admin@example.org", "bea.admin@example.org")


def _admin(portal: Portal, email: str = ADMINS[0]) -> Browser:
    with portal.session() as session:
        person = get_or_create_person(session, name=email.split(".")[0].title() + " Admin", email=email)
        grant_role(session, person, Role.ADMINISTRATOR)
        session.commit()
    browser = portal.client()
    browser.sign_in(email)
    return browser


def checked_in(portal: Portal, *, sequences: tuple[int, ...] = (1, 2)) -> tuple[str, int]:
    """A funded project whose team checked in on milestones `sequences` (the second with a photo).
    Returns the reference and the id of the last check-in."""
    reference = funded_project(portal, LEAD)
    with portal.app.unit_of_work() as uow:
        application = uow.session.scalars(select(Application).where(Application.reference == reference)).one()
        milestones = {m.sequence: m for m in uow.session.scalars(select(Milestone).join(Milestone.award))}
        for sequence in sequences:
            check_in = submit_check_in(
                uow.session,
                milestones[sequence].id,
                CheckInInput(progress="completed", note=f"Step {sequence}: we met at the library.",
                             involvement_changed="Two carers now chair the meetings."),
                person_id=application.applicant_id,
                uploads=[Upload("our meeting.png", PNG, "image/png")] if sequence == 2 else [],
                store=portal.app.store,
            )  # fmt: skip
        uow.commit()
        return reference, check_in.id


def _count(portal: Portal, model: type, *where: object) -> int:
    with portal.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_only_administrators_see_the_check_ins(portal: Portal) -> None:
    reference, check_in_id = checked_in(portal)
    lead = portal.client()
    lead.sign_in(LEAD)
    for path in ("/admin/check-ins", f"/admin/check-ins/{check_in_id}", f"/admin/applications/{reference}"):
        assert lead.get(path).status_code == 404
        assert portal.client().get(path).status_code == 404
    lead.get("/applications")
    assert lead.post(f"/admin/check-ins/{check_in_id}/approve").status_code == 404
    assert _count(portal, CheckIn, CheckIn.approved_at.is_not(None)) == 0


def test_an_administrator_reads_a_check_in_and_approving_it_twice_pays_once(portal: Portal) -> None:
    reference, check_in_id = checked_in(portal)
    admin = _admin(portal)
    listing = admin.get("/admin/check-ins")
    assert listing.status_code == 200 and reference in listing.text and "Check-in 1" in listing.text
    page = admin.get(f"/admin/check-ins/{check_in_id}")
    assert "Step 2: we met at the library." in page.text and "Two carers now chair" in page.text
    assert "Start-up meeting" in page.text and "Completed" in page.text
    link = f"/admin/check-ins/{check_in_id}/files/"
    assert link in page.text and "our meeting.png" in page.text
    document_id = page.text.split(link, 1)[1].split('"', 1)[0]
    download = admin.get(link + document_id)
    assert download.status_code == 303 and "X-Amz-Signature" in download.headers["location"]
    assert httpx.get(download.headers["location"]).content == PNG

    approved = admin.post(f"/admin/check-ins/{check_in_id}/approve")
    assert approved.status_code == 303, approved.text
    done = admin.get(approved.headers["location"])
    assert "You approved the check-in for 'Check-in 1'" in done.text
    assert f'href="/admin/check-ins/{check_in_id}"' not in done.text  # no longer waiting

    again = admin.post(f"/admin/check-ins/{check_in_id}/approve")  # an old tab, a double click
    assert again.status_code == 409
    assert "This check-in cannot be decided now" in again.text
    assert "already approved by Alex Admin" in again.text
    assert _count(portal, Payment, Payment.sequence == 2, Payment.status == PaymentStatus.RELEASED) == 1
    assert _count(portal, OutboxMessage, OutboxMessage.template == "tranche_released") == 2  # lead, co-lead
    project = admin.get(f"/admin/applications/{reference}")  # where the late check-in e-mail links
    assert project.status_code == 200
    assert "Approved" in project.text and "Waiting for approval" in project.text


def test_two_administrators_approving_at_once_release_one_tranche(portal: Portal) -> None:
    _, check_in_id = checked_in(portal)
    browsers = [_admin(portal, email) for email in ADMINS]
    for browser in browsers:
        browser.get(f"/admin/check-ins/{check_in_id}")
    start = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def approve(browser: Browser) -> None:
        start.wait()
        statuses.append(browser.post(f"/admin/check-ins/{check_in_id}/approve").status_code)

    threads = [threading.Thread(target=approve, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [303, 409]
    assert _count(portal, Payment, Payment.status == PaymentStatus.RELEASED) == 1
    assert _count(portal, OutboxMessage, OutboxMessage.template == "tranche_released") == 2


def test_asking_for_changes_sends_the_note_and_the_team_sends_it_again(portal: Portal) -> None:
    reference, check_in_id = checked_in(portal)
    admin = _admin(portal)
    admin.get(f"/admin/check-ins/{check_in_id}")
    empty = admin.post(f"/admin/check-ins/{check_in_id}/changes", {"changes_note": "  "})
    assert empty.status_code == 400 and "Tell the team what to change" in empty.text
    note = "Please say who came to the meeting."
    sent_back = admin.post(f"/admin/check-ins/{check_in_id}/changes", {"changes_note": note})
    assert sent_back.status_code == 303
    assert "They will get an e-mail with your note" in admin.get(sent_back.headers["location"]).text
    approve_now = admin.post(f"/admin/check-ins/{check_in_id}/approve")  # the page from before
    assert approve_now.status_code == 409 and "were asked for by Alex Admin" in approve_now.text
    with portal.session() as session:
        e_mails = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "checkin_changes_requested")
        ).all()
    assert len(e_mails) == 2 and all(note in e_mail.body_text for e_mail in e_mails)

    lead = portal.client()
    lead.sign_in(LEAD)
    page = lead.get(f"/applications/{reference}/check-ins")
    assert "We asked you to change this check-in: " + note in page.text
    assert "Step 2: we met at the library.</textarea>" in page.text  # as they sent it
    milestone_id = page.text.split(f"/applications/{reference}/check-ins/", 1)[1].split('"', 1)[0]
    resent = lead.post(
        f"/applications/{reference}/check-ins/{milestone_id}",
        GOOD | {"milestone_2": "completed", "note": "Step 2 again: 12 carers and 2 nurses came."},
        files={"upload": ("our meeting.png", PNG, "image/png")},
    )
    assert resent.status_code == 303, resent.text
    assert admin.get("/admin/check-ins").text.count(f'href="/admin/check-ins/{check_in_id}"') == 1
    page = admin.get(f"/admin/check-ins/{check_in_id}")
    assert "12 carers and 2 nurses" in page.text and page.text.count("our meeting.png") == 2
    assert admin.post(f"/admin/check-ins/{check_in_id}/approve").status_code == 303
    assert _count(portal, Payment, Payment.sequence == 2, Payment.status == PaymentStatus.RELEASED) == 1
