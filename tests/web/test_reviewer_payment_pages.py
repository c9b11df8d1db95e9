"""The reviewer's payment pages over HTTP, on SQLite and PostgreSQL: the choice (with the round's rates shown
first), the benefits-advice hold seen by the person and by administrators and lifted only by their own
confirmation, a fee recorded when a review is submitted (once), expenses claimed once however often the
form is sent, nominations on the review form, and the applicant's summary statement page."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from models import Payment
from models.base import utcnow
from models.enums import PaymentKind, PaymentPreference, PaymentStatus, Role
from models.lifecycle import ApplicationStatus
from models.people import ReviewerProfile
from models.review import PanelDecision, Review
from models.rounds import FundingRound
from services.people import get_or_create_person, grant_role
from services.readability import ADVISED_MAX_READING_AGE, reading_age, unexplained_acronyms, visible_text
from tests.web.conftest import Browser, Portal
from tests.web.reviewing import GOOD_REVIEW, opened_task, review_round, signed_in_reviewer

PAGE = "/reviews/payment"


def _set_rates(portal: Portal, application_id: int) -> None:
    with portal.session() as session:
        from models import Application

        funding_round = session.get(FundingRound, session.get(Application, application_id).round_id)
        funding_round.review_config = dict(funding_round.review_config) | {
            "fee_per_review": "120.00",
            "fee_per_panel_day": "240.00",
        }
        session.commit()


def _profile(portal: Portal, email: str) -> ReviewerProfile:
    with portal.session() as session:
        profile = session.scalar(
            select(ReviewerProfile)
            .join(ReviewerProfile.person)
            .where(ReviewerProfile.person.has(email=email))
        )
        session.expunge(profile)
        return profile


def _payments(portal: Portal) -> list[Payment]:
    with portal.session() as session:
        found = list(session.scalars(select(Payment).order_by(Payment.id)))
        session.expunge_all()
        return found


def _admin(portal: Portal) -> Browser:
    with portal.session() as session:
        admin = get_or_create_person(session, name="Alex Admin", email="alex.admin@example.org")
        grant_role(session, admin, Role.ADMINISTRATOR)
        session.commit()
    browser = portal.client()
    browser.sign_in("alex.admin@example.org")
    return browser


def test_the_choice_page_shows_the_rates_and_saves_a_choice(portal: Portal) -> None:
    round_ = review_round(portal)
    _set_rates(portal, round_.application_id)
    me = round_.reviewers[0]
    browser = signed_in_reviewer(portal, me.email)
    assert 'href="/reviews/payment"' in browser.get("/reviews").text
    page = browser.get(PAGE)
    assert page.status_code == 200
    assert "How you would like to be paid" in page.text and "120 GBP" in page.text and "240 GBP" in page.text
    refused = browser.post(PAGE, {"payment_preference": "to_organisation", "payee_organisation": ""})
    assert refused.status_code == 400
    assert "Write the name of the organisation we should pay." in refused.text
    assert 'value="to_organisation" checked' in refused.text  # what was chosen stays on the page
    assert _profile(portal, me.email).payment_preference == PaymentPreference.FEE  # nothing saved
    nothing = browser.post(PAGE, {})
    assert nothing.status_code == 400 and "Choose how you would like to be paid." in nothing.text
    saved = browser.post(
        PAGE,
        {
            "payment_preference": "to_organisation",
            "payee_organisation": "Riverside Carers",
            "public_sector_salaried": "yes",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{PAGE}?saved=choice"
    profile = _profile(portal, me.email)
    assert profile.payment_preference == PaymentPreference.TO_ORGANISATION
    assert (profile.payee_organisation, profile.public_sector_salaried) == ("Riverside Carers", True)
    shown = browser.get(f"{PAGE}?saved=choice").text
    assert "We have saved your choice" in shown and "outside your job and working hours" in shown


def test_people_who_are_not_reviewers_have_no_payment_page(portal: Portal) -> None:
    with portal.session() as session:
        get_or_create_person(session, name="Ann Applicant", email="ann@example.org")
        session.commit()
    browser = portal.client()
    browser.sign_in("ann@example.org")
    assert 'href="/reviews/payment"' not in browser.get("/reviews").text
    for path in (PAGE, f"{PAGE}/expenses", f"{PAGE}/benefits-letter"):
        assert browser.get(path).status_code == 404


def test_submitting_a_review_records_one_held_fee_until_advice_is_confirmed(portal: Portal) -> None:
    round_ = review_round(portal)
    _set_rates(portal, round_.application_id)
    browser, assignment_id = opened_task(portal, round_)
    page = f"/reviews/{assignment_id}"
    browser.post(PAGE, {"payment_preference": "fee", "receives_benefits": "yes"}, from_page=PAGE)
    submitted = GOOD_REVIEW | {"action": "submit", "version": "0"}
    browser.post(page, submitted, from_page=page)
    browser.post(page, submitted, from_page=page)  # a second press changes nothing
    [fee] = _payments(portal)
    assert (fee.kind, fee.amount, fee.status) == (PaymentKind.REVIEWER_FEE, 120, PaymentStatus.HELD)

    shown = browser.get(PAGE).text
    assert "We are holding your payments." in shown and "Held until you tell us" in shown
    assert "letter for your benefits office" in shown
    letter = browser.get(f"{PAGE}/benefits-letter").text
    assert "120 GBP for each application reviewed" in letter

    admin = _admin(portal)
    admin_page = admin.get("/admin/reviewer-payments")
    assert admin_page.status_code == 200 and "1 held payment" in admin_page.text
    assert browser.get("/admin/reviewer-payments").status_code == 404  # reviewers do not see it

    half = browser.post(f"{PAGE}/benefits-advice", {"had_advice": "yes"}, from_page=PAGE)
    assert half.status_code == 400 and "our letter for your benefits office" in half.text
    assert _payments(portal)[0].status == PaymentStatus.HELD
    done = browser.post(f"{PAGE}/benefits-advice", {"had_advice": "yes", "has_letter": "yes"}, from_page=PAGE)
    assert done.status_code == 303
    [fee] = _payments(portal)
    assert fee.status == PaymentStatus.SCHEDULED and fee.hold_released_at is not None
    assert "We are holding your payments." not in browser.get(PAGE).text
    assert "No reviewer's payments are held." in admin.get("/admin/reviewer-payments").text


def test_an_expense_claim_sent_twice_is_recorded_once(portal: Portal) -> None:
    round_ = review_round(portal)
    browser = signed_in_reviewer(portal, round_.reviewers[1].email)
    browser.post(PAGE, {"payment_preference": "decline"}, from_page=PAGE)
    form_page = browser.get(f"{PAGE}/expenses").text
    claim_key = re.search(r'name="claim_key" value="([0-9a-f]+)"', form_page).group(1)
    bad = browser.post(
        f"{PAGE}/expenses",
        {"claim_key": claim_key, "expense_kind": "travel", "amount": "lots", "spent_on": "soon"},
    )
    assert bad.status_code == 400
    assert "Enter an amount in numbers" in bad.text and "like 4/3/2027" in bad.text
    assert f'value="{claim_key}"' in bad.text  # the same form, so a later send is still one claim
    today = utcnow().date()
    claim = {
        "claim_key": claim_key,
        "expense_kind": "travel",
        "amount": "12.40",
        "spent_on": f"{today:%d/%m/%Y}",
    }
    assert browser.post(f"{PAGE}/expenses", claim).status_code == 303
    assert browser.post(f"{PAGE}/expenses", claim).status_code == 303
    [expense] = _payments(portal)
    assert (expense.kind, str(expense.amount), expense.earned_on) == (PaymentKind.EXPENSE, "12.40", today)
    assert expense.status == PaymentStatus.SCHEDULED  # paid although this person declines fees
    future = claim | {"claim_key": "0123456789abcdef", "spent_on": f"{today + dt.timedelta(days=2):%d/%m/%Y}"}
    assert "cannot be in the future" in browser.post(f"{PAGE}/expenses", future).text
    assert len(_payments(portal)) == 1


def test_a_nomination_is_saved_with_the_review(portal: Portal) -> None:
    round_ = review_round(portal)
    browser, assignment_id = opened_task(portal, round_)
    page = f"/reviews/{assignment_id}"
    form = GOOD_REVIEW | {
        "action": "draft",
        "version": "0",
        "nominated_for_discussion": "yes",
        "nomination_reason": "The panel should hear the lay view.",
    }
    assert browser.post(page, form, from_page=page).status_code == 303
    shown = browser.get(page).text
    assert 'name="nominated_for_discussion" type="checkbox" value="yes" checked' in shown
    assert "The panel should hear the lay view." in shown
    with portal.session() as session:
        review = session.scalar(select(Review).where(Review.assignment_id == assignment_id))
        assert review.nominated_for_discussion and review.nomination_reason.startswith("The panel")


def test_the_summary_statement_page_opens_once_the_panel_decided(portal: Portal) -> None:
    round_ = review_round(portal)
    with portal.session() as session:
        from models import Application

        application = session.get(Application, round_.application_id)
        application.status = ApplicationStatus.NOT_FUNDED
        reference, applicant_email = application.reference, application.applicant.email
        decision = PanelDecision(
            application_id=application.id,
            round_id=application.round_id,
            lived_experience_mean=3.5,
            scientist_mean=4.0,
            summary_statement="Scores run from 1 (best) to 9.\nReviewer 1: A warm, clear plan.",
        )
        session.add(decision)
        session.commit()
    applicant = portal.client()
    applicant.sign_in(applicant_email)
    path = f"/applications/{reference}/summary-statement"
    assert applicant.get(path).status_code == 404  # not decided yet
    assert (
        "What the reviewers said" not in applicant.get(f"/applications/{round_.application_id}/status").text
    )
    with portal.session() as session:
        session.scalar(select(PanelDecision)).decided_at = utcnow()
        session.commit()
    page = applicant.get(path)
    assert page.status_code == 200 and "3.5" in page.text and "A warm, clear plan." in page.text
    assert "What the reviewers said" in applicant.get(f"/applications/{round_.application_id}/status").text
    reviewer = signed_in_reviewer(portal, round_.reviewers[0].email)
    assert reviewer.get(path).status_code == 404  # only the applicant's team
    with portal.session() as session:
        assert session.scalar(select(func.count()).select_from(Payment)) == 0


def test_the_payment_pages_are_in_plain_words(portal: Portal) -> None:
    round_ = review_round(portal)
    browser = signed_in_reviewer(portal, round_.reviewers[0].email)
    browser.post(PAGE, {"payment_preference": "fee", "receives_benefits": "yes"}, from_page=PAGE)
    for path in (PAGE, f"{PAGE}/expenses", f"{PAGE}/benefits-letter"):
        text = visible_text(browser.get(path).text)
        assert reading_age(text) <= ADVISED_MAX_READING_AGE, (path, reading_age(text))
        assert unexplained_acronyms(text, well_known={"GBP", "NHS", "UK"}) == [], path
