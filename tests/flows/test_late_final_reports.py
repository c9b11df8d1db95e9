"""Late final reports under prefect_test_harness: the daily `milestone-check-ins` run reminds each team
before its final report is due and tells the administrators once it is late; each once, however often
the sweep runs."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select

from cogrant import synthetic
from cogrant.composition import App
from flows.delivery import milestone_check_ins
from models import Application, Award, OutboxMessage
from models.enums import Role
from models.lifecycle import ApplicationStatus
from services.closeout import final_report_due_on
from services.milestones import sweep_check_ins
from services.people import administrators, get_or_create_person, grant_role
from tests.support.stages import in_delivery

TEAM = 2  # the applicant and one co-lead with lived experience


def _closing_without_reports(app: App) -> dict[int, dt.date]:
    """Every project of a round has every check-in in and is asked for its final report; none sent it.
    Returns each application's final report due date."""
    award_ids = in_delivery(app)
    with app.unit_of_work() as uow:
        admin = get_or_create_person(uow.session, name="Ada Admin", email="ada@example.org")
        grant_role(uow.session, admin, Role.ADMINISTRATOR)
        round_id = uow.session.get(Award, award_ids[0]).application.round_id
        synthetic.accept_offers(uow.session, round_id=round_id)
        synthetic.file_check_ins(uow.session, round_id=round_id, due_by=dt.date(2040, 1, 1))
        synthetic.approve_check_ins(uow.session, round_id=round_id, notifier=app.notifier)
        awards = [uow.session.get(Award, award_id) for award_id in award_ids]
        first_end = min(award.end_date for award in awards)
        sweep_check_ins(uow.session, today=first_end, notifier=app.notifier, actor="test")
        assert {award.application.status for award in awards} == {ApplicationStatus.CLOSING}
        due = {award.application_id: final_report_due_on(award) for award in awards}
        uow.commit()
    return due


def _sent(app: App, template: str) -> int:
    with app.unit_of_work() as uow:
        return uow.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.template == template)
        )


def test_a_late_final_report_is_reminded_then_escalated_once_each(app: App) -> None:
    due = _closing_without_reports(app)
    soon = min(due.values()) - dt.timedelta(days=3)
    in_window = {a for a, day in due.items() if day - dt.timedelta(days=14) <= soon <= day}
    assert in_window

    first = asyncio.run(milestone_check_ins(today=soon))
    again = asyncio.run(milestone_check_ins(today=soon))

    assert (first["final_report_reminded"], first["final_report_escalated"]) == (len(in_window), 0)
    assert (again["final_report_reminded"], again["final_report_escalated"]) == (0, 0)
    assert _sent(app, "final_report_reminder") == len(in_window) * TEAM
    assert _sent(app, "final_report_overdue") == 0

    late = max(due.values()) + dt.timedelta(days=1)
    escalated = asyncio.run(milestone_check_ins(today=late))
    later = asyncio.run(milestone_check_ins(today=late + dt.timedelta(days=7)))

    assert escalated["final_report_escalated"] == len(due) and later["final_report_escalated"] == 0
    with app.unit_of_work() as uow:
        admins = len(administrators(uow.session))  # the seeded round's and Ada
    assert admins >= 1
    assert _sent(app, "final_report_overdue") == len(due) * admins  # once per project and administrator
    assert _sent(app, "final_report_reminder") == len(in_window) * TEAM  # no reminder after the due date
    with app.unit_of_work() as uow:
        messages = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "final_report_overdue")
        ).all()
        assert "ada@example.org" in {message.to_address for message in messages}
        assert all("/final-report" in message.body_text for message in messages)


def test_a_final_report_that_is_in_stops_the_chasing(app: App) -> None:
    due = _closing_without_reports(app)
    with app.unit_of_work() as uow:
        round_id = uow.session.get(Application, next(iter(due))).round_id
        synthetic.file_final_reports(uow.session, round_id=round_id)
        uow.commit()
    result = asyncio.run(milestone_check_ins(today=max(due.values()) + dt.timedelta(days=1)))
    assert result["final_report_escalated"] == 0 and _sent(app, "final_report_overdue") == 0
