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


def test_a_page_version_moves_only_when_that_page_s_answers_change(session: Session) -> None:
    application = make_application(session, title="Walking", summary="We walk with carers each week.")
    summary = drafts.page_version(application, "summary")
    proposal = drafts.page_version(application, "proposal")

    application.summary = "We walk and talk with carers each week."

    assert drafts.page_version(application, "summary") != summary
    assert drafts.page_version(application, "proposal") == proposal
    application.summary = "We walk with carers each week."
    assert drafts.page_version(application, "summary") == summary  # the same answers, the same version


def test_answers_saved_since_are_those_an_old_copy_would_overwrite(session: Session) -> None:
    application = make_application(session, title="Walking", summary="We walk with carers each week.")
    opened = drafts.page_version(application, "summary")
    application.title = "Walking and talking"
    typed_over_old = {"title": "Walking", "summary": "We walk with carers every week."}

    assert drafts.answers_saved_since(application, "summary", seen=opened, typed=typed_over_old) == {
        "title": "Walking and talking",
        "summary": "We walk with carers each week.",
    }
    same = {"title": "Walking and talking", "summary": "We walk with carers each week."}
    assert drafts.answers_saved_since(application, "summary", seen=opened, typed=same) == {}
    current = drafts.page_version(application, "summary")
    assert drafts.answers_saved_since(application, "summary", seen=current, typed=typed_over_old) == {}
    assert drafts.answers_saved_since(application, "summary", seen="", typed=typed_over_old) != {}
