"""Responsible for the conflicts of interest a round's assignment must respect, and the seats they leave.

Automatic conflicts (same organisation, named on the application, a declared collaboration in the last
3 years) are recorded as rows the first time they are found, so the reviewer's pages and the panel see
them too. A reviewer with an unwaived conflict keeps their task row (and any review set aside) but not
their seat, so the next assignment run fills it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.enums import ConflictSource
from models.review import Assignment, Conflict
from models.rounds import FundingRound
from reviewers.conflicts import ConflictReason, Pair, automatic_conflicts
from reviewers.roles import ApplicationSlot, ReviewerSlot
from services.collaborations import collaboration_pairs


@dataclass(frozen=True)
class RoundConflicts:
    declared: set[Pair]  # unwaived: never assigned
    waived: set[Pair]  # logged decisions that the pair may review
    seated: dict[Pair, str]  # the round's assignments that still hold a seat, with their reviewer type


def gather_conflicts(
    session: Session,
    funding_round: FundingRound,
    applications: list[ApplicationSlot],
    reviewers: list[ReviewerSlot],
) -> RoundConflicts:
    """Record any new automatic conflicts, then read every conflict and seat of the round."""
    application_ids = [slot.id for slot in applications]
    _record_automatic_conflicts(session, funding_round, applications, reviewers)
    declared: set[Pair] = set()
    waived: set[Pair] = set()
    for application_id, reviewer_id, waived_by_id in session.execute(
        select(Conflict.application_id, Conflict.reviewer_id, Conflict.waived_by_id).where(
            Conflict.application_id.in_(application_ids)
        )
    ):
        (declared if waived_by_id is None else waived).add((application_id, reviewer_id))
    seated = {
        (application_id, reviewer_id): kind
        for application_id, reviewer_id, kind in session.execute(
            select(Assignment.application_id, Assignment.reviewer_id, Assignment.reviewer_type).where(
                Assignment.round_id == funding_round.id
            )
        )
        if (application_id, reviewer_id) not in declared
    }
    return RoundConflicts(declared, waived, seated)


def _record_automatic_conflicts(
    session: Session,
    funding_round: FundingRound,
    applications: list[ApplicationSlot],
    reviewers: list[ReviewerSlot],
) -> None:
    application_ids = [slot.id for slot in applications]
    found = {
        pair: ConflictReason.COLLABORATION
        for pair in collaboration_pairs(session, funding_round, application_ids, {r.id for r in reviewers})
    }
    found.update(automatic_conflicts(applications, reviewers))  # their reasons are more specific
    known = set(
        session.execute(
            select(Conflict.application_id, Conflict.reviewer_id).where(
                Conflict.application_id.in_(application_ids)
            )
        ).tuples()
    )
    for (application_id, reviewer_id), reason in sorted(found.items()):
        if (application_id, reviewer_id) not in known:
            session.add(
                Conflict(
                    application_id=application_id,
                    reviewer_id=reviewer_id,
                    source=ConflictSource.AUTOMATIC,
                    reason=str(reason),
                )
            )
    session.flush()
