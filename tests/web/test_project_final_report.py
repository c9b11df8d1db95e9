"""The final report page over HTTP on SQLite and PostgreSQL: GRIPP2 and quotes, naming, refusals."""

from __future__ import annotations

from sqlalchemy import select

from models import CloseOutReport, NamingConsent, Person
from models.lifecycle import ApplicationStatus
from tests.web.conftest import Portal
from tests.web.projects import funded_project, set_status

LEAD = "amina.lead@example.org"
REPORT = {
    "aim": "To find out if walking together helps carers feel less alone.",
    "methods": "Carers planned the walks and chose what to measure.",
    "results": "Carers changed the route and the time of the walks.",
    "outcomes": "Most carers said they felt less alone.",
    "critical_reflection": "We started too late in the year; next time we start in spring.",
    "quote_1_text": "I made two friends.",
    "quote_1_by": "A carer from Leeds",
}


def test_the_final_report_is_checked_kept_on_rejection_and_saved(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    browser = portal.client()
    browser.sign_in(LEAD)
    early = browser.get(f"/applications/{reference}/final-report")
    assert "We ask for the final report once every check-in is in" in early.text
    set_status(portal, reference, ApplicationStatus.CLOSING)

    page = browser.get(f"/applications/{reference}/final-report")
    assert "Send final report" in page.text
    typed = {"aim": REPORT["aim"], "quote_2_by": "Sam", "quote_3_text": "x" * 501}
    rejected = browser.post(f"/applications/{reference}/final-report", typed)
    assert rejected.status_code == 400
    for field in ("methods", "results", "outcomes", "critical_reflection"):
        assert f'href="#{field}"' in rejected.text and f'id="{field}-error"' in rejected.text
    assert "Write the quote, or leave who said it empty." in rejected.text
    assert "Write no more than 500 characters." in rejected.text
    assert 'href="#quote_3_text"' in rejected.text
    assert f"{REPORT['aim']}</textarea>" in rejected.text and 'value="Sam"' in rejected.text
    assert rejected.text.index('href="#methods"') < rejected.text.index('href="#quote_2_text"')

    sent = browser.post(f"/applications/{reference}/final-report", REPORT)
    assert sent.status_code == 303, sent.text
    page = browser.get(sent.headers["location"])
    assert "we have your final report" in page.text
    assert "I made two friends.</textarea>" in page.text  # shown again, to correct until close
    with portal.session() as session:
        report = session.scalars(select(CloseOutReport)).one()
        assert report.gripp2["critical_reflection"] == REPORT["critical_reflection"]
        assert report.quotes == [{"text": "I made two friends.", "by": "A carer from Leeds"}]


def test_a_report_after_close_is_refused_and_keeps_what_was_typed(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    set_status(portal, reference, ApplicationStatus.CLOSING)
    browser = portal.client()
    browser.sign_in(LEAD)
    browser.get(f"/applications/{reference}/final-report")
    set_status(portal, reference, ApplicationStatus.CLOSED)  # closed while the page was open
    refused = browser.post(f"/applications/{reference}/final-report", REPORT)
    assert refused.status_code == 409
    assert "We cannot take this report" in refused.text
    assert "is closed and its celebration report is out" in refused.text
    assert f"{REPORT['outcomes']}</textarea>" in refused.text
    with portal.session() as session:
        assert session.scalars(select(CloseOutReport)).all() == []
    page = browser.get(f"/applications/{reference}/final-report")
    assert "can no longer be changed" in page.text and "Send final report" not in page.text


def test_each_team_member_chooses_only_whether_they_are_named(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    browser = portal.client()
    browser.sign_in(LEAD)
    browser.get(f"/applications/{reference}/final-report")
    missing = browser.post(f"/applications/{reference}/final-report/naming", {})
    assert missing.status_code == 400
    assert "Choose yes if we may use your name" in missing.text and 'href="#may_be_named"' in missing.text
    chosen = browser.post(f"/applications/{reference}/final-report/naming", {"may_be_named": "yes"})
    assert chosen.status_code == 303
    page = browser.get(chosen.headers["location"])
    assert "Amina Lead: may be named" in page.text
    assert 'value="yes" checked' in page.text
    browser.post(f"/applications/{reference}/final-report/naming", {"may_be_named": "no"})
    with portal.session() as session:
        lead = session.scalars(select(Person).where(Person.email == LEAD)).one()
        [consent] = session.scalars(select(NamingConsent)).all()
        assert (consent.person_id, consent.may_be_named) == (lead.id, False)


def test_someone_elses_final_report_is_the_same_not_found_page(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    set_status(portal, reference, ApplicationStatus.CLOSING)
    theirs = funded_project(portal, "other.lead@example.org", name="Other Lead")
    stranger = portal.client()
    stranger.sign_in("other.lead@example.org")
    assert stranger.get(f"/applications/{reference}/final-report").status_code == 404
    stranger.get(f"/applications/{theirs}/final-report")
    for path, data in (
        (f"/applications/{reference}/final-report", REPORT),
        (f"/applications/{reference}/final-report/naming", {"may_be_named": "yes"}),
    ):
        response = stranger.post(path, data)
        assert response.status_code == 404 and "Page not found" in response.text
    with portal.session() as session:
        assert session.scalars(select(CloseOutReport)).all() == []
        assert session.scalars(select(NamingConsent)).all() == []
