"""Saving many applicants' drafts at once: the same rows as one by one, written together."""

from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from models import Application
from models.enums import Role
from models.people import RoleGrant
from services.intake import create_draft, create_drafts
from tests.support.factories import make_form, make_person, make_round


def _saved(session: Session, count: int) -> tuple[list[Application], int]:
    """`count` drafts saved together (by people already stored), and how many queries that took."""
    funding_round = make_round(session)
    drafts = [(make_person(session), make_form(lead_organisation="Walkers")) for _ in range(count)]
    statements: list[str] = []
    record = lambda *args: statements.append(args[2]) if args[2].lstrip().startswith("SELECT") else None  # noqa: E731
    event.listen(session.connection(), "before_cursor_execute", record)
    applications = create_drafts(session, funding_round=funding_round, drafts=drafts)
    event.remove(session.connection(), "before_cursor_execute", record)
    return applications, len(statements)


def test_drafts_saved_together_are_saved_as_one_at_a_time_would_be(session: Session) -> None:
    one = create_draft(
        session, funding_round=make_round(session), applicant=make_person(session), form=make_form()
    )
    applications, _ = _saved(session, 3)
    session.flush()
    for application in [one, *applications]:
        session.refresh(application)
        assert application.reference == f"CG-{application.round_id:03d}-{application.id:05d}"
        assert (len(application.co_leads), len(application.budget_lines)) == (1, 2)
        roles = select(func.count()).where(
            RoleGrant.person_id == application.applicant_id, RoleGrant.role == Role.APPLICANT
        )
        assert session.scalar(roles) == 1
    assert len({application.lead_organisation_id for application in applications}) == 1


def test_saving_more_drafts_together_asks_no_more_queries(session: Session) -> None:
    _, for_two = _saved(session, 2)
    _, for_six = _saved(session, 6)
    assert for_six == for_two
