"""Responsible for milestone check-ins: reminders, escalation, check-ins from the team, administrators'
approval of check-ins (which releases the milestone's tranche), and moving finished projects to close-out."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from models.applications import Application, Document
from models.awards import Award, CheckIn, Milestone, Payment
from models.base import utcnow
from models.enums import DocumentPurpose, MilestoneProgress, PaymentStatus
from models.errors import DomainError, DuplicateAction, NotFound
from models.lifecycle import ApplicationStatus
from models.schemas import CheckInInput
from models.status_change import change_statuses
from notifications.outbox import batch
from services.closeout import final_report_due_on
from services.documents import NewDocument, store_documents
from services.final_report_reminders import chase_final_reports
from services.project_team import ensure_may_act, team_loaded
from services.tranches import release_first_tranches, release_tranche
from storage.documents import DocumentStore

S = ApplicationStatus
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class DeliveryNotifier(Protocol):
    """What the daily pass tells people; services.notify.Notifier is the one the composition root gives."""

    def milestone(self, session: Session, template: str, milestone: Milestone, today: dt.date) -> None: ...

    def tranche_released(self, session: Session, payment: Payment) -> None: ...

    def final_report_due(self, session: Session, application: Application, due_on: dt.date) -> None: ...

    def final_report_late(
        self, session: Session, application: Application, *, due_on: dt.date, today: dt.date
    ) -> None: ...


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    content_type: str


@dataclass
class CheckInSweep:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    released_payments: list[int] = field(default_factory=list)
    closing: list[int] = field(default_factory=list)
    final_report_reminded: list[int] = field(default_factory=list)
    final_report_escalated: list[int] = field(default_factory=list)


def awaits_check_in(milestone: Milestone) -> bool:
    """No check-in yet, or an administrator asked the team to change the one sent (and has not approved)."""
    check_in = milestone.check_in
    return check_in is None or (check_in.changes_requested_at is not None and check_in.approved_at is None)


def submit_check_in(
    session: Session,
    milestone_id: int,
    form: CheckInInput,
    *,
    person_id: int,
    uploads: Sequence[Upload] = (),
    store: DocumentStore | None = None,
) -> CheckIn:
    """A team member's check-in for one milestone, with how every milestone of the plan stands."""
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound(f"no milestone with id {milestone_id}")
    application = milestone.award.application
    ensure_may_act(session, application, person_id, doing="check in on its milestones")
    if not awaits_check_in(milestone):
        raise DuplicateAction(f"the check-in for '{milestone.title}' was already received")
    if application.status != S.IN_DELIVERY:
        raise DomainError(
            f"check-ins are for projects in delivery; {application.reference} is {application.status}"
        )
    progress = _progress_of_plan(milestone, form)
    earlier = list(milestone.check_in.upload_document_ids) if milestone.check_in else []
    documents = _store_uploads(
        session, store, application, milestone, uploads, person_id=person_id, first=len(earlier) + 1
    )
    record = milestone.check_in or CheckIn(milestone=milestone)
    for name, value in form.model_dump(exclude={"milestone_progress"}).items():
        setattr(record, name, value)
    record.submitted_by_id, record.submitted_at, record.milestone_progress = person_id, utcnow(), progress
    record.upload_document_ids = earlier + [document.id for document in documents]
    record.changes_requested_at = None  # sent again after changes were asked for: ready to review
    session.add(record)
    session.flush()
    return record


def _progress_of_plan(milestone: Milestone, form: CheckInInput) -> dict[str, str]:
    sequences = [m.sequence for m in milestone.award.milestones]
    unknown = sorted(set(form.milestone_progress) - set(sequences))
    if unknown:
        raise DomainError(
            f"this plan has milestones {sequences[0]} to {sequences[-1]}; there is no milestone "
            + ", ".join(str(n) for n in unknown)
        )
    given = form.milestone_progress | {milestone.sequence: form.progress}
    return {str(n): str(given.get(n, MilestoneProgress.NOT_STARTED)) for n in sequences}


def _store_uploads(
    session: Session,
    store: DocumentStore | None,
    application: Application,
    milestone: Milestone,
    uploads: Sequence[Upload],
    *,
    person_id: int,
    first: int = 1,
) -> list[Document]:
    if not uploads:
        return []
    if store is None:
        raise DomainError("uploads need a document store")
    too_big = [upload.filename for upload in uploads if len(upload.data) > MAX_UPLOAD_BYTES]
    if too_big:
        raise DomainError(f"files over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: {', '.join(too_big)}")
    names = [re.sub(r"[^A-Za-z0-9._-]+", "-", upload.filename).strip("-.") or "file" for upload in uploads]
    documents = [
        NewDocument(
            application=application,
            purpose=DocumentPurpose.CHECK_IN_UPLOAD,
            key=f"check-ins/{application.reference}/{milestone.sequence}/{n + first}-{name}",
            filename=upload.filename,
            data=upload.data,
            content_type=upload.content_type,
            uploaded_by_id=person_id,
        )
        for n, (upload, name) in enumerate(zip(uploads, names, strict=True))
    ]
    return store_documents(session, store, documents)


