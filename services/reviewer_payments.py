"""Responsible for paying reviewers: each person's choice (fee, decline, vouchers or to an organisation),
the benefits-advice hold, and one payment record per submitted review, per panel day and per expense claim.

Records are made at the round's rates (FundingRound.reviewer_rates) with the choice the person has when
the work is done; a later change of choice applies to later tasks only. Every record has a unique key (the
review, the panel attendance, the claim form), so a re-run or a second press finds the record already
there. A person who receives state benefits has every paid fee held, recorded but not released, until
they confirm they have had benefits advice; only that confirmation lifts the hold. Expenses are never
income, never held, and paid whatever the person chose for fees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.awards import Payment
from models.base import utcnow
from models.enums import PaymentKind, PaymentPreference, PaymentStatus, ReviewStatus
from models.errors import DomainError, NotFound
from models.people import Person, ReviewerProfile
from models.review import Assignment, PanelAttendance, Review
from models.rounds import FundingRound
from models.schemas import ExpenseClaimInput, PaymentChoiceInput

PAY_WITHIN_DAYS = 30  # NIHR: pay within 30 days
P = PaymentPreference


def profile_of(session: Session, person: Person) -> ReviewerProfile:
    """The person's reviewer profile; NotFound for someone who is not a reviewer."""
    profile = _profile(session, person.id)
    if profile is None:
        raise NotFound(f"person {person.id} is not a reviewer")
    return profile


def on_benefits_hold(profile: ReviewerProfile | None) -> bool:
    """Paid fees wait: the person receives benefits and has not yet confirmed benefits advice."""
    return bool(profile and profile.needs_benefits_advice and profile.benefits_advice_confirmed_at is None)


def set_payment_choice(session: Session, person: Person, choice: PaymentChoiceInput) -> ReviewerProfile:
    """Record how the person wants to be paid from now on (records already made keep their terms)."""
    profile = profile_of(session, person)
    profile.payment_preference = choice.payment_preference
    profile.payee_organisation = (
        choice.payee_organisation if choice.payment_preference == P.TO_ORGANISATION else None
    )
    profile.public_sector_salaried = choice.public_sector_salaried
    profile.needs_benefits_advice = choice.receives_benefits
    profile.payment_choice_updated_at = utcnow()
    session.flush()
    return profile


def confirm_benefits_advice(session: Session, person: Person) -> list[Payment]:
    """The person confirms they had benefits advice and have our letter: held fees are released from the
    hold (they become due as usual). Confirming again changes nothing. Returns the payments released."""
    profile = profile_of(session, person)
    if not profile.needs_benefits_advice:
        raise DomainError("you have not told us that you get benefits, so there is nothing to confirm")
    if profile.benefits_advice_confirmed_at is None:
        profile.benefits_advice_confirmed_at = utcnow()
    held = session.scalars(
        select(Payment).where(Payment.payee_person_id == person.id, Payment.status == PaymentStatus.HELD)
    ).all()
    for payment in held:
        payment.status, payment.hold_released_at = PaymentStatus.SCHEDULED, utcnow()
    session.flush()
    return list(held)


def _profile(session: Session, person_id: int) -> ReviewerProfile | None:
    return session.scalar(select(ReviewerProfile).where(ReviewerProfile.person_id == person_id))


def _saved(session: Session, payment: Payment) -> Payment:
    session.add(payment)
    session.flush()
    return payment


def _new_fee(
    profile: ReviewerProfile | None,
    *,
    person_id: int,
    funding_round: FundingRound,
    kind: PaymentKind,
    amount: Decimal,
    earned_on: dt.date,
    key: dict[str, Any],
) -> Payment:
    """The fee record on the terms `profile` holds now (no profile: a plain fee)."""
    method = profile.payment_preference if profile else P.FEE
    declined = method == P.DECLINE or amount <= 0
    status = PaymentStatus.DECLINED if declined else PaymentStatus.SCHEDULED
    if not declined and method != P.TO_ORGANISATION and on_benefits_hold(profile):
        status = PaymentStatus.HELD
    return Payment(
        kind=kind,
        payee_person_id=person_id,
        round_id=funding_round.id,
        method=method,
        payee_organisation=profile.payee_organisation if profile and method == P.TO_ORGANISATION else None,
        amount=Decimal("0") if declined else amount,
        currency=funding_round.reviewer_rates().currency,
        earned_on=earned_on,
        due_on=earned_on + dt.timedelta(days=PAY_WITHIN_DAYS),
        status=status,
        **key,
    )


def record_review_fee(session: Session, review: Review) -> Payment:
    """The fee for one submitted review; the same record if it is already there."""
    if review.status != ReviewStatus.SUBMITTED or review.submitted_at is None:
        raise DomainError("a review is paid once it is submitted")
    existing = session.scalar(select(Payment).where(Payment.review_id == review.id))
    if existing is not None:
        return existing
    profile = _profile(session, review.assignment.reviewer_id)
    funding_round = session.get(FundingRound, review.assignment.round_id)
    return _saved(session, _review_fee(review, profile, funding_round))


def _review_fee(review: Review, profile: ReviewerProfile | None, funding_round: FundingRound) -> Payment:
    assignment = review.assignment
    return _new_fee(
        profile,
        person_id=assignment.reviewer_id,
        funding_round=funding_round,
        kind=PaymentKind.REVIEWER_FEE,
        amount=funding_round.reviewer_rates().fee_per_review,
        earned_on=review.submitted_at.date(),
        key={"review_id": review.id, "description": f"Review of {assignment.application.reference}"},
    )


