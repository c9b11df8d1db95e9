"""Responsible for paying an award in tranches: the team accepts the terms, then each tranche is released
exactly once (the first once terms are accepted and the start date has come; each later one when an
administrator approves the check-in of its milestone), and the team is told by e-mail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from models.awards import Award, Payment
from models.base import utcnow
from models.enums import PaymentKind, PaymentStatus
from models.errors import DomainError, DuplicateAction, NotFound
from models.lifecycle import ApplicationStatus
from services.project_team import ensure_may_act, team_loaded

S = ApplicationStatus
# (session, payment) -> queues the tranche_released e-mails; given by the composition root.
TrancheNotifier = Callable[[Session, Payment], None]


def accept_terms(session: Session, award_id: int, *, person_id: int) -> Award:
    """Someone acting for the team (services.project_team) accepts the letter's terms and conditions, once."""
    award = session.get(Award, award_id)
    if award is None:
        raise NotFound(f"no award with id {award_id}")
    application = award.application
    ensure_may_act(session, application, person_id, doing="accept its award")
    if award.terms_accepted_at is not None:
        raise DuplicateAction(
            f"the terms for {application.reference} were already accepted "
            f"on {award.terms_accepted_at:%-d %B %Y}"
        )
    if application.status != S.IN_DELIVERY or award.letter_document_id is None:
        raise DomainError(f"there is no award letter to accept yet for {application.reference}")
    award.terms_accepted_at, award.terms_accepted_by_id = utcnow(), person_id
    return award  # saved with the caller's commit (a batch of acceptances in one UPDATE)


def release_tranche(session: Session, payment: Payment, *, notify: TrancheNotifier) -> Payment:
    """Release one scheduled tranche and queue its e-mails. A tranche is paid once: again is refused, also
    when another transaction released it a moment ago (the release is one conditional UPDATE)."""
    if payment.kind != PaymentKind.TRANCHE or payment.award is None:
        raise DomainError(f"payment {payment.id} is not a tranche of an award")
    if payment.status == PaymentStatus.RELEASED:
        raise DuplicateAction(
            f"tranche {payment.sequence} of {payment.award.application.reference} was already released "
            f"on {payment.released_at:%-d %B %Y}"
        )
    if payment.status != PaymentStatus.SCHEDULED:
        raise DomainError(f"tranche {payment.sequence} is {payment.status}, so it cannot be released")
    released_at = utcnow()
    claimed = session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status == PaymentStatus.SCHEDULED)
        .values(status=PaymentStatus.RELEASED, released_at=released_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:  # released by another transaction since we read it
        session.refresh(payment)
        raise DuplicateAction(
            f"tranche {payment.sequence} of {payment.award.application.reference} was already released"
        )
    # What the UPDATE wrote, without reading the row back.
    set_committed_value(payment, "status", PaymentStatus.RELEASED)
    set_committed_value(payment, "released_at", released_at)
    notify(session, payment)
    return payment


def release_first_tranches(session: Session, *, today: dt.date, notify: TrancheNotifier) -> list[int]:
    """First tranches of awards whose terms are accepted, once their start date has come."""
    due = session.scalars(
        select(Payment)
        .join(Award, Award.id == Payment.award_id)
        .where(
            Payment.sequence == 1,
            Payment.kind == PaymentKind.TRANCHE,
            Payment.status == PaymentStatus.SCHEDULED,
            Payment.due_on <= today,
            Award.terms_accepted_at.is_not(None),
        )
        # the e-mails name the project and go to its team: loaded for all at once
        .options(selectinload(Payment.award).options(*team_loaded(Award.application)))
        .order_by(Payment.id)
    ).all()
    return [release_tranche(session, payment, notify=notify).id for payment in due]
