"""Paying reviewers, on SQLite and PostgreSQL: a record per submitted review and per panel day at the round's
rates and with the person's choice at the time, never twice; the benefits-advice hold; expenses apart;
tax-year totals; panel attendance; nominations feeding the discussion list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Payment
from models.base import utcnow
from models.enums import AssignmentSource, ExpenseKind, PaymentKind, PaymentPreference, PaymentStatus
from models.enums import ReviewerType as T
from models.errors import DomainError, NotFound
from models.lifecycle import ApplicationStatus
from models.people import Person
from models.review import Assignment, PanelAttendance, PanelDecision
from models.schemas import (
    CRITERIA_KEYS,
    ExpenseClaimInput,
    PanelDayInput,
    PaymentChoiceInput,
    ReviewDraftInput,
    ReviewInput,
)
from services.panel_days import record_attendance
from services.payment_totals import reviewers_payments, tax_year_of, tax_year_totals, totals_table
from services.review_round import move_reviewed_to_panel, save_review
from services.reviewer_payments import (
    claim_expense,
    confirm_benefits_advice,
    on_benefits_hold,
    payments_of,
    profile_of,
    record_review_fee,
    record_round_fees,
    set_payment_choice,
)
from tests.support.factories import make_application, make_person, make_reviewer, make_round

P = PaymentPreference
RATES = {"fee_per_review": "150.00", "fee_per_panel_day": "250.00", "fee_currency": ""}


def _rated_round(session: Session):
    funding_round = make_round(session)
    funding_round.review_config = dict(funding_round.review_config) | RATES
    session.flush()
    return funding_round


def _assign(session: Session, application_id: int, reviewer: Person, kind: T, round_id: int) -> Assignment:
    assignment = Assignment(
        round_id=round_id,
        application_id=application_id,
        reviewer_id=reviewer.id,
        reviewer_type=kind,
        source=AssignmentSource.MANUAL,
        due_at=utcnow() + dt.timedelta(days=7),
        conflict_declared_at=utcnow(),
    )
    session.add(assignment)
    session.flush()
    return assignment


def _submit(session: Session, assignment: Assignment, *, overall: int = 3, nominate: bool = False):
    review = ReviewInput(
        scores=dict.fromkeys(CRITERIA_KEYS, overall),
        overall=overall,
        nominated_for_discussion=nominate,
        nomination_reason="A bold idea worth a talk." if nominate else "",
    )
    return save_review(session, assignment.id, review, reviewer_id=assignment.reviewer_id, submit=True)


def _choose(session: Session, person: Person, preference: P, **extra: object) -> None:
    set_payment_choice(session, person, PaymentChoiceInput(payment_preference=preference, **extra))


def _one_review(session: Session, preference: P = P.FEE, **choice: object):
    funding_round = _rated_round(session)
    application = make_application(session, status=ApplicationStatus.IN_REVIEW, funding_round=funding_round)
    reviewer = make_reviewer(session, T.LIVED_EXPERIENCE)
    _choose(session, reviewer, preference, **choice)
    assignment = _assign(session, application.id, reviewer, T.LIVED_EXPERIENCE, funding_round.id)
    return funding_round, reviewer, _submit(session, assignment)


def test_a_submitted_review_is_paid_once_at_the_rounds_rate(session: Session) -> None:
    funding_round, _reviewer, review = _one_review(session)
    first = record_review_fee(session, review)
    again = record_review_fee(session, review)
    assert record_round_fees(session, funding_round) == []  # nothing left to record
    assert first.id == again.id
    assert (first.kind, first.amount, first.currency, first.method) == (
        PaymentKind.REVIEWER_FEE,
        Decimal("150.00"),
        "GBP",
        P.FEE,
    )
    assert first.status == PaymentStatus.SCHEDULED and first.counts_as_income
    assert first.due_on == first.earned_on + dt.timedelta(days=30)
    assert session.scalar(select(func.count()).select_from(Payment)) == 1


def test_a_draft_is_not_paid(session: Session) -> None:
    funding_round = _rated_round(session)
    application = make_application(session, status=ApplicationStatus.IN_REVIEW, funding_round=funding_round)
    reviewer = make_reviewer(session, T.SCIENTIST)
    assignment = _assign(session, application.id, reviewer, T.SCIENTIST, funding_round.id)
    empty = ReviewDraftInput(scores={}, overall=None)
    draft = save_review(session, assignment.id, empty, reviewer_id=reviewer.id, submit=False)
    with pytest.raises(DomainError, match="once it is submitted"):
        record_review_fee(session, draft)
    assert record_round_fees(session, funding_round) == []


def test_declining_records_the_work_for_nothing(session: Session) -> None:
    _, _reviewer, review = _one_review(session, P.DECLINE)
    payment = record_review_fee(session, review)
    assert (payment.amount, payment.status, payment.method) == (
        Decimal("0"),
        PaymentStatus.DECLINED,
        P.DECLINE,
    )
    assert not payment.counts_as_income


def test_vouchers_count_as_income_and_an_organisation_is_paid_by_name(session: Session) -> None:
    _, voucher_person, review = _one_review(session, P.VOUCHERS)
    vouchers = record_review_fee(session, review)
    assert vouchers.counts_as_income and vouchers.amount == Decimal("150.00")
    _, org_person, review = _one_review(session, P.TO_ORGANISATION, payee_organisation="Riverside Carers")
    to_org = record_review_fee(session, review)
    assert to_org.payee_organisation == "Riverside Carers" and not to_org.counts_as_income
    [voucher_total] = tax_year_totals(payments_of(session, voucher_person.id))
    [org_total] = tax_year_totals(payments_of(session, org_person.id))
    assert (voucher_total.income, voucher_total.vouchers) == (Decimal("150.00"), Decimal("150.00"))
    assert (org_total.income, org_total.to_organisations) == (Decimal("0"), Decimal("150.00"))


def test_an_organisation_must_be_named() -> None:
    with pytest.raises(ValueError, match="name of the organisation"):
        PaymentChoiceInput(payment_preference=P.TO_ORGANISATION)


def test_a_change_of_choice_counts_for_later_work_only(session: Session) -> None:
    funding_round, reviewer, review = _one_review(session)
    first = record_review_fee(session, review)
    _choose(session, reviewer, P.DECLINE)
    application = make_application(session, status=ApplicationStatus.IN_REVIEW, funding_round=funding_round)
    later = record_review_fee(
        session,
        _submit(session, _assign(session, application.id, reviewer, T.LIVED_EXPERIENCE, funding_round.id)),
    )
    session.refresh(first)
    assert (first.method, first.amount) == (P.FEE, Decimal("150.00"))
    assert (later.method, later.amount) == (P.DECLINE, Decimal("0"))


def test_benefits_hold_keeps_paid_fees_until_the_person_confirms(session: Session) -> None:
    funding_round, reviewer, review = _one_review(session, receives_benefits=True)
    profile = profile_of(session, reviewer)
    assert on_benefits_hold(profile)
    held = record_review_fee(session, review)
    assert held.status == PaymentStatus.HELD and held.amount == Decimal("150.00")
    [total] = tax_year_totals(payments_of(session, reviewer.id))
    assert (total.income, total.held) == (Decimal("150.00"), Decimal("150.00"))
    # Expenses are never held.
    expense = claim_expense(
        session,
        reviewer,
        ExpenseClaimInput(expense_kind=ExpenseKind.TRAVEL, amount=Decimal("12.40"), spent_on=utcnow().date()),
        claim_key="claim-key-0001",
    )
    assert expense.status == PaymentStatus.SCHEDULED
    # Saying "no benefits" later does not release it: only the confirmation does.
    _choose(session, reviewer, P.FEE, receives_benefits=False)
    session.refresh(held)
    assert held.status == PaymentStatus.HELD
    _choose(session, reviewer, P.FEE, receives_benefits=True)
    released = confirm_benefits_advice(session, reviewer)
    assert [p.id for p in released] == [held.id]
    assert held.status == PaymentStatus.SCHEDULED and held.hold_released_at is not None
    assert confirm_benefits_advice(session, reviewer) == []  # again: nothing changes
    application = make_application(session, status=ApplicationStatus.IN_REVIEW, funding_round=funding_round)
    later = record_review_fee(
        session,
        _submit(session, _assign(session, application.id, reviewer, T.LIVED_EXPERIENCE, funding_round.id)),
    )
    assert later.status == PaymentStatus.SCHEDULED


def test_nothing_to_confirm_without_benefits(session: Session) -> None:
    reviewer = make_reviewer(session, T.LIVED_EXPERIENCE)
    with pytest.raises(DomainError, match="nothing to confirm"):
        confirm_benefits_advice(session, reviewer)


def test_payment_to_an_organisation_is_not_held(session: Session) -> None:
    _, _, review = _one_review(
        session, P.TO_ORGANISATION, payee_organisation="Carers Hub", receives_benefits=True
    )
    assert record_review_fee(session, review).status == PaymentStatus.SCHEDULED


def test_expenses_are_paid_to_people_who_decline_and_recorded_once(session: Session) -> None:
    _, reviewer, review = _one_review(session, P.DECLINE)
    record_review_fee(session, review)
    claim = ExpenseClaimInput(
        expense_kind=ExpenseKind.CARER_COVER, amount=Decimal("45.00"), spent_on=utcnow().date()
    )
    first = claim_expense(session, reviewer, claim, claim_key="a1b2c3d4e5f6")
    again = claim_expense(session, reviewer, claim, claim_key="a1b2c3d4e5f6")
    assert first.id == again.id
    assert first.status == PaymentStatus.SCHEDULED and not first.counts_as_income
    [total] = tax_year_totals(payments_of(session, reviewer.id))
    assert (total.income, total.expenses, total.declined_tasks) == (Decimal("0"), Decimal("45.00"), 1)
    someone_else = make_reviewer(session, T.SCIENTIST)
    with pytest.raises(DomainError, match="out of date"):
        claim_expense(session, someone_else, claim, claim_key="a1b2c3d4e5f6")
    future = claim.model_copy(update={"spent_on": utcnow().date() + dt.timedelta(days=3)})
    with pytest.raises(DomainError, match="future"):
        claim_expense(session, reviewer, future, claim_key="f00dfeedf00d")


def test_only_reviewers_have_payment_choices(session: Session) -> None:
    with pytest.raises(NotFound):
        profile_of(session, make_person(session))


@pytest.mark.parametrize(
    ("day", "start", "year"),
    [
        (dt.date(2027, 4, 5), (4, 6), "2026-27"),
        (dt.date(2027, 4, 6), (4, 6), "2027-28"),
        (dt.date(2027, 1, 1), (4, 6), "2026-27"),
        (dt.date(2099, 12, 31), (4, 6), "2099-00"),
        (dt.date(2027, 1, 1), (1, 1), "2027"),
        (dt.date(2027, 6, 30), (7, 1), "2026-27"),
    ],
)
def test_tax_year_boundary(day: dt.date, start: tuple[int, int], year: str) -> None:
    assert tax_year_of(day, start) == year


def test_panel_days_are_recorded_once_and_paid_per_day(session: Session) -> None:
    funding_round = _rated_round(session)
    lay, scientist = make_reviewer(session, T.LIVED_EXPERIENCE), make_reviewer(session, T.SCIENTIST)
    _choose(session, lay, P.VOUCHERS)
    days = [
        PanelDayInput(day=dt.date(2027, 4, 5), attendee_ids=[lay.id, scientist.id]),
        PanelDayInput(day=dt.date(2027, 4, 6), attendee_ids=[lay.id]),
    ]
    record_attendance(session, funding_round, days, actor="test")
    record_attendance(session, funding_round, days, actor="test")  # re-run
    assert session.scalar(select(func.count()).select_from(PanelAttendance)) == 3
    fees = record_round_fees(session, funding_round)
    assert record_round_fees(session, funding_round) == []
    assert sorted((f.payee_person_id, f.amount, f.kind) for f in fees) == sorted(
        [(lay.id, Decimal("250.00"), PaymentKind.PANEL_DAY_FEE)] * 2
        + [(scientist.id, Decimal("250.00"), PaymentKind.PANEL_DAY_FEE)]
    )
    # The two days fall in two tax years.
    years = [(t.tax_year, t.income) for t in tax_year_totals(payments_of(session, lay.id))]
    assert years == [("2027-28", Decimal("250.00")), ("2026-27", Decimal("250.00"))]
    stranger = make_person(session)
    with pytest.raises(DomainError, match=f"no reviewer with person id {stranger.id}"):
        record_attendance(
            session,
            funding_round,
            [PanelDayInput(day=dt.date(2027, 5, 1), attendee_ids=[stranger.id])],
            actor="t",
        )
    table = totals_table(reviewers_payments(session))
    assert {(row["reviewer"], row["tax year"]) for row in table} == {
        (lay.name, "2027-28"),
        (lay.name, "2026-27"),
        (scientist.name, "2026-27"),
    }


def test_a_nomination_puts_an_application_on_the_discussion_list(session: Session) -> None:
    funding_round = _rated_round(session)
    apps = [
        make_application(session, status=ApplicationStatus.IN_REVIEW, funding_round=funding_round)
        for _ in range(4)
    ]
    panel = [(make_reviewer(session, kind), kind) for kind in (T.LIVED_EXPERIENCE,) * 2 + (T.SCIENTIST,) * 2]
    for number, application in enumerate(apps):
        for reviewer, kind in panel:
            nominate = number == 3 and kind == T.SCIENTIST and reviewer.id == panel[2][0].id
            _submit(
                session,
                _assign(session, application.id, reviewer, kind, funding_round.id),
                overall=number + 2,
                nominate=nominate,
            )
    move_reviewed_to_panel(session, funding_round, actor="test")
    discussed = {d.application_id: d.discussed for d in session.scalars(select(PanelDecision)).all()}
    # The better half (the first two) by score, plus the nominated worst one.
    assert discussed == {apps[0].id: True, apps[1].id: True, apps[2].id: False, apps[3].id: True}
    assert len(record_round_fees(session, funding_round)) == 16
