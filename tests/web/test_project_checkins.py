"""The check-in page over HTTP on SQLite and PostgreSQL: bad input kept, a file to S3, refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from cogrant.stack.ports import free_port
from models import Application, CheckIn, Document, Milestone
from models.enums import DocumentPurpose
from models.lifecycle import ApplicationStatus
from tests.web.conftest import Browser, Portal, make_app, make_settings
from tests.web.projects import funded_project, set_status

LEAD = "amina.lead@example.org"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GOOD = {
    "milestone_1": "completed",
    "milestone_2": "in_progress",
    "note": "We met at the library. Twelve people came and we agreed our plan together.",
    "involvement_changed": "Two carers now chair the meetings.",
    "still_missing": "Young carers.",
    "fed_back": "We sent everyone the notes.",
}


def _milestones(portal: Portal, reference: str) -> list[int]:
    with portal.session() as session:
        return list(
            session.scalars(
                select(Milestone.id)
                .join(Milestone.award)
                .join(Application)
                .where(Application.reference == reference)
                .order_by(Milestone.sequence)
            )
        )


def test_a_check_in_with_a_file_after_a_rejected_try_that_kept_what_was_typed(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    first, *_ = _milestones(portal, reference)
    browser = portal.client()
    browser.sign_in(LEAD)
    page = browser.get(f"/applications/{reference}/check-ins")
    assert page.status_code == 200
    assert "Check-in for 'Start-up meeting'" in page.text

    typed = {"involvement_changed": "Two carers now chair the meetings.", "milestone_2": "delayed"}
    rejected = browser.post(f"/applications/{reference}/check-ins/{first}", typed)
    assert rejected.status_code == 400
    assert "Choose how &#39;Start-up meeting&#39; is going." in rejected.text
    assert 'href="#milestone_1"' in rejected.text and 'id="milestone_1-error"' in rejected.text
    assert 'href="#note"' in rejected.text and 'id="note-error"' in rejected.text
    assert rejected.text.index('href="#milestone_1"') < rejected.text.index('href="#note"')
    assert "Two carers now chair the meetings.</textarea>" in rejected.text
    assert 'value="delayed" checked' in rejected.text

    refused_file = browser.post(
        f"/applications/{reference}/check-ins/{first}",
        GOOD,
        files={"upload": ("notes.exe", b"MZ not a document", "application/octet-stream")},
    )
    assert refused_file.status_code == 400
    assert "We cannot accept this type of file" in refused_file.text
    assert "We met at the library." in refused_file.text

    sent = browser.post(
        f"/applications/{reference}/check-ins/{first}",
        GOOD,
        files={"upload": ("our meeting.png", PNG, "image/png")},
    )
    assert sent.status_code == 303, sent.text
    confirmation = browser.get(sent.headers["location"])
    assert "Check-in sent" in confirmation.text
    assert "Check-in for 'Check-in 1'" in confirmation.text  # the next one is due now
    assert 'value="in_progress" checked' in confirmation.text  # as the last check-in left it

    with portal.session() as session:
        check_in = session.scalars(select(CheckIn)).one()
        assert check_in.progress == "completed"
        assert check_in.milestone_progress == {
            "1": "completed",
            "2": "in_progress",
            "3": "not_started",
            "4": "not_started",
        }
        assert check_in.still_missing == "Young carers."
        [document] = [session.get(Document, n) for n in check_in.upload_document_ids]
        assert document.filename == "our meeting.png" and document.content_type == "image/png"
    assert portal.app.store.get(document.key) == PNG


def test_a_second_check_in_for_the_same_milestone_is_refused_and_changes_nothing(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    first, *_ = _milestones(portal, reference)
    browser = portal.client()
    browser.sign_in(LEAD)
    browser.get(f"/applications/{reference}/check-ins")
    assert browser.post(f"/applications/{reference}/check-ins/{first}", GOOD).status_code == 303
    browser.get(f"/applications/{reference}/check-ins")
    again = browser.post(
        f"/applications/{reference}/check-ins/{first}", GOOD | {"note": "A different story."}
    )
    assert again.status_code == 409
    assert "This check-in was already sent" in again.text
    assert "We already have the check-in for 'Start-up meeting'" in again.text
    with portal.session() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 1
        assert session.scalars(select(CheckIn)).one().note == GOOD["note"]


def test_someone_elses_check_ins_are_the_same_not_found_page(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    theirs = funded_project(portal, "other.lead@example.org", name="Other Lead")
    first, *_ = _milestones(portal, reference)
    stranger = portal.client()
    stranger.sign_in("other.lead@example.org")
    assert stranger.get(f"/applications/{reference}/check-ins").status_code == 404
    stranger.get(f"/applications/{theirs}/check-ins")
    for path in (f"/applications/{reference}/check-ins/{first}", f"/applications/{theirs}/check-ins/{first}"):
        response = stranger.post(path, GOOD)
        assert response.status_code == 404
        assert "Page not found" in response.text
    with portal.session() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_no_check_in_once_the_project_has_ended(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    first, *_ = _milestones(portal, reference)
    browser = portal.client()
    browser.sign_in(LEAD)
    browser.get(f"/applications/{reference}/check-ins")
    set_status(portal, reference, ApplicationStatus.CLOSING)
    page = browser.get(f"/applications/{reference}/check-ins")
    assert "Check-ins are for projects that are running" in page.text and "Send check-in" not in page.text
    refused = browser.post(f"/applications/{reference}/check-ins/{first}", GOOD)
    assert refused.status_code == 409
    assert "check-ins are for projects in delivery" in refused.text


def test_s3_down_at_a_check_in_with_a_file_keeps_the_answers_and_records_nothing(
    portal: Portal, engine: Engine, db_url: str
) -> None:
    reference = funded_project(portal, LEAD)
    first, *_ = _milestones(portal, reference)
    down = Portal(make_app(make_settings(db_url, f"http://127.0.0.1:{free_port()}"), engine))
    browser = down.client()
    browser.sign_in(LEAD)
    browser.get(f"/applications/{reference}/check-ins")
    response = browser.post(
        f"/applications/{reference}/check-ins/{first}",
        GOOD,
        files={"upload": ("meeting.png", PNG, "image/png")},
    )
    assert response.status_code == 400
    assert "We could not save your file just now. Nothing was sent." in response.text
    assert f"{GOOD['note']}</textarea>" in response.text
    with portal.session() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 0


def _check_in_page(portal: Portal) -> tuple[Browser, str]:
    reference = funded_project(portal, LEAD)
    first, *_ = _milestones(portal, reference)
    browser = portal.client()
    browser.sign_in(LEAD)
    browser.get(f"/applications/{reference}/check-ins")
    return browser, f"/applications/{reference}/check-ins/{first}"


def _nothing_recorded(portal: Portal) -> None:
    with portal.session() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 0
        uploads = select(func.count()).where(Document.purpose == DocumentPurpose.CHECK_IN_UPLOAD)
        assert session.scalar(uploads) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (PNG + b"0" * (1024 * 1024), "The file is bigger than 1 MB"),
        (b"PK\x03\x04 not really a zip", "We cannot accept this type of file"),
    ],
)
def test_empty_oversized_and_disguised_check_in_files_are_refused_keeping_the_answers(
    portal: Portal, data: bytes, message: str
) -> None:
    browser, path = _check_in_page(portal)

    response = browser.post(path, GOOD, files={"upload": ("meeting.png", data, "image/png")})

    assert response.status_code == 400
    assert message in response.text and 'href="#upload"' in response.text
    assert f"{GOOD['note']}</textarea>" in response.text and 'value="completed" checked' in response.text
    _nothing_recorded(portal)


def test_a_check_in_far_over_the_upload_limit_is_refused_before_it_is_read(portal: Portal) -> None:
    browser, path = _check_in_page(portal)

    response = browser.post(path, GOOD, files={"upload": ("huge.png", PNG + b"0" * (3 * 1024 * 1024))})

    assert response.status_code == 413 and "Files can be up to 1 MB" in response.text
    _nothing_recorded(portal)


def test_a_check_in_whose_csrf_token_comes_after_the_file_is_refused_before_the_file_is_kept(
    portal: Portal,
) -> None:
    browser, path = _check_in_page(portal)
    boundary = "cogrant-test-boundary"
    fields = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in GOOD.items()
    )
    body = (
        fields.encode()
        + f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; filename="meeting.png"\r\n'
        f"Content-Type: image/png\r\n\r\n".encode()
        + PNG
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{browser.csrf()}\r\n--{boundary}--\r\n".encode()
    )

    response = browser.http.post(
        path, content=body, headers={"content-type": f"multipart/form-data; boundary={boundary}"}
    )

    assert response.status_code == 400 and "try that again" in response.text
    _nothing_recorded(portal)
