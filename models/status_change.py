"""Responsible for the one function that changes applications' statuses, which guards apply, and audit rows.

Every change is checked against `models.lifecycle.TRANSITIONS` and the guards of its (from, to) pair
(`models.status_guards`), audited, and recorded as a `StatusChanged` event in `session.info["events"]`
so the unit of work can queue what it causes in the same transaction. `change_statuses` moves many
applications at once with one query per guard; `change_status` is the same for one application.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from models.applications import Application
from models.audit import AuditEntry
from models.errors import DomainError, GuardFailed, IllegalTransition
from models.lifecycle import TRANSITIONS, ApplicationStatus
from models.status_guards import (
    Guard,
    award_approved,
    award_set_up,
    check_ins_received,
    closed_out,
    completeness_problems,
    eligibility_failed,
    eligibility_passed,
    enough_reviews,
    not_funded_decided,
    one_by_one,
    round_is_open,
)

S = ApplicationStatus


@dataclass(frozen=True)
class StatusChanged:
    application_id: int
    from_status: ApplicationStatus
    to_status: ApplicationStatus
    actor: str
    reason: str
    # The changed row itself, so handlers in the same session need not load it again.
    application: Application | None = field(default=None, compare=False, repr=False)


GUARDS: dict[tuple[ApplicationStatus, ApplicationStatus], tuple[Guard, ...]] = {
    (S.DRAFT, S.SUBMITTED): (one_by_one(completeness_problems), one_by_one(round_is_open)),
    (S.SCREENING, S.IN_REVIEW): (one_by_one(eligibility_passed),),
    (S.SCREENING, S.INELIGIBLE): (one_by_one(eligibility_failed),),
    (S.IN_REVIEW, S.PANEL): (enough_reviews,),
    (S.PANEL, S.AWARDED): (award_approved,),
    (S.PANEL, S.NOT_FUNDED): (not_funded_decided,),
    (S.AWARDED, S.IN_DELIVERY): (award_set_up,),
    (S.IN_DELIVERY, S.CLOSING): (check_ins_received,),
    (S.CLOSING, S.CLOSED): (closed_out,),
}


def change_status(
    session: Session, application: Application, to_status: ApplicationStatus, *, actor: str, reason: str = ""
) -> AuditEntry:
    """Move `application` to `to_status` if the table and guards allow it; raise a domain error otherwise."""
    return change_statuses(session, [application], to_status, actor=actor, reason=reason)[0]


def change_statuses(
    session: Session,
    applications: Sequence[Application],
    to_status: ApplicationStatus,
    *,
    actor: str,
    reason: str = "",
) -> list[AuditEntry]:
    """Move every one of `applications` (each at most once) to `to_status`, or none of them.

    The first application, in the order given, that the table or a guard refuses raises the domain
    error that `change_status` would raise for it alone. Guards ask once for the whole list, and the
    audit rows are written together at the next flush. Returns the audit rows in the order given."""
    if len({id(application) for application in applications}) != len(applications):
        raise ValueError("each application can change status only once in one call")
    from_statuses = [ApplicationStatus(application.status) for application in applications]
    problems = _problems(session, applications, from_statuses, to_status, reason)
    refused = next((problem for problem in problems if problem is not None), None)
    if refused is not None:
        raise refused
    entries = []
    events = session.info.setdefault("events", [])
    for application, from_status in zip(applications, from_statuses, strict=True):
        application.status = to_status
        entries.append(
            AuditEntry(
                actor=actor,
                entity="application",
                entity_id=application.id,
                action="status_change",
                from_status=from_status,
                to_status=to_status,
                reason=reason,
            )
        )
        events.append(StatusChanged(application.id, from_status, to_status, actor, reason, application))
    session.add_all(entries)
    return entries


def _problems(
    session: Session,
    applications: Sequence[Application],
    from_statuses: list[ApplicationStatus],
    to_status: ApplicationStatus,
    reason: str,
) -> list[DomainError | None]:
    """For each application, the error that stops its change (None where it may go ahead)."""
    refused: list[DomainError | None] = [None] * len(applications)
    guarded: dict[ApplicationStatus, list[int]] = {}
    for n, (application, from_status) in enumerate(zip(applications, from_statuses, strict=True)):
        entity = _entity(application)
        if to_status not in TRANSITIONS[from_status]:
            refused[n] = IllegalTransition(entity, from_status, to_status, sorted(TRANSITIONS[from_status]))
        elif to_status == S.WITHDRAWN and not reason.strip():
            refused[n] = GuardFailed(entity, to_status, ["a reason for withdrawing is needed"])
        else:
            guarded.setdefault(from_status, []).append(n)
    for from_status, positions in guarded.items():
        batch = [applications[n] for n in positions]
        found: list[list[str]] = [[] for _ in batch]
        for guard in GUARDS.get((from_status, to_status), ()):
            for mine, more in zip(found, guard(session, batch), strict=True):
                mine.extend(more)
        for n, mine in zip(positions, found, strict=True):
            if mine:
                refused[n] = GuardFailed(_entity(applications[n]), to_status, mine)
    return refused


def _entity(application: Application) -> str:
    return f"Application {application.reference or application.id}"
