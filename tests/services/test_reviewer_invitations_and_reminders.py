"""Reviewer invitations (one e-mail per person and round, a link that works once) and review reminders
(before the due date, once more when late, never twice), through the services on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import OutboxMessage
from models.enums import AssignmentSource, ReviewerType, Role
from models.lifecycle import ApplicationStatus
from models.people import Person, ReviewerInvitation, ReviewerProfile
from models.review import Assignment
from models.reviewer_schemas import ReviewerInvitationInput
from models.schemas import CRITERIA_KEYS, ReviewDraftInput, ReviewInput
from services.notify import Notifier
from services.review_reminders import send_review_reminders
from services.review_round import save_review
from services.review_tasks import declare_conflict
from services.reviewer_invitations import (
    accept_reviewer_invitation,
    invitation_signer,
    invite_reviewer,
    needs_onboarding,
)
from services.sign_in import LinkNotUsable
from tests.support.factories import make_application, make_reviewer, make_round

NOTIFIER = Notifier(
    funder_name="Pilot Fund", contact_email="help@example.org", public_url="http://portal.test"
)
SIGNER = invitation_signer("a-long-secret-for-these-tests")


def _mail(session: Session, template: str) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)))


def test_inviting_twice_sends_one_e_mail_whose_link_signs_in_once(session: Session) -> None:
    funding_round = make_round(session, name="Spring pilots")
    given = ReviewerInvitationInput(
        name="Rosa Lay",
        email="Rosa@Example.org",
        reviewer_type=ReviewerType.LIVED_EXPERIENCE,
        round_id=funding_round.id,
    )
    first = invite_reviewer(session, given, actor="admin@example.org", notifier=NOTIFIER, signer=SIGNER)
    again = invite_reviewer(session, given, actor="admin@example.org", notifier=NOTIFIER, signer=SIGNER)
    assert (first.already_invited, again.already_invited) == (False, True)
    assert session.scalar(select(func.count()).select_from(ReviewerInvitation)) == 1
    [mail] = _mail(session, "reviewer_invitation")
    assert mail.to_address == "rosa@example.org" and "Spring pilots" in mail.subject

    person = session.scalars(select(Person)).one()
    assert person.has_role(Role.LIVED_EXPERIENCE_REVIEWER) and needs_onboarding(session, person)
    token = re.search(r"/reviewer-invitations/(\S+)", mail.body_text).group(1)
    assert accept_reviewer_invitation(session, token=token, signer=SIGNER).id == person.id
    with pytest.raises(LinkNotUsable, match="used already"):
        accept_reviewer_invitation(session, token=token, signer=SIGNER)
    with pytest.raises(LinkNotUsable):
        accept_reviewer_invitation(session, token=token, signer=invitation_signer("another-secret"))


def test_an_existing_reviewer_keeps_their_type_and_a_new_round_is_a_new_invitation(session: Session) -> None:
    reviewer = make_reviewer(session, ReviewerType.SCIENTIST)
    for name in ("Round A", "Round B"):
        funding_round = make_round(session, name=name)
        given = ReviewerInvitationInput(
            name=reviewer.name,
            email=reviewer.email,
            reviewer_type=ReviewerType.LIVED_EXPERIENCE,
            round_id=funding_round.id,
        )
        invited = invite_reviewer(session, given, actor="admin", notifier=NOTIFIER, signer=SIGNER)
        assert invited.kept_type == ReviewerType.SCIENTIST and not invited.already_invited
    assert len(_mail(session, "reviewer_invitation")) == 2
    assert session.scalar(select(ReviewerProfile.reviewer_type)) == ReviewerType.SCIENTIST
    assert not needs_onboarding(session, reviewer)  # the factory's reviewer has a profile set up


def _tasks(session: Session, due: dt.date) -> list[Assignment]:
    funding_round = make_round(session, name="Autumn pilots")
    reviewer = make_reviewer(session, ReviewerType.LIVED_EXPERIENCE)
    tasks = []
    for _ in range(4):
        application = make_application(
            session, status=ApplicationStatus.IN_REVIEW, funding_round=funding_round
        )
        task = Assignment(
            round_id=funding_round.id,
            application_id=application.id,
            reviewer_id=reviewer.id,
            reviewer_type=ReviewerType.LIVED_EXPERIENCE,
            source=AssignmentSource.SOLVER,
            due_at=dt.datetime.combine(due, dt.time(17), tzinfo=dt.UTC),
        )
        session.add(task)
        tasks.append(task)
    session.flush()
    return tasks


def test_reminders_go_before_the_due_date_and_once_when_late_never_twice(session: Session) -> None:
    due = dt.date(2026, 5, 20)
    tasks = _tasks(session, due)
    reviewer = session.get(Person, tasks[0].reviewer_id)
    review = ReviewInput(scores=dict.fromkeys(CRITERIA_KEYS, 3), overall=3)
    save_review(session, tasks[0].id, review, reviewer_id=reviewer.id, submit=True)  # done: not counted
    save_review(session, tasks[1].id, ReviewDraftInput(overall=4), reviewer_id=reviewer.id, submit=False)
    declare_conflict(
        session, reviewer, tasks[2].id, has_conflict=True, reason="I know them"
    )  # not theirs now

    assert send_review_reminders(session, today=due - dt.timedelta(days=4), notifier=NOTIFIER).reminded == []
    assert send_review_reminders(session, today=due - dt.timedelta(days=3), notifier=NOTIFIER).reminded == [
        reviewer.id
    ]
    send_review_reminders(session, today=due - dt.timedelta(days=1), notifier=NOTIFIER)
    send_review_reminders(session, today=due, notifier=NOTIFIER)
    [reminder] = _mail(session, "review_reminder")
    assert "2 reviews to finish by 20 May 2026" in reminder.subject  # the draft and the untouched one

    assert send_review_reminders(session, today=due + dt.timedelta(days=1), notifier=NOTIFIER).overdue == [
        reviewer.id
    ]
    send_review_reminders(session, today=due + dt.timedelta(days=5), notifier=NOTIFIER)
    [late] = _mail(session, "review_overdue")
    assert "were due on 20 May 2026" in late.subject and "Autumn pilots" in late.body_text


def test_the_number_of_days_before_is_configurable(session: Session) -> None:
    due = dt.date(2026, 5, 20)
    _tasks(session, due)
    today = due - dt.timedelta(days=7)
    assert send_review_reminders(session, today=today, notifier=NOTIFIER).reminded == []
    assert len(send_review_reminders(session, today=today, notifier=NOTIFIER, days_before=7).reminded) == 1
    with pytest.raises(ValueError):
        send_review_reminders(session, today=today, notifier=NOTIFIER, days_before=-1)
