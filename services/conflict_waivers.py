"""Responsible for administrators' waivers of conflicts of interest, and the conflicts register they read.

A waiver is allowed only when no other suitable reviewer exists: the administrator confirms that and
gives a reason; who approved it and when are kept on the conflict, and every waiver given, replaced or
removed is an audit entry (entity "conflict"), so the trail survives later changes. A waived pair is
treated as having no conflict: the reviewer may be assigned, and a review set aside for that conflict
counts again. Removing a waiver sets such a review aside again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models.applications import Application
from models.audit import AuditEntry
from models.base import utcnow
from models.enums import ConflictSource, ReviewStatus
from models.errors import DomainError, NotFound
from models.people import Person
from models.review import Assignment, Conflict, Review
from services.conflict_records import AUDIT_ENTITY, log_conflict


@dataclass(frozen=True)
class ConflictRow:
    conflict: Conflict
    reference: str
    project_title: str
    reviewer_name: str
    waived_by_name: str | None


def waive_conflict(
    session: Session, conflict_id: int, *, admin: Person, reason: str, no_other_reviewer: bool
) -> Conflict:
    """Waive (or replace the waiver of) one conflict; refused without the confirmation or a reason."""
    conflict = _conflict(session, conflict_id)
    if not no_other_reviewer:
        raise DomainError("a conflict may be waived only when no other suitable reviewer exists")
    reason = reason.strip()
    if not reason:
        raise DomainError("say why the conflict is waived")
    action = "waiver replaced" if conflict.waived else "waiver given"
    note = f"{reason} (was: {conflict.waiver_reason})" if conflict.waived else reason
    conflict.waived_by_id, conflict.waiver_reason, conflict.waived_at = admin.id, reason, utcnow()
    _set_review_aside(session, conflict, aside=False)
    log_conflict(session, conflict, actor=admin.email, action=action, reason=note)
    return conflict


def remove_waiver(session: Session, conflict_id: int, *, admin: Person, reason: str) -> Conflict:
    conflict = _conflict(session, conflict_id)
    if not conflict.waived:
        raise DomainError("this conflict has no waiver to remove")
    reason = reason.strip()
    if not reason:
        raise DomainError("say why the waiver is removed")
    note = f"{reason} (the waiver was: {conflict.waiver_reason})"
    conflict.waived_by_id = conflict.waiver_reason = conflict.waived_at = None
    _set_review_aside(session, conflict, aside=True)
    log_conflict(session, conflict, actor=admin.email, action="waiver removed", reason=note)
    return conflict


def _set_review_aside(session: Session, conflict: Conflict, *, aside: bool) -> None:
    """Only a review set aside because of this conflict (declared after review) changes back and forth."""
    if conflict.source != ConflictSource.AFTER_REVIEW:
        return
    review = session.scalar(
        select(Review)
        .join(Assignment, Review.assignment_id == Assignment.id)
        .where(
            Assignment.application_id == conflict.application_id,
            Assignment.reviewer_id == conflict.reviewer_id,
        )
    )
    if review is None:
        return
    before, after = (
        (ReviewStatus.SUBMITTED, ReviewStatus.SET_ASIDE)
        if aside
        else (ReviewStatus.SET_ASIDE, ReviewStatus.SUBMITTED)
    )
    if review.status == before:
        review.status = after
    session.flush()


def conflicts_register(session: Session, *, limit: int = 200) -> list[ConflictRow]:
    """The newest recorded conflicts, with the names an administrator needs."""
    reviewer, approver = aliased(Person), aliased(Person)
    rows = session.execute(
        select(Conflict, Application.reference, Application.title, reviewer.name, approver.name)
        .join(Application, Application.id == Conflict.application_id)
        .join(reviewer, reviewer.id == Conflict.reviewer_id)
        .outerjoin(approver, approver.id == Conflict.waived_by_id)
        .order_by(Conflict.id.desc())
        .limit(limit)
    ).all()
    return [
        ConflictRow(
            conflict, reference or f"application {conflict.application_id}", title or "Untitled", name, by
        )
        for conflict, reference, title, name, by in rows
    ]


def audit_trail(session: Session, *, conflict_id: int | None = None, limit: int = 200) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.entity == AUDIT_ENTITY)
    if conflict_id is not None:
        query = query.where(AuditEntry.entity_id == conflict_id)
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))


def _conflict(session: Session, conflict_id: int) -> Conflict:
    conflict = session.get(Conflict, conflict_id)
    if conflict is None:
        raise NotFound(f"no conflict {conflict_id}")
    return conflict
