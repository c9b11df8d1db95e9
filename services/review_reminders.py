"""Responsible for reminding reviewers of reviews still open: some days before they are due, and once
when they are late.

A review is open while its application is in review, the reviewer has no conflict with it, and no review
has been submitted (a draft is still open). One e-mail covers a reviewer's open reviews in one round with
the same due date. Each e-mail's dedupe key names the reviewer, the round, the due date and the kind
(`review_reminder` before, `review_overdue` after), so running the sweep again, or every day, sends
each one once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.applications import Application
from models.enums import ReviewStatus
from models.lifecycle import ApplicationStatus
from models.people import Person
from models.review import Assignment, Review, unwaived_conflict
from models.rounds import FundingRound
from services.conflict_records import Sender

DEFAULT_DAYS_BEFORE = 3


@dataclass
class ReminderSweep:
    reminded: list[int] = field(default_factory=list)  # reviewer ids, one per e-mail
    overdue: list[int] = field(default_factory=list)


def open_reviews(session: Session) -> dict[tuple[int, int, dt.date], int]:
    """(reviewer_id, round_id, due date) -> how many reviews are still open."""
    rows = session.execute(
        select(Assignment.reviewer_id, Assignment.round_id, Assignment.due_at)
        .join(Application, Application.id == Assignment.application_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(
            Application.status == ApplicationStatus.IN_REVIEW,
            or_(Review.id.is_(None), Review.status == ReviewStatus.DRAFT),
            ~unwaived_conflict(Assignment.application_id, Assignment.reviewer_id),
        )
    ).all()
    counts: dict[tuple[int, int, dt.date], int] = defaultdict(int)
    for reviewer_id, round_id, due_at in rows:
        counts[(reviewer_id, round_id, due_at.date())] += 1
    return counts


def send_review_reminders(
    session: Session, *, today: dt.date, notifier: Sender, days_before: int = DEFAULT_DAYS_BEFORE
) -> ReminderSweep:
    if days_before < 0:
        raise ValueError("days_before cannot be negative")
    sweep = ReminderSweep()
    for (reviewer_id, round_id, due), count in sorted(open_reviews(session).items()):
        if today > due:
            template, done = "review_overdue", sweep.overdue
        elif due - dt.timedelta(days=days_before) <= today:
            template, done = "review_reminder", sweep.reminded
        else:
            continue
        notifier.send(
            session,
            template,
            session.get(Person, reviewer_id),
            f"{reviewer_id}:{round_id}:{due.isoformat()}",
            round_name=session.get(FundingRound, round_id).name,
            due_date=due,
            tasks_url=f"{notifier.public_url}/reviews",
            open_tasks=count,
        )
        done.append(reviewer_id)
    session.flush()
    return sweep
