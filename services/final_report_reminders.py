"""Responsible for chasing late final reports: the final report is due within 60 days of a project's end
(services.closeout.final_report_due_on). The daily sweep reminds the team before the due date and tells
the administrators once it is late; each once per project, so re-runs send nothing twice."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.applications import Application
from models.awards import Award, CloseOutReport
from models.base import utcnow
from models.lifecycle import ApplicationStatus
from services.closeout import final_report_due_on


class LateReportNotifier(Protocol):
    def final_report_late(
        self, session: Session, application: Application, *, due_on: dt.date, today: dt.date
    ) -> None: ...


def chase_final_reports(
    session: Session, *, today: dt.date, notifier: LateReportNotifier, remind_days: int = 14
) -> tuple[list[int], list[int]]:
    """Closing projects without a final report: a reminder `remind_days` before it is due, and the
    administrators told the day after. Returns (reminded, escalated) application ids."""
    waiting = session.execute(
        select(Application, Award)
        .join(Award, Award.application_id == Application.id)
        .outerjoin(CloseOutReport, CloseOutReport.application_id == Application.id)
        .where(
            Application.status == ApplicationStatus.CLOSING,
            CloseOutReport.id.is_(None),
            Award.end_date.is_not(None),
        )
        .order_by(Application.id)
    ).all()
    reminded, escalated = [], []
    for application, award in waiting:
        due_on = final_report_due_on(award)
        reminder_window = due_on - dt.timedelta(days=remind_days) <= today <= due_on
        if today > due_on and award.final_report_escalated_at is None:
            notifier.final_report_late(session, application, due_on=due_on, today=today)
            award.final_report_escalated_at = utcnow()
            escalated.append(application.id)
        elif reminder_window and award.final_report_reminded_at is None:
            notifier.final_report_late(session, application, due_on=due_on, today=today)
            award.final_report_reminded_at = utcnow()
            reminded.append(application.id)
    session.flush()
    return reminded, escalated
