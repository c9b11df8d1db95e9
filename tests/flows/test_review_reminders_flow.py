"""The review-reminders flow under Prefect, against a real SMTP server: a reminder before the due date
and one when late are each delivered once, however often the daily run repeats."""

from __future__ import annotations

import asyncio
import datetime as dt

from cogrant.composition import App
from cogrant.stack.smtp import DevSMTPServer
from flows.review_reminders import review_reminders
from models.enums import AssignmentSource, ReviewerType
from models.lifecycle import ApplicationStatus
from models.review import Assignment
from tests.support.factories import make_application, make_reviewer


def test_the_daily_run_reminds_once_before_and_once_when_late(app: App, smtp_server: DevSMTPServer) -> None:
    due = dt.date(2026, 3, 10)
    with app.sessions() as session:
        application = make_application(session, status=ApplicationStatus.IN_REVIEW)
        reviewer = make_reviewer(session, ReviewerType.SCIENTIST)
        session.add(
            Assignment(
                round_id=application.round_id,
                application_id=application.id,
                reviewer_id=reviewer.id,
                reviewer_type=ReviewerType.SCIENTIST,
                source=AssignmentSource.SOLVER,
                due_at=dt.datetime.combine(due, dt.time(12), tzinfo=dt.UTC),
            )
        )
        session.commit()
        email = reviewer.email

    runs = [due - dt.timedelta(days=days) for days in (5, 3, 3, 1)] + [due + dt.timedelta(days=1)] * 2
    results = [asyncio.run(review_reminders(today=day)) for day in runs]

    assert [r["reminded"] for r in results[:4]] == [0, 1, 1, 1]  # found again, but queued once (dedupe)
    assert [r["overdue"] for r in results[4:]] == [1, 1]
    messages = smtp_server.wait_for(2, timeout=10)
    assert [list(m.rcpt_tos) for m in messages] == [[email], [email]]
    subjects = [m.parse()["Subject"] for m in messages]
    assert subjects[0].startswith("Reminder: 1 review to finish by 10 March 2026")
    assert subjects[1] == "1 review was due on 10 March 2026"
