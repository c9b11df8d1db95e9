"""The award page over HTTP on SQLite and PostgreSQL: the offer, the letter through S3 links, accepting."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from models import Application, Award, Payment
from models.lifecycle import ApplicationStatus
from tests.web.conftest import Portal
from tests.web.projects import funded_project, set_status

LEAD = "amina.lead@example.org"


def test_the_lead_sees_the_offer_and_accepts_the_terms_once(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    browser = portal.client()
    browser.sign_in(LEAD)

    page = browser.get(f"/applications/{reference}/award")
    assert page.status_code == 200, page.text
    assert "12,000 GBP" in page.text
    assert "Tell us if a partner leaves." in page.text
    assert "Check-in 1" in page.text and "End of project" in page.text
    assert "6,000 GBP" in page.text  # half up front

    refused = browser.post(f"/applications/{reference}/award/accept", {})
    assert refused.status_code == 400
    assert "Tick the box to say you accept the terms" in refused.text
    assert 'href="#confirm"' in refused.text and 'id="confirm-error"' in refused.text

    accepted = browser.post(f"/applications/{reference}/award/accept", {"confirm": "yes"})
    assert accepted.status_code == 303
    page = browser.get(accepted.headers["location"])
    assert "You accepted the terms on" in page.text
    with portal.session() as session:
        award = session.scalars(select(Award)).one()
        first_accepted_at = award.terms_accepted_at
        assert first_accepted_at is not None
        assert award.terms_accepted_by_id == award.application.applicant_id

    again = browser.post(f"/applications/{reference}/award/accept", {"confirm": "yes"})
    assert again.status_code == 200
    assert "These terms were already accepted on" in again.text
    with portal.session() as session:
        assert session.scalars(select(Award)).one().terms_accepted_at == first_accepted_at
        assert all(payment.status == "scheduled" for payment in session.scalars(select(Payment)))


def test_the_letter_links_are_presigned_and_serve_the_stored_letter(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    browser = portal.client()
    browser.sign_in(LEAD)
    for kind, expected in (("html", b"<"), ("pdf", b"%PDF-")):
        response = browser.get(f"/applications/{reference}/award/letter.{kind}")
        assert response.status_code == 303
        location = response.headers["location"]
        assert "X-Amz-Signature=" in location
        letter = httpx.get(location)
        assert letter.status_code == 200
        assert letter.content.lstrip().startswith(expected)
        if kind == "pdf":
            assert "attachment" in letter.headers["content-disposition"]


def test_someone_elses_award_is_the_same_not_found_page(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    funded_project(portal, "other.lead@example.org", name="Other Lead")
    stranger = portal.client()
    stranger.sign_in("other.lead@example.org")
    for response in (
        stranger.get(f"/applications/{reference}/award"),
        stranger.get(f"/applications/{reference}/award/letter.pdf"),
        stranger.get("/applications/CG-999-99999/award"),
    ):
        assert response.status_code == 404
        assert "Page not found" in response.text
    stranger.get("/applications")
    refused = stranger.post(f"/applications/{reference}/award/accept", {"confirm": "yes"})
    assert refused.status_code == 404
    with portal.session() as session:
        assert all(award.terms_accepted_at is None for award in session.scalars(select(Award)))


def test_the_status_page_links_to_the_project_pages_that_apply(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    with portal.session() as session:
        application_id = session.scalars(
            select(Application.id).where(Application.reference == reference)
        ).one()
    browser = portal.client()
    browser.sign_in(LEAD)
    status = f"/applications/{application_id}/status"
    page = browser.get(status).text
    assert f'href="/applications/{reference}/award">Read your award and accept its terms' in page
    assert f'href="/applications/{reference}/check-ins">Check in on your milestones' in page
    assert "final-report" not in page
    browser.post(
        f"/applications/{reference}/award/accept",
        {"confirm": "yes"},
        from_page=f"/applications/{reference}/award",
    )
    set_status(portal, reference, ApplicationStatus.CLOSING)
    page = browser.get(status).text
    assert f'href="/applications/{reference}/award">Your award<' in page
    assert f'href="/applications/{reference}/final-report">Your final report' in page
    assert "check-ins" not in page