def approve_check_in(
    session: Session, check_in_id: int, *, actor: str, notifier: DeliveryNotifier
) -> Payment | None:
    """An administrator approves a check-in; the tranche tied to its milestone is released (the first one
    goes with the accepted terms instead). The approval is claimed with one conditional UPDATE, so of two
    administrators pressing at once (or a double click) one approves and the other is refused: a tranche
    is never paid twice."""
    check_in = session.get(CheckIn, check_in_id)
    if check_in is None:
        raise NotFound(f"no check-in with id {check_in_id}")
    milestone = check_in.milestone
    application = milestone.award.application
    if application.status not in (S.IN_DELIVERY, S.CLOSING):
        raise DomainError(f"{application.reference} is {application.status}: no check-ins are approved now")
    approved_at = utcnow()
    claimed = session.execute(
        update(CheckIn)
        .where(
            CheckIn.id == check_in_id, CheckIn.approved_at.is_(None), CheckIn.changes_requested_at.is_(None)
        )
        .values(approved_at=approved_at, approved_by=actor)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        session.refresh(check_in)  # who approved it, or asked for changes, meanwhile
        raise not_open_for_review(check_in, milestone.title, application.reference)
    # What the UPDATE wrote, without reading the row back.
    set_committed_value(check_in, "approved_at", approved_at)
    set_committed_value(check_in, "approved_by", actor)
    set_committed_value(check_in, "changes_requested_at", None)
    tranche = next(
        (p for p in milestone.award.payments if p.milestone_id == milestone.id and p.sequence > 1), None
    )
    if tranche is not None and tranche.status == PaymentStatus.SCHEDULED:
        release_tranche(session, tranche, notify=notifier.tranche_released)
    return tranche


def not_open_for_review(check_in: CheckIn, title: str, reference: str | None) -> DomainError:
    if check_in.approved_at is not None:
        return DuplicateAction(
            f"the check-in for '{title}' of {reference} was already approved by {check_in.approved_by}"
        )
    return DuplicateAction(
        f"changes to the check-in for '{title}' of {reference} were asked for by "
        f"{check_in.changes_requested_by}; it can be approved once the team sends it again"
    )


def sweep_check_ins(
    session: Session, *, today: dt.date, notifier: DeliveryNotifier, remind_days: int = 14, actor: str
) -> CheckInSweep:
    """The daily pass: remind before due dates, escalate overdue ones, release first tranches of accepted
    awards, ask projects whose every check-in is in for their final report, and chase late final reports."""
    with batch(session):  # the pass's e-mails are checked against the outbox together
        return _sweep(session, today=today, notifier=notifier, remind_days=remind_days, actor=actor)


def _sweep(
    session: Session, *, today: dt.date, notifier: DeliveryNotifier, remind_days: int, actor: str
) -> CheckInSweep:
    sweep = CheckInSweep()
    milestones = session.scalars(
        select(Milestone)
        .join(Award)
        .join(Application)
        .where(Application.status == S.IN_DELIVERY)
        .options(
            selectinload(Milestone.check_in),
            # the reminders name the project and go to its team: loaded for all at once, not one by one
            selectinload(Milestone.award).options(*team_loaded(Award.application)),
        )
        .order_by(Milestone.id)
    ).all()
    for milestone in milestones:
        if (
            milestone.check_in is None
            and milestone.reminder_sent_at is None
            and milestone.due_on - dt.timedelta(days=remind_days) <= today
        ):
            notifier.milestone(session, "checkin_reminder", milestone, today)
            milestone.reminder_sent_at = utcnow()
            sweep.reminded.append(milestone.id)
        if milestone.check_in is None and milestone.escalated_at is None and milestone.due_on < today:
            notifier.milestone(session, "checkin_overdue", milestone, today)
            milestone.escalated_at = utcnow()
            sweep.escalated.append(milestone.id)
    sweep.released_payments = release_first_tranches(session, today=today, notify=notifier.tranche_released)
    sweep.closing = start_closing_when_done(session, actor=actor, notifier=notifier)
    late = chase_final_reports(session, today=today, notifier=notifier, remind_days=remind_days)
    sweep.final_report_reminded, sweep.final_report_escalated = late
    return sweep


def start_closing_when_done(session: Session, *, actor: str, notifier: DeliveryNotifier) -> list[int]:
    """Projects in delivery with milestones, every one of them checked in, move on to close-out and are
    asked for their final report."""
    unreported = (
        select(Milestone.id)
        .where(
            Milestone.award_id == Award.id,
            ~Milestone.check_in.has(CheckIn.changes_requested_at.is_(None)),
        )
        .correlate(Award)
        .exists()
    )
    done = session.execute(
        select(Application, Award)
        .join(Award, Award.application_id == Application.id)
        .where(Application.status == S.IN_DELIVERY, Award.milestones.any(), ~unreported)
        .options(*team_loaded())
        .order_by(Application.id)
    ).all()
    change_statuses(
        session,
        [application for application, _ in done],
        S.CLOSING,
        actor=actor,
        reason="every check-in received",
    )
    for application, award in done:
        notifier.final_report_due(session, application, final_report_due_on(award))
    return [application.id for application, _ in done]