def record_panel_day_fee(session: Session, attendance: PanelAttendance) -> Payment:
    """The fee for one member's one panel day; the same record if it is already there."""
    existing = session.scalar(select(Payment).where(Payment.panel_attendance_id == attendance.id))
    if existing is not None:
        return existing
    funding_round = session.get(FundingRound, attendance.round_id)
    fee = _new_fee(
        _profile(session, attendance.person_id),
        person_id=attendance.person_id,
        funding_round=funding_round,
        kind=PaymentKind.PANEL_DAY_FEE,
        amount=funding_round.reviewer_rates().fee_per_panel_day,
        earned_on=attendance.day,
        key={"panel_attendance_id": attendance.id, "description": f"Panel day {attendance.day.isoformat()}"},
    )
    return _saved(session, fee)


def record_round_fees(session: Session, funding_round: FundingRound) -> list[Payment]:
    """A fee record for every submitted review and panel day of the round that has none yet (re-runnable)."""
    reviews = session.scalars(
        select(Review)
        .join(Assignment, Review.assignment_id == Assignment.id)
        .options(selectinload(Review.assignment).selectinload(Assignment.application))
        .outerjoin(Payment, Payment.review_id == Review.id)
        .where(
            Assignment.round_id == funding_round.id,
            Review.status == ReviewStatus.SUBMITTED,
            Payment.id.is_(None),
        )
        .order_by(Review.id)
    ).all()
    days = session.scalars(
        select(PanelAttendance)
        .outerjoin(Payment, Payment.panel_attendance_id == PanelAttendance.id)
        .where(PanelAttendance.round_id == funding_round.id, Payment.id.is_(None))
        .order_by(PanelAttendance.id)
    ).all()
    # Those found here have no record yet, so a round's review fees are made in one go: one query for the
    # reviewers' choices and one flush, instead of a lookup and an INSERT round trip per review.
    people = {review.assignment.reviewer_id for review in reviews}
    profiles = {
        profile.person_id: profile
        for profile in session.scalars(select(ReviewerProfile).where(ReviewerProfile.person_id.in_(people)))
    }
    made = [
        _review_fee(review, profiles.get(review.assignment.reviewer_id), funding_round)
        for review in reviews
        if review.submitted_at is not None
    ]
    session.add_all(made)
    session.flush()
    return made + [record_panel_day_fee(session, attendance) for attendance in days]


def claim_expense(session: Session, person: Person, claim: ExpenseClaimInput, *, claim_key: str) -> Payment:
    """Record money the person spent to take part. `claim_key` is unique to the form they filled in, so
    sending it twice records it once. Expenses are paid even to people who decline fees."""
    profile_of(session, person)
    if not 8 <= len(claim_key) <= 64:
        raise DomainError("this form is out of date: open the expenses page again")
    existing = session.scalar(select(Payment).where(Payment.claim_key == claim_key))
    if existing is not None:
        if existing.payee_person_id != person.id:
            raise DomainError("this form is out of date: open the expenses page again")
        return existing
    if claim.spent_on > utcnow().date():
        raise DomainError("the date you spent the money cannot be in the future")
    payment = Payment(
        kind=PaymentKind.EXPENSE,
        payee_person_id=person.id,
        claim_key=claim_key,
        expense_kind=claim.expense_kind,
        description=claim.description,
        amount=claim.amount,
        currency=_expense_currency(session, person),
        earned_on=claim.spent_on,
        due_on=utcnow().date() + dt.timedelta(days=PAY_WITHIN_DAYS),
        status=PaymentStatus.SCHEDULED,
    )
    session.add(payment)
    session.flush()
    return payment


def _expense_currency(session: Session, person: Person) -> str:
    """The currency of the round the person reviews in most recently (else the newest round's)."""
    found = session.scalar(
        select(FundingRound)
        .join(Assignment, Assignment.round_id == FundingRound.id)
        .where(Assignment.reviewer_id == person.id)
        .order_by(Assignment.id.desc())
    ) or session.scalar(select(FundingRound).order_by(FundingRound.id.desc()))
    return found.reviewer_rates().currency if found else "GBP"


def payments_of(session: Session, person_id: int) -> list[Payment]:
    """Every fee and expense record of the person, newest work first."""
    return payments_by_person(session, [person_id]).get(person_id, [])


def payments_by_person(session: Session, person_ids: Collection[int]) -> dict[int, list[Payment]]:
    """`payments_of` for many people with one query: each person's records, newest work first."""
    found: dict[int, list[Payment]] = {}
    for payment in session.scalars(
        select(Payment)
        .where(Payment.payee_person_id.in_(list(person_ids)), Payment.award_id.is_(None))
        .order_by(Payment.earned_on.desc(), Payment.id.desc())
    ):
        found.setdefault(payment.payee_person_id, []).append(payment)
    return found


def rounds_for_terms(session: Session, person: Person) -> list[FundingRound]:
    """The rounds whose rates the person should see: those they review in, else every round open now."""
    mine = session.scalars(
        select(FundingRound)
        .where(FundingRound.id.in_(select(Assignment.round_id).where(Assignment.reviewer_id == person.id)))
        .order_by(FundingRound.id)
    ).all()
    if mine:
        return list(mine)
    now = utcnow()
    return list(
        session.scalars(
            select(FundingRound)
            .where(FundingRound.opens_at <= now, FundingRound.closes_at > now)
            .order_by(FundingRound.id)
        )
    )
