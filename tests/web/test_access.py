"""Two applicants: neither can see or change the other's application or documents; co-applicants get
exactly the access they were invited with."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Application, Document
from tests.web.conftest import Browser, Portal, latest_link
from tests.web.journey import fill_in, open_round, start_application
from tests.web.test_documents import PDF


def _two_applicants(portal: Portal) -> tuple[Browser, int, int, Browser]:
    funding_round = open_round(portal)
    amina, bob = portal.client(), portal.client()
    amina.sign_in("amina@example.org")
    bob.sign_in("bob@example.org")
    application_id = start_application(amina, funding_round)
    fill_in(amina, application_id)
    page = f"/applications/{application_id}/documents"
    amina.get(page)
    amina.http.post(page, data={"csrf_token": amina.csrf()}, files={"document": ("plan.pdf", PDF)})
    with portal.session() as session:
        document_id = session.scalars(select(Document.id)).one()
    return amina, application_id, document_id, bob


@pytest.mark.parametrize(
    "page",
    [
        "",
        "/summary",
        "/team",
        "/proposal",
        "/coproduction",
        "/budget",
        "/documents",
        "/check",
        "/status",
        "/sent",
        "/withdraw",
    ],
)
def test_another_applicant_cannot_see_any_page(portal: Portal, page: str) -> None:
    _, application_id, _, bob = _two_applicants(portal)

    response = bob.get(f"/applications/{application_id}{page}")

    assert response.status_code == 404
    assert "Walking together" not in response.text


def test_another_applicant_cannot_download_or_remove_a_document(portal: Portal) -> None:
    _, application_id, document_id, bob = _two_applicants(portal)
    bob.get("/applications")

    download = bob.get(f"/applications/{application_id}/documents/{document_id}")
    remove = bob.post(f"/applications/{application_id}/documents/{document_id}/remove")

    assert download.status_code == 404 and "location" not in download.headers
    assert remove.status_code == 404
    with portal.session() as session:
        assert session.get(Document, document_id) is not None


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/summary", {"title": "Taken over", "summary": "Somebody else's words, long enough to pass."}),
        ("/team", {"name": "Intruder", "email": "x@example.org", "lived_experience": "yes"}),
        ("/budget", {"category": "other", "description": "Mine now", "amount": "1"}),
        ("/submit", {}),
        ("/withdraw", {"reason": "no"}),
        ("/invitations", {"invite_name": "Eve", "invite_email": "eve@example.org", "invite_access": "edit"}),
    ],
)
def test_another_applicant_cannot_change_anything(portal: Portal, path: str, data: dict[str, str]) -> None:
    _, application_id, _, bob = _two_applicants(portal)
    bob.get("/applications")

    response = bob.post(f"/applications/{application_id}{path}", data)

    assert response.status_code == 404
    with portal.session() as session:
        application = session.get(Application, application_id)
        assert application.title == "Walking together" and application.status == "draft"
        assert len(application.co_leads) == 1 and len(application.budget_lines) == 1


def test_lists_show_only_ones_own_applications(portal: Portal) -> None:
    _, _, _, bob = _two_applicants(portal)

    assert "Walking together" not in bob.get("/applications").text


def test_an_invited_viewer_can_read_but_not_change_and_an_editor_can_change(portal: Portal) -> None:
    amina, application_id, document_id, _ = _two_applicants(portal)
    team = f"/applications/{application_id}/team"
    amina.post(
        team.replace("/team", "/invitations"),
        {"invite_name": "Vic", "invite_email": "vic@example.org", "invite_access": "view"},
        from_page=team,
    )
    amina.post(
        team.replace("/team", "/invitations"),
        {"invite_name": "Ed", "invite_email": "ed@example.org", "invite_access": "edit"},
        from_page=team,
    )
    viewer, editor = portal.client(), portal.client()
    for browser, email in ((viewer, "vic@example.org"), (editor, "ed@example.org")):
        link = latest_link(portal.app.sessions, email, "/invitations/")
        browser.get(link)
        assert browser.post(link).headers["location"] == f"/applications/{application_id}"

    assert viewer.get(f"/applications/{application_id}/check").status_code == 200
    assert viewer.get(f"/applications/{application_id}/documents/{document_id}").status_code == 303
    refused = viewer.post(
        f"/applications/{application_id}/summary", {"title": "Viewer edit", "summary": "x" * 30}
    )
    assert refused.status_code == 403
    changed = editor.post(
        f"/applications/{application_id}/summary",
        {"title": "Edited together", "summary": "We will walk with carers every week and talk."},
        from_page=f"/applications/{application_id}/summary",
    )
    assert changed.status_code == 303
    with portal.session() as session:
        assert session.get(Application, application_id).title == "Edited together"


def test_an_invitation_link_works_once(portal: Portal) -> None:
    amina, application_id, _, _ = _two_applicants(portal)
    team = f"/applications/{application_id}/team"
    amina.post(
        f"/applications/{application_id}/invitations",
        {"invite_name": "Vic", "invite_email": "vic@example.org", "invite_access": "view"},
        from_page=team,
    )
    link = latest_link(portal.app.sessions, "vic@example.org", "/invitations/")
    first, second = portal.client(), portal.client()
    first.get(link)
    first.post(link)

    second.get(link)
    response = second.post(link)

    assert response.status_code == 400 and "accepted this invitation already" in response.text
