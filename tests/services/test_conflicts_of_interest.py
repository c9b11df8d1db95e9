"""Conflicts of interest after the assignment, through the services on SQLite and PostgreSQL: declared
collaborations, declarations before opening and after reviewing, administrators told, the seat refilled on
re-run (pins kept), and waivers with their audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OutboxMessage
from models.base import utcnow
from models.enums import CollaborationKind, ConflictSource, ReviewerType, ReviewStatus, Role
from models.errors import AccessDenied, DomainError, NotFound
from models.lifecycle import ApplicationStatus
from models.people import Person
from models.review import Assignment, Conflict, PanelDecision, Review
from models.reviewer_schemas import CollaborationInput
from models.schemas import CRITERIA_KEYS, ReviewInput
from services.assignment_changes import pin_reviewer
from services.collaborations import record_collaboration
from services.conflict_waivers import audit_trail, remove_waiver, waive_conflict
from services.notify import Notifier
from services.people import grant_role
from services.review_confirmation import submit_with_confirmation
from services.review_round import (
    ReviewSave,
    assign_round,
    move_reviewed_to_panel,
    save_review,
    save_reviews,
    score_round,
)
from services.review_tasks import declare_conflict
from tests.support.factories import make_application, make_person, make_reviewer, make_round

LE, SCI = ReviewerType.LIVED_EXPERIENCE, ReviewerType.SCIENTIST
NOTIFIER = Notifier(
    funder_name="Pilot Fund", contact_email="help@example.org", public_url="http://portal.test"
)
REVIEW = ReviewInput(
    scores=dict.fromkeys(CRITERIA_KEYS, 3), overall=3, comment_for_applicant="Kind and clear."
)


@pytest.fixture
def admin(session: Session) -> Person:
    person = make_person(session, name="Ada Admin")
    grant_role(session, person, Role.ADMINISTRATOR)
    session.flush()
    return person


def _round(session: Session, *, reviewers_per_type: int = 3) -> tuple:
    funding_round = make_round(session)
    application = make_application(session, status=ApplicationStatus.IN_REVIEW, funding_round=funding_round)
    people = [
        make_reviewer(session, kind, max_load=2) for kind in (LE, SCI) for _ in range(reviewers_per_type)
    ]
    return funding_round, application, people


def _panel(session: Session, application_id: int) -> dict[int, Assignment]:
    rows = session.scalars(select(Assignment).where(Assignment.application_id == application_id))
    return {row.reviewer_id: row for row in rows}


def _conflicted(session: Session, application_id: int) -> set[int]:
    rows = session.scalars(
        select(Conflict.reviewer_id).where(
            Conflict.application_id == application_id, Conflict.waived_by_id.is_(None)
        )
    )
    return set(rows)


def _staff_mail(session: Session, admin: Person) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.template == "conflict_declared", OutboxMessage.to_address == admin.email
            )
        )
    )


def test_a_recent_collaboration_with_a_co_lead_keeps_the_reviewer_off_the_application(
    session: Session,
) -> None:
    funding_round, application, _ = _round(session)
    co_lead = application.co_leads[0].person
    recent, old = make_reviewer(session, SCI, max_load=2), make_reviewer(session, SCI, max_load=2)
    closes = funding_round.closes_at.date()
    for reviewer, when in ((recent, closes - dt.timedelta(days=700)), (old, dt.date(closes.year - 4, 1, 1))):
        given = CollaborationInput(
            kind=CollaborationKind.CO_AUTHORED, person_name=co_lead.name.upper(), last_worked_on=when
        )
        record_collaboration(session, reviewer, given, notifier=None)
    # Affinity would favour both: their statements match the application's words.
    for reviewer in (recent, old):
        reviewer.reviewer_profile.statement = f"{application.title} {application.summary}"
    assign_round(session, funding_round, now=utcnow(), actor="test")

    panel = _panel(session, application.id)
    assert recent.id not in panel and recent.id in _conflicted(session, application.id)
    assert old.id in panel and old.id not in _conflicted(session, application.id)
    reason = session.scalar(select(Conflict.reason).where(Conflict.reviewer_id == recent.id))
    assert "last 3 years" in reason


def test_a_collaboration_recorded_later_ends_access_at_once_and_tells_administrators(
    session: Session, admin: Person
) -> None:
    funding_round, application, _ = _round(session)
    assign_round(session, funding_round, now=utcnow(), actor="test")
    reviewer_id = next(iter(_panel(session, application.id)))
    reviewer = session.get(Person, reviewer_id)
    given = CollaborationInput(
        kind=CollaborationKind.PAID_PARTNER,
        person_email=application.applicant.email.upper(),
        last_worked_on=dt.date.today().replace(day=1),
    )
    record_collaboration(session, reviewer, given, notifier=NOTIFIER)

    assert reviewer_id in _conflicted(session, application.id)
    [mail] = _staff_mail(session, admin)
    assert "collaboration the reviewer recorded" in mail.body_text and reviewer.name in mail.body_text


@pytest.mark.parametrize("pinned", [False, True])
def test_a_declared_conflict_is_told_to_administrators_and_the_seat_filled_unconflicted(
    session: Session, admin: Person, pinned: bool
) -> None:
    funding_round, application, _ = _round(session)
    extra = make_reviewer(session, SCI, max_load=2)
    if pinned:  # an administrator's pin survives the re-run
        pin_reviewer(
            session, funding_round, application_id=application.id, reviewer_id=extra.id, now=utcnow()
        )
    assign_round(session, funding_round, now=utcnow(), actor="test")
    before = _panel(session, application.id)
    leaving = next(r for r, a in before.items() if a.reviewer_type == SCI and r != extra.id)
    declare_conflict(
        session,
        session.get(Person, leaving),
        before[leaving].id,
        has_conflict=True,
        reason="My sister leads it",
        notifier=NOTIFIER,
    )
    [mail] = _staff_mail(session, admin)
    assert "My sister leads it" in mail.body_text and "before reading" in mail.body_text

    outcome = assign_round(session, funding_round, now=utcnow(), actor="test")
    after = _panel(session, application.id)
    seated = {r for r in after if r not in _conflicted(session, application.id)}
    assert len(outcome.new_assignments) == 1
    assert sum(after[r].reviewer_type == SCI for r in seated) == 2 and len(seated) == 4
    assert leaving not in seated and leaving in after  # their task row is kept, but not the seat
    assert set(before) - {leaving} <= seated  # nobody else moved
    if pinned:
        assert extra.id in seated and after[extra.id].source == "manual"
    assert assign_round(session, funding_round, now=utcnow(), actor="test").new_assignments == []


def test_a_conflict_declared_after_review_keeps_the_text_but_not_the_score(
    session: Session, admin: Person
) -> None:
    funding_round, application, _ = _round(session)
    assign_round(session, funding_round, now=utcnow(), actor="test")
    panel = _panel(session, application.id)
    leaving_id = next(r for r, a in panel.items() if a.reviewer_type == LE)
    for reviewer_id, assignment in panel.items():
        reviewer = session.get(Person, reviewer_id)
        if reviewer_id == leaving_id:
            partial = ReviewInput.model_construct(scores={}, overall=1, comment_for_applicant="Wonderful!")
            submit_with_confirmation(
                session,
                assignment.id,
                partial,
                reviewer=reviewer,
                has_conflict=True,
                conflict_reason="I saw my old colleague is on the team",
                notifier=NOTIFIER,
            )
        else:
            record = submit_with_confirmation(
                session, assignment.id, REVIEW, reviewer=reviewer, has_conflict=False
            )
            assert record.no_conflict_confirmed_at is not None
    set_aside = session.scalar(select(Review).where(Review.assignment_id == panel[leaving_id].id))
    assert (set_aside.status, set_aside.comment_for_applicant, set_aside.overall) == (
        ReviewStatus.SET_ASIDE,
        "Wonderful!",
        1,
    )
    [score] = score_round(session, funding_round)
    assert (score.counts["lived_experience"], score.counts["scientist"]) == (1, 2)
    assert audit_trail(session)[0].action == "declared after review"
    assert "not counted" in _staff_mail(session, admin)[0].body_text

    move_reviewed_to_panel(session, funding_round, actor="test")
    assert application.status == ApplicationStatus.IN_REVIEW  # one lived-experience review short
    [new] = assign_round(session, funding_round, now=utcnow(), actor="test").new_assignments
    assert new.reviewer_type == LE and new.reviewer_id != leaving_id
    save_review(session, new.id, REVIEW, reviewer_id=new.reviewer_id, submit=True)
    move_reviewed_to_panel(session, funding_round, actor="test")
    assert application.status == ApplicationStatus.PANEL
    decision = session.scalar(select(PanelDecision).where(PanelDecision.application_id == application.id))
    assert decision.lived_experience_mean == 3.0  # the set-aside 1 is not in it


def test_waivers_need_the_confirmation_and_a_reason_and_every_change_is_logged(
    session: Session, admin: Person
) -> None:
    funding_round, application, _ = _round(session)
    assign_round(session, funding_round, now=utcnow(), actor="test")
    panel = _panel(session, application.id)
    reviewer_id, assignment = next(iter(panel.items()))
    reviewer = session.get(Person, reviewer_id)
    submit_with_confirmation(
        session,
        assignment.id,
        REVIEW,
        reviewer=reviewer,
        has_conflict=True,
        conflict_reason="I know the lead",
    )
    conflict = session.scalar(select(Conflict).where(Conflict.reviewer_id == reviewer_id))
    with pytest.raises(DomainError, match="no other suitable reviewer"):
        waive_conflict(session, conflict.id, admin=admin, reason="Only expert", no_other_reviewer=False)
    with pytest.raises(DomainError, match="say why"):
        waive_conflict(session, conflict.id, admin=admin, reason="  ", no_other_reviewer=True)
    assert not conflict.waived

    waive_conflict(
        session, conflict.id, admin=admin, reason="Only expert on this rare illness", no_other_reviewer=True
    )
    assert (conflict.waived_by_id, conflict.waiver_reason) == (admin.id, "Only expert on this rare illness")
    assert conflict.waived_at is not None
    assert assignment.review.status == ReviewStatus.SUBMITTED  # set aside for this conflict: counted again
    waive_conflict(session, conflict.id, admin=admin, reason="Panel chair agreed", no_other_reviewer=True)
    remove_waiver(session, conflict.id, admin=admin, reason="Another expert joined the pool")
    assert not conflict.waived and assignment.review.status == ReviewStatus.SET_ASIDE
    with pytest.raises(DomainError, match="no waiver"):
        remove_waiver(session, conflict.id, admin=admin, reason="again")

    trail = [(e.action, e.actor, e.reason) for e in reversed(audit_trail(session, conflict_id=conflict.id))]
    assert [action for action, _, _ in trail] == [
        "declared after review",
        "waiver given",
        "waiver replaced",
        "waiver removed",
    ]
    assert trail[2][2] == "Panel chair agreed (was: Only expert on this rare illness)"
    assert trail[3][1] == admin.email and "Another expert joined the pool" in trail[3][2]


def test_an_administrator_can_pin_a_replacement_for_a_conflicted_reviewer(session: Session) -> None:
    funding_round, application, _ = _round(session)
    assign_round(session, funding_round, now=utcnow(), actor="test")
    panel = _panel(session, application.id)
    leaving = next(r for r, a in panel.items() if a.reviewer_type == SCI)
    declare_conflict(
        session, session.get(Person, leaving), panel[leaving].id, has_conflict=True, reason="Friend"
    )
    spare = next(p for p in _round(session)[2] if p.reviewer_profile.reviewer_type == SCI)
    pinned = pin_reviewer(
        session, funding_round, application_id=application.id, reviewer_id=spare.id, now=utcnow()
    )
    assert pinned.source == "manual"
    with pytest.raises(DomainError, match="already has its 2 scientist reviewers"):
        other = make_reviewer(session, SCI)
        pin_reviewer(
            session, funding_round, application_id=application.id, reviewer_id=other.id, now=utcnow()
        )


def test_reviews_saved_together_are_checked_like_one_and_a_conflicted_one_stops_them_all(
    session: Session,
) -> None:
    funding_round, application, _ = _round(session)
    assign_round(session, funding_round, now=utcnow(), actor="test")
    first, second, *rest = sorted(_panel(session, application.id).values(), key=lambda a: a.id)
    session.add(
        Conflict(
            application_id=application.id,
            reviewer_id=second.reviewer_id,
            source=ConflictSource.DECLARED,
            reason="A friend",
        )
    )
    session.flush()
    saves = [ReviewSave(a.id, a.reviewer_id, REVIEW) for a in (first, second, *rest)]
    with pytest.raises(AccessDenied, match="conflict of interest"):
        save_reviews(session, saves, submit=True)
    assert session.scalars(select(Review)).all() == []  # checked before any is written
    with pytest.raises(AccessDenied, match="another reviewer"):
        save_reviews(session, [ReviewSave(first.id, second.reviewer_id, REVIEW)], submit=True)
    with pytest.raises(NotFound, match="no review task with id 0"):
        save_reviews(
            session, [ReviewSave(first.id, first.reviewer_id, REVIEW), ReviewSave(0, 1, REVIEW)], submit=True
        )

    records = save_reviews(session, [s for s in saves if s.assignment_id != second.id], submit=True)
    assert [(r.assignment_id, r.status, r.overall) for r in records] == [
        (a.id, ReviewStatus.SUBMITTED, 3) for a in (first, *rest)
    ]
    with pytest.raises(DomainError, match="already submitted"):
        save_reviews(session, saves[:1], submit=False)
