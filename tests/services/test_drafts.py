"""Sending a draft: completeness checks, and two requests racing to send the same draft."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import Application, OutboxMessage
from models.lifecycle import ApplicationStatus
from models.schemas import CRITERIA_KEYS
from services import drafts
from services.notify import Notifier
from services.unit_of_work import UnitOfWork
from tests.support.factories import make_application


def _complete_draft(session: Session) -> int:
    application = make_application(
        session,
        sections={key: "An answer." for key in ("question", "plan", "people", "sharing")},
        coproduction_answers={key: "An answer." for key in CRITERIA_KEYS},
    )
    session.commit()
    return application.id


def test_two_racing_sends_make_one_submission_and_one_e_mail(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        application_id = _complete_draft(session)
    notifier = Notifier(funder_name="Fund", contact_email="help@example.org", public_url="http://x")
    first, second = (
        UnitOfWork(sessions, on_event=notifier.on_event),
        UnitOfWork(sessions, on_event=notifier.on_event),
    )

    with first, second:
        one = first.session.get(Application, application_id)
        two = second.session.get(Application, application_id)
        assert drafts.problems_before_submit(one) == []
        assert drafts.submit_application(first.session, one, actor="test") is True
        first.commit()
        assert drafts.submit_application(second.session, two, actor="test") is False
        second.commit()

    with sessions() as session:
        assert session.get(Application, application_id).status == ApplicationStatus.SUBMITTED
        assert session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_an_incomplete_draft_lists_what_is_missing_by_page(session: Session) -> None:
    application = make_application(session)

    problems = drafts.problems_before_submit(application)

    assert {problem.page for problem in problems} == {"proposal", "coproduction"}
