"""Responsible for recording a conflict of interest once it is known, and what follows from it.

Every conflict found after the assignment (declared before opening, declared when submitting the review,
or found from a collaboration the reviewer recorded) is written once per pair, logged in the audit trail
(entity "conflict"), and told to every administrator by e-mail. The reviewer loses access at once; the
next `review-round` run gives the seat to an unconflicted reviewer (services.review_round).
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.applications import Application
from models.audit import AuditEntry
from models.enums import ConflictSource
from models.people import Person
from models.review import Conflict
from reviewers.conflicts import ConflictReason
from services.people import administrators

HOW_FOUND = {
    ConflictSource.DECLARED: "the reviewer declared it before reading the application",
    ConflictSource.AFTER_REVIEW: "the reviewer declared it when sending their review (it is not counted)",
    ConflictSource.AUTOMATIC: "found from a collaboration the reviewer recorded on their profile",
}
AUDIT_ENTITY = "conflict"


def how_found(conflict: Conflict) -> str:
    if conflict.source == ConflictSource.AUTOMATIC and conflict.reason != str(ConflictReason.COLLABORATION):
        return "found when panels were assigned"
    return HOW_FOUND[conflict.source]


class Sender(Protocol):
    public_url: str

    def send(
        self, session: Session, template: str, recipient: Person, key: str, **context: object
    ) -> None: ...


def find_conflict(session: Session, application_id: int, reviewer_id: int) -> Conflict | None:
    return session.scalar(
        select(Conflict).where(Conflict.application_id == application_id, Conflict.reviewer_id == reviewer_id)
    )


def log_conflict(session: Session, conflict: Conflict, *, actor: str, action: str, reason: str) -> AuditEntry:
    entry = AuditEntry(actor=actor, entity=AUDIT_ENTITY, entity_id=conflict.id, action=action, reason=reason)
    session.add(entry)
    session.flush()
    return entry


def record_conflict(
    session: Session,
    *,
    application_id: int,
    reviewer: Person,
    source: ConflictSource,
    reason: str,
    notifier: Sender | None,
) -> Conflict:
    """Record (or re-open, ending any waiver) this pair's conflict, log it and tell administrators."""
    conflict = find_conflict(session, application_id, reviewer.id)
    if conflict is None:
        conflict = Conflict(application_id=application_id, reviewer_id=reviewer.id)
        session.add(conflict)
    had_waiver = conflict.waived
    conflict.source, conflict.reason = source, reason
    conflict.waived_by_id = conflict.waiver_reason = conflict.waived_at = None
    session.flush()
    action = "declared after review" if source == ConflictSource.AFTER_REVIEW else f"recorded ({source})"
    note = f"{reason} (this ends the waiver given before)" if had_waiver else reason
    entry = log_conflict(session, conflict, actor=reviewer.email, action=action, reason=note)
    if notifier is not None:
        _tell_administrators(session, notifier, conflict, reviewer=reviewer, audit_id=entry.id)
    return conflict


def _tell_administrators(
    session: Session, notifier: Sender, conflict: Conflict, *, reviewer: Person, audit_id: int
) -> None:
    application = session.get(Application, conflict.application_id)
    for admin in administrators(session):
        notifier.send(
            session,
            "conflict_declared",
            admin,
            f"{audit_id}:{admin.id}",  # one e-mail per recorded declaration and administrator
            reviewer_name=reviewer.name,
            reference=application.reference or f"application {application.id}",
            project_title=application.title or "Untitled application",
            how_found=how_found(conflict),
            conflict_reason=conflict.reason,
            conflicts_url=f"{notifier.public_url}/admin/conflicts",
        )
