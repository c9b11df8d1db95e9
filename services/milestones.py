"""Responsible for milestone check-ins: reminders, escalation, recording check-ins, releasing tranches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.applications import Application
from models.awards import Award, CheckIn, Milestone, Payment
from models.base import utcnow
from models.enums import PaymentStatus
from models.errors import DomainError, DuplicateAction, NotFound
from models.lifecycle import ApplicationStatus
from models.schemas import CheckInInput
from models.status_change import change_status

S = ApplicationStatus
# (session, template, milestone, today) -> queues the e-mail; given by the composition root.
Notifier = Callable[[Session, str, Milestone, dt.date], None]


@dataclass
class CheckInSweep:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    released_payments: list[int] = field(default_factory=list)
    closing: list[int] = field(default_factory=list)


def record_check_in(session: Session, milestone_id: int, check_in: CheckInInput) -> CheckIn:
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound(f"no milestone with id {milestone_id}")
    if milestone.check_in is not None:
        raise DuplicateAction(f"the check-in for '{milestone.title}' was already received")
    if milestone.award.application.status != S.IN_DELIVERY:
        raise DomainError("check-ins are for projects in delivery")
    record = CheckIn(milestone=milestone, **check_in.model_dump())
    session.add(record)
    session.flush()
    return record


def sweep_check_ins(
    session: Session, *, today: dt.date, notify: Notifier, remind_days: int = 14, actor: str
) -> CheckInSweep:
    """The daily pass: remind before due dates, escalate overdue ones, release paid-for tranches."""
    sweep = CheckInSweep()
    milestones = session.scalars(
        select(Milestone)
        .join(Award)
        .join(Application)
        .where(Application.status == S.IN_DELIVERY)
        .options(selectinload(Milestone.check_in))
        .order_by(Milestone.id)
    ).all()
    for milestone in milestones:
        if (
            milestone.check_in is None
            and milestone.reminder_sent_at is None
            and milestone.due_on - dt.timedelta(days=remind_days) <= today
        ):
            notify(session, "checkin_reminder", milestone, today)
            milestone.reminder_sent_at = utcnow()
            sweep.reminded.append(milestone.id)
        if milestone.check_in is None and milestone.escalated_at is None and milestone.due_on < today:
            notify(session, "checkin_overdue", milestone, today)
            milestone.escalated_at = utcnow()
            sweep.escalated.append(milestone.id)
    sweep.released_payments = release_earned_tranches(session, today=today)
    sweep.closing = start_closing_when_done(session, actor=actor)
    return sweep


def release_earned_tranches(session: Session, *, today: dt.date) -> list[int]:
    """The first tranche is released on the start date; each later one once its check-in is in."""
    scheduled = session.scalars(
        select(Payment)
        .where(Payment.status == PaymentStatus.SCHEDULED, Payment.award_id.is_not(None))
        .order_by(Payment.id)
    ).all()
    released = []
    for payment in scheduled:
        milestone = session.get(Milestone, payment.milestone_id) if payment.milestone_id else None
        earned = payment.sequence == 1 or (milestone is not None and milestone.check_in is not None)
        if earned and payment.due_on <= today:
            payment.status, payment.released_at = PaymentStatus.RELEASED, utcnow()
            released.append(payment.id)
    return released


def start_closing_when_done(session: Session, *, actor: str) -> list[int]:
    """Projects in delivery with milestones, every one of them checked in, move on to close-out."""
    unreported = (
        select(Milestone.id)
        .where(Milestone.award_id == Award.id, ~Milestone.check_in.has())
        .correlate(Award)
        .exists()
    )
    done = session.scalars(
        select(Application)
        .join(Award, Award.application_id == Application.id)
        .where(Application.status == S.IN_DELIVERY, Award.milestones.any(), ~unreported)
        .order_by(Application.id)
    ).all()
    for application in done:
        change_status(session, application, S.CLOSING, actor=actor, reason="every check-in received")
    return [application.id for application in done]
