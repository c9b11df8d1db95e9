"""Responsible for recording who attended the panel on which day; each attendance is paid one panel-day fee
(services.reviewer_payments.record_panel_day_fee).

Recording the same person on the same day again changes nothing (one row per round, person and day), so
the panel flow can be re-run with the same attendance safely.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.errors import DomainError
from models.people import ReviewerProfile
from models.review import PanelAttendance
from models.rounds import FundingRound
from models.schemas import PanelDayInput


def record_attendance(
    session: Session, funding_round: FundingRound, days: list[PanelDayInput], *, actor: str
) -> list[PanelAttendance]:
    """Every (day, member) given, new or already recorded. Anyone who is not a reviewer is refused, by id,
    before anything is recorded."""
    wanted = sorted({(day.day, person_id) for day in days for person_id in day.attendee_ids})
    members = set(
        session.scalars(
            select(ReviewerProfile.person_id).where(ReviewerProfile.person_id.in_({p for _, p in wanted}))
        )
    )
    strangers = sorted({person_id for _, person_id in wanted} - members)
    if strangers:
        raise DomainError(f"panel attendance: no reviewer with person id {', '.join(map(str, strangers))}")
    recorded = []
    for day, person_id in wanted:
        attendance = session.scalar(
            select(PanelAttendance).where(
                PanelAttendance.round_id == funding_round.id,
                PanelAttendance.person_id == person_id,
                PanelAttendance.day == day,
            )
        )
        if attendance is None:
            attendance = PanelAttendance(
                round_id=funding_round.id, person_id=person_id, day=day, recorded_by=actor
            )
            session.add(attendance)
        recorded.append(attendance)
    session.flush()
    return recorded
