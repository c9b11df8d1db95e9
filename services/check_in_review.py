"""Responsible for administrators' review of check-ins: which wait for a decision, and asking the team
for changes. Approving (which releases the milestone's tranche) is services.milestones.approve_check_in.

Asking for changes is claimed with one conditional UPDATE, like approving, so two administrators (or a
double click) cannot both decide: the second is refused and nothing is sent twice.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from models.applications import Application, Document
from models.awards import Award, CheckIn, Milestone
from models.base import utcnow
from models.errors import DomainError, NotFound
from models.lifecycle import ApplicationStatus
from services.milestones import not_open_for_review

S = ApplicationStatus
REVIEWABLE = (S.IN_DELIVERY, S.CLOSING)
MAX_NOTE = 4000


class ChangesNotifier(Protocol):
    def check_in_changes_requested(self, session: Session, check_in: CheckIn) -> None: ...


def check_ins_to_review(session: Session) -> list[CheckIn]:
    """Check-ins waiting for an administrator, the longest waiting first."""
    return list(
        session.scalars(
            select(CheckIn)
            .join(Milestone)
            .join(Award)
            .join(Application)
            .where(
                CheckIn.approved_at.is_(None),
                CheckIn.changes_requested_at.is_(None),
                Application.status.in_(REVIEWABLE),
            )
            .options(selectinload(CheckIn.milestone).selectinload(Milestone.award))
            .order_by(CheckIn.submitted_at, CheckIn.id)
        )
    )


def check_in_uploads(session: Session, check_in: CheckIn) -> list[Document]:
    ids = list(check_in.upload_document_ids or [])
    if not ids:
        return []
    found = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids)))}
    return [found[document_id] for document_id in ids if document_id in found]


def request_check_in_changes(
    session: Session, check_in_id: int, *, note: str, actor: str, notifier: ChangesNotifier
) -> CheckIn:
    """Ask the team to change a check-in before it is approved; they are e-mailed the note and may send
    it again (services.milestones.submit_check_in). Refused once it is approved or already sent back."""
    note = note.strip()
    if not note:
        raise DomainError("write a note telling the team what to change")
    if len(note) > MAX_NOTE:
        raise DomainError(f"the note is {len(note):,} characters; keep it under {MAX_NOTE:,}")
    check_in = session.get(CheckIn, check_in_id)
    if check_in is None:
        raise NotFound(f"no check-in with id {check_in_id}")
    application = check_in.milestone.award.application
    if application.status not in REVIEWABLE:
        raise DomainError(f"{application.reference} is {application.status}: no check-ins are reviewed now")
    claimed = session.execute(
        update(CheckIn)
        .where(
            CheckIn.id == check_in_id, CheckIn.approved_at.is_(None), CheckIn.changes_requested_at.is_(None)
        )
        .values(changes_requested_at=utcnow(), changes_requested_by=actor, changes_note=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(check_in)
    if not claimed:
        raise not_open_for_review(check_in, check_in.milestone.title, application.reference)
    notifier.check_in_changes_requested(session, check_in)
    session.flush()
    return check_in
