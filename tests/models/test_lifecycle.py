"""Every (from, to) pair of the lifecycle table: illegal ones refused, legal ones guarded and audited."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from models import (
    Application,
    Assignment,
    AuditEntry,
    Award,
    CheckIn,
    CloseOutReport,
    Document,
    Milestone,
    PanelDecision,
    Payment,
    Review,
)
from models.enums import (
    AssignmentSource,
    AwardStatus,
    DocumentPurpose,
    MilestoneProgress,
    PaymentKind,
    Recommendation,
    ReviewerType,
    ReviewStatus,
)
from models.errors import GuardFailed, IllegalTransition
from models.lifecycle import STATUSES, TERMINAL_STATUSES, TRANSITIONS, ApplicationStatus
from models.status_change import GUARDS, StatusChanged, change_status, change_statuses
from tests.support.factories import make_application, make_reviewer

S = ApplicationStatus
ALL_PAIRS = list(itertools.product(S, S))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_PAIRS if b not in TRANSITIONS[a]]


def _award(session: Session, application: Application, **values: object) -> Award:
    award = Award(application=application, amount=Decimal("12000"), currency="GBP", **values)
    session.add(award)
    session.flush()
    return award


def satisfy_guards(session: Session, application: Application, to: ApplicationStatus) -> None:
    """Create the records each guard asks for, as the real stages would."""
    now = dt.datetime.now(dt.UTC)
    if to == S.IN_REVIEW:
        application.eligibility = {"eligible": True}
    elif to == S.INELIGIBLE:
        application.eligibility = {"eligible": False, "reasons": ["too late"]}
    elif to == S.PANEL:
        for reviewer_type in (ReviewerType.LIVED_EXPERIENCE, ReviewerType.SCIENTIST):
            for _ in range(2):
                assignment = Assignment(
                    round_id=application.round_id,
                    application=application,
                    reviewer=make_reviewer(session, reviewer_type),
                    reviewer_type=reviewer_type,
                    source=AssignmentSource.SOLVER,
                    due_at=now,
                )
                session.add(Review(assignment=assignment, overall=3, status=ReviewStatus.SUBMITTED))
    elif to in (S.AWARDED, S.NOT_FUNDED):
        fund = to == S.AWARDED
        session.add(
            PanelDecision(
                application=application,
                round_id=application.round_id,
                recommendation=Recommendation.FUND if fund else Recommendation.DO_NOT_FUND,
            )
        )
        if fund:
            _award(session, application, status=AwardStatus.APPROVED)
    elif to == S.IN_DELIVERY:
        letter = _document(session, application, "letter", DocumentPurpose.AWARD_LETTER)
        award = _award(session, application, status=AwardStatus.APPROVED, letter_document_id=letter.id)
        session.add(
            Payment(
                award=award,
                sequence=1,
                kind=PaymentKind.TRANCHE,
                amount=Decimal("6000"),
                currency="GBP",
                due_on=now.date(),
            )
        )
    elif to == S.CLOSING:
        award = _award(session, application, status=AwardStatus.APPROVED)
        milestone = Milestone(award=award, sequence=1, title="Start-up meeting", due_on=now.date())
        session.add(CheckIn(milestone=milestone, progress=MilestoneProgress.COMPLETED, note="Met."))
    elif to == S.CLOSED:
        celebration = _document(session, application, "celebration", DocumentPurpose.CELEBRATION_REPORT)
        session.add(CloseOutReport(application=application, celebration_document_id=celebration.id))
    session.flush()


def _document(session: Session, application: Application, name: str, purpose: DocumentPurpose) -> Document:
    document = Document(
        application=application,
        purpose=purpose,
        key=f"{application.id}/{name}",
        filename=name,
        content_type="text/html",
        size=1,
        sha256="0" * 64,
    )
    session.add(document)
    session.flush()
    return document


def _audit_rows(session: Session, application: Application) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.entity_id == application.id)))


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL, ids=lambda s: str(s))
def test_illegal_change_is_refused_and_changes_nothing(session: Session, from_status, to_status) -> None:
    application = make_application(session, status=from_status)
    with pytest.raises(IllegalTransition) as error:
        change_status(session, application, to_status, actor="test", reason="trying")
    assert f"from '{from_status}' to '{to_status}'" in str(error.value)
    assert application.status == from_status
    assert _audit_rows(session, application) == []


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED, ids=lambda s: str(s))
def test_allowed_change_checks_guards_then_audits(session: Session, from_status, to_status) -> None:
    application = make_application(session, status=from_status)
    reason = "changed my mind" if to_status == S.WITHDRAWN else "next step"
    if (from_status, to_status) in GUARDS and from_status != S.DRAFT:
        with pytest.raises(GuardFailed):
            change_status(session, application, to_status, actor="test", reason=reason)
        assert application.status == from_status
    satisfy_guards(session, application, to_status)
    entry = change_status(session, application, to_status, actor="admin:alex", reason=reason)
    session.flush()
    assert application.status == to_status
    assert (entry.actor, entry.from_status, entry.to_status, entry.reason) == (
        "admin:alex",
        from_status,
        to_status,
        reason,
    )
    assert _audit_rows(session, application) == [entry]
    assert session.info["events"][-1] == StatusChanged(
        application.id, from_status, to_status, "admin:alex", reason
    )


@pytest.mark.parametrize("from_status", sorted(s for s in S if S.WITHDRAWN in TRANSITIONS[s]))
def test_withdrawing_needs_a_reason(session: Session, from_status: ApplicationStatus) -> None:
    application = make_application(session, status=from_status)
    with pytest.raises(GuardFailed, match="reason for withdrawing"):
        change_status(session, application, S.WITHDRAWN, actor="applicant", reason="  ")


def test_submitting_an_incomplete_draft_names_every_problem(session: Session) -> None:
    application = make_application(session)
    application.summary = ""
    application.co_leads[0].lived_experience = False
    with pytest.raises(GuardFailed) as error:
        change_status(session, application, S.SUBMITTED, actor="applicant")
    assert "summary is empty" in str(error.value) and "lived experience" in str(error.value)


def test_in_review_to_panel_counts_reviews_of_each_type(session: Session) -> None:
    application = make_application(session, status=S.IN_REVIEW)
    with pytest.raises(GuardFailed) as error:
        change_status(session, application, S.PANEL, actor="system")
    assert "0 of 2 lived experience reviews submitted" in str(error.value)
    assert "0 of 2 scientist reviews submitted" in str(error.value)


GUARDED = [(a, b) for a, b in ALLOWED if (a, b) in GUARDS and a != S.DRAFT]


def _statements(session: Session) -> list[str]:
    """The SQL the session's connection runs from now on (to show a guard asks once per batch)."""
    seen: list[str] = []
    event.listen(session.connection(), "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


@pytest.mark.parametrize(("from_status", "to_status"), GUARDED, ids=lambda s: str(s))
def test_a_batch_asks_each_guard_once_and_audits_each_in_order(
    session: Session, from_status, to_status
) -> None:
    funding_round = make_application(session).round
    applications = [
        make_application(session, status=from_status, funding_round=funding_round) for _ in range(3)
    ]
    for application in applications:
        satisfy_guards(session, application, to_status)
    one = make_application(session, status=from_status, funding_round=funding_round)
    satisfy_guards(session, one, to_status)
    session.flush()
    alone = _statements(session)
    change_status(session, one, to_status, actor="test", reason="next step")
    asked_for_one = len(alone)
    session.flush()
    together = _statements(session)
    entries = change_statuses(session, applications, to_status, actor="admin:alex", reason="next step")
    assert len(together) == asked_for_one  # the same queries for three applications as for one
    session.flush()
    assert [a.status for a in applications] == [to_status] * 3
    assert [(e.entity_id, e.from_status, e.to_status, e.actor) for e in entries] == [
        (a.id, from_status, to_status, "admin:alex") for a in applications
    ]
    assert [_audit_rows(session, a) for a in applications] == [[e] for e in entries]
    assert session.info["events"][-3:] == [
        StatusChanged(a.id, from_status, to_status, "admin:alex", "next step") for a in applications
    ]


@pytest.mark.parametrize(("from_status", "to_status"), GUARDED, ids=lambda s: str(s))
def test_a_batch_with_one_refused_changes_none_and_names_the_first_refused(
    session: Session, from_status, to_status
) -> None:
    funding_round = make_application(session).round
    ready, stuck, also_stuck = (
        make_application(session, status=from_status, funding_round=funding_round) for _ in range(3)
    )
    satisfy_guards(session, ready, to_status)
    with pytest.raises(GuardFailed) as batch_error:
        change_statuses(session, [ready, stuck, also_stuck], to_status, actor="test", reason="next step")
    with pytest.raises(GuardFailed) as alone_error:
        change_status(session, stuck, to_status, actor="test", reason="next step")
    assert str(batch_error.value) == str(alone_error.value)
    assert stuck.reference in str(batch_error.value)
    assert [a.status for a in (ready, stuck, also_stuck)] == [from_status] * 3
    assert [_audit_rows(session, a) for a in (ready, stuck, also_stuck)] == [[], [], []]


def test_a_batch_refuses_an_illegal_change_before_a_later_guard(session: Session) -> None:
    funding_round = make_application(session).round
    guarded = make_application(session, status=S.IN_REVIEW, funding_round=funding_round)
    closed = make_application(session, status=S.CLOSED, funding_round=funding_round)
    with pytest.raises(IllegalTransition, match=closed.reference):
        change_statuses(session, [closed, guarded], S.PANEL, actor="test")
    with pytest.raises(GuardFailed, match=guarded.reference):
        change_statuses(session, [guarded, closed], S.PANEL, actor="test")


def test_a_batch_names_each_application_once(session: Session) -> None:
    application = make_application(session, status=S.SUBMITTED)
    with pytest.raises(ValueError, match="only once"):
        change_statuses(session, [application, application], S.SCREENING, actor="test")
    assert application.status == S.SUBMITTED


def test_every_status_has_labels_and_every_terminal_status_is_reachable() -> None:
    assert set(STATUSES) == set(S) == set(TRANSITIONS)
    reachable, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(S)
    assert {S.INELIGIBLE, S.NOT_FUNDED, S.WITHDRAWN, S.CLOSED} == TERMINAL_STATUSES
    for info in STATUSES.values():
        assert info.staff_label and info.applicant_label
