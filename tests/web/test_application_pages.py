"""The application's pages over HTTP: eligibility first, page-by-page saving, checks, submit, withdraw."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from models import Application, AuditEntry, OutboxMessage
from models.lifecycle import ApplicationStatus
from tests.web.conftest import Portal
from tests.web.journey import YES, fill_in, open_round, start_application


def test_rounds_are_listed_in_plain_words(portal: Portal) -> None:
    funding_round = open_round(portal)
    browser = portal.client()

    listing = browser.get("/rounds")
    page = browser.get(f"/rounds/{funding_round.slug}")

    assert funding_round.name in listing.text and "50,000 GBP" in listing.text
    for words in ("What it funds", "Who can apply", "The money", "The dates", "What happens next"):
        assert words in page.text
    assert browser.get("/rounds/no-such-round").status_code == 404


def test_not_eligible_says_why_and_what_to_do_instead(portal: Portal) -> None:
    funding_round = open_round(portal)
    browser = portal.client()
    browser.sign_in("amina@example.org")
    page = f"/rounds/{funding_round.slug}/eligibility"

    response = browser.post(page, YES | {"pays_partners": "no", "within_duration": "no"}, from_page=page)

    assert response.status_code == 200
    assert "pay people with lived experience" in response.text
    assert "6 to 12 months" in response.text
    assert "Plan money for involvement payments" in response.text
    with portal.session() as session:
        assert session.scalar(select(func.count(Application.id))) == 0


def test_unanswered_eligibility_questions_are_named_and_answers_kept(portal: Portal) -> None:
    funding_round = open_round(portal)
    browser = portal.client()
    browser.sign_in("amina@example.org")
    page = f"/rounds/{funding_round.slug}/eligibility"

    response = browser.post(page, {"pays_partners": "yes", "submission_key": "k1"}, from_page=page)

    assert response.status_code == 400
    assert 'href="#lived_experience_co_lead"' in response.text
    assert 'value="yes" checked' in response.text


def test_starting_twice_with_the_same_key_makes_one_draft(portal: Portal) -> None:
    funding_round = open_round(portal)
    browser = portal.client()
    browser.sign_in("amina@example.org")
    page = f"/rounds/{funding_round.slug}/eligibility"
    browser.get(page)
    token = browser.csrf()

    first = browser.http.post(page, data=YES | {"submission_key": "same", "csrf_token": token})
    second = browser.http.post(page, data=YES | {"submission_key": "same", "csrf_token": token})

    assert first.headers["location"] == second.headers["location"]
    with portal.session() as session:
        assert session.scalar(select(func.count(Application.id))) == 1


def test_a_rejected_page_keeps_what_was_typed_and_loses_nothing_saved(portal: Portal) -> None:
    funding_round = open_round(portal)
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, funding_round)
    page = f"/applications/{application_id}/summary"
    browser.post(
        page, {"title": "Walking together", "summary": "We will walk with carers every week."}, from_page=page
    )

    response = browser.post(page, {"title": "Wa", "summary": "Too short"}, from_page=page)

    assert response.status_code == 400
    assert '<a href="#title">Write at least 3 characters.</a>' in response.text
    assert 'href="#summary"' in response.text and 'id="summary-error"' in response.text
    assert 'value="Wa"' in response.text and ">Too short</textarea>" in response.text
    with portal.session() as session:
        assert session.get(Application, application_id).title == "Walking together"


def test_reading_age_is_shown_after_saving_and_advice_given_when_high(portal: Portal) -> None:
    funding_round = open_round(portal)
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, funding_round)
    page = f"/applications/{application_id}/summary"

    simple = "We walk with carers. We talk as we go. We see if they feel less alone. It is fun."
    browser.post(page, {"title": "Walking", "summary": simple}, from_page=page)
    easy = browser.get(page + "?saved=1").text
    hard = (
        "Multidisciplinary intergenerational participatory methodologies operationalise epistemological "
        "considerations regarding psychosocial interventions, facilitating comprehensive evaluation."
    )
    browser.post(page, {"title": "Walking", "summary": hard}, from_page=page)
    difficult = browser.get(page + "?saved=1").text

    assert "Reading age of your summary" in easy and "easy to read" in easy
    assert "reading age of 11 or under" in difficult


def test_bad_budget_amount_and_team_without_contact_are_explained(portal: Portal) -> None:
    funding_round = open_round(portal)
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, funding_round)
    budget, team = f"/applications/{application_id}/budget", f"/applications/{application_id}/team"

    bad_amount = browser.post(
        budget, {"category": "expenses", "description": "Bus fares", "amount": "lots"}, from_page=budget
    )
    no_contact = browser.post(team, {"name": "Sam"}, from_page=team)

    assert bad_amount.status_code == 400 and "Enter an amount in numbers" in bad_amount.text
    assert 'value="Bus fares"' in bad_amount.text
    assert no_contact.status_code == 400 and "e-mail address for a person" in no_contact.text


def test_check_answers_lists_what_is_missing_and_submit_is_refused_until_complete(portal: Portal) -> None:
    funding_round = open_round(portal)
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, funding_round)

    check = browser.get(f"/applications/{application_id}/check")
    response = browser.post(f"/applications/{application_id}/submit")

    assert "Some answers are missing" in check.text and "Add at least one co-lead" in check.text
    assert "Send application" not in check.text
    assert response.headers["location"] == f"/applications/{application_id}/check"
    with portal.session() as session:
        assert session.get(Application, application_id).status == ApplicationStatus.DRAFT


def test_submitting_twice_sends_one_application_one_e_mail_and_starts_intake_once(portal: Portal) -> None:
    funding_round = open_round(portal)
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, funding_round)
    fill_in(browser, application_id)
    browser.get(f"/applications/{application_id}/check")
    token = browser.csrf()

    first = browser.http.post(f"/applications/{application_id}/submit", data={"csrf_token": token})
    second = browser.http.post(f"/applications/{application_id}/submit", data={"csrf_token": token})

    assert first.headers["location"] == second.headers["location"] == f"/applications/{application_id}/sent"
    assert portal.started == [application_id]
    with portal.session() as session:
        assert session.get(Application, application_id).status == ApplicationStatus.SUBMITTED
        assert (
            session.scalar(
                select(func.count(AuditEntry.id)).where(
                    AuditEntry.entity_id == application_id, AuditEntry.to_status == "submitted"
                )
            )
            == 1
        )
        received = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "application_received")
        ).all()
    assert len(received) == 1
    confirmation = browser.get(f"/applications/{application_id}/sent")
    assert "Application sent" in confirmation.text
    assert browser.get(f"/applications/{application_id}/summary").status_code == 409


def test_status_in_applicant_words_and_withdrawal_before_a_decision(portal: Portal) -> None:
    funding_round = open_round(portal)
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, funding_round)
    fill_in(browser, application_id)
    browser.post(f"/applications/{application_id}/submit", from_page=f"/applications/{application_id}/check")

    status = browser.get(f"/applications/{application_id}/status")
    withdrawn = browser.post(
        f"/applications/{application_id}/withdraw",
        {"reason": "We found other money."},
        from_page=f"/applications/{application_id}/withdraw",
    )

    assert "We have your application." in status.text and "withdraw" in status.text
    assert withdrawn.status_code == 303
    after = browser.get(f"/applications/{application_id}/status")
    assert "You took this application back." in after.text and "/withdraw" not in after.text
    with portal.session() as session:
        assert session.get(Application, application_id).status == ApplicationStatus.WITHDRAWN


def test_withdrawal_after_a_decision_is_refused(portal: Portal) -> None:
    funding_round = open_round(portal)
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, funding_round)
    with portal.session() as session:
        session.get(Application, application_id).status = ApplicationStatus.NOT_FUNDED
        session.commit()
    browser.get("/sign-in")

    response = browser.post(f"/applications/{application_id}/withdraw", {"reason": ""})

    assert response.status_code == 409
    with portal.session() as session:
        assert session.get(Application, application_id).status == ApplicationStatus.NOT_FUNDED


def test_sending_after_the_round_closed_is_refused_in_plain_words(portal: Portal) -> None:
    funding_round = open_round(portal)
    browser = portal.client()
    browser.sign_in("amina@example.org")
    application_id = start_application(browser, funding_round)
    fill_in(browser, application_id)
    browser.get(f"/applications/{application_id}/check")
    with portal.session() as session:
        closed = session.get(Application, application_id).round
        closed.closes_at = closed.opens_at + dt.timedelta(days=1)
        session.commit()

    response = browser.post(f"/applications/{application_id}/submit")

    assert response.status_code == 409 and "This round closed on" in response.text
    with portal.session() as session:
        assert session.get(Application, application_id).status == ApplicationStatus.DRAFT


def test_styles_are_the_compiled_govuk_frontend_with_a_system_font(portal: Portal) -> None:
    response = portal.client().get("/static/portal.css")

    assert response.status_code == 200
    assert ".govuk-error-summary" in response.text and "system-ui" in response.text
    assert "GDS Transport" not in response.text
