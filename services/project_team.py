"""Responsible for who acts for a funded project, in one place for the services and the portal's pages.

The team acts for the project (accepts the terms, checks in, sends the final report, chooses whether to
be named): the lead applicant, the co-leads who are people, and co-applicants who accepted an invitation
with edit rights. Co-applicants invited to view see the project's pages but do not act for it.
Anyone else meets NotFound, the same as a project that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, selectinload

from models.applications import Application, CoLead
from models.errors import AccessDenied, NotFound
from models.people import Person
from models.portal import Access, ApplicationAccess

VIEW_ONLY_MESSAGE = (
    "You can see this project's pages, but you were invited to view only, so you cannot act for the team. "
    "Ask the lead applicant to invite you to edit if you need to."
)


@dataclass(frozen=True)
class ProjectAccess:
    application: Application
    may_act: bool


def _accepted_access(session: Session, application: Application) -> dict[int, Access]:
    if "access_grants" not in inspect(application).unloaded:  # loaded for a batch (team_loaded)
        return {
            grant.person_id: grant.access
            for grant in application.access_grants
            if grant.accepted_at is not None
        }
    rows = session.execute(
        select(ApplicationAccess.person_id, ApplicationAccess.access).where(
            ApplicationAccess.application_id == application.id, ApplicationAccess.accepted_at.is_not(None)
        )
    )
    return {person_id: access for person_id, access in rows}


def acting_team(session: Session, application: Application) -> list[Person]:
    """Everyone who may act for the project, each once (in the order they joined cogrant)."""
    people = {application.applicant_id: application.applicant}
    people |= {co_lead.person_id: co_lead.person for co_lead in application.co_leads if co_lead.person}
    granted = _accepted_access(session, application)
    people |= {pid: session.get(Person, pid) for pid, access in granted.items() if access == Access.EDIT}
    return [people[pid] for pid in sorted(people)]


def access_to_project(session: Session, application: Application, person_id: int) -> Access | None:
    """EDIT for those who act for the project, VIEW for view-only co-applicants, else None."""
    if application.applicant_id == person_id or any(
        co_lead.person_id == person_id for co_lead in application.co_leads
    ):
        return Access.EDIT
    return _accepted_access(session, application).get(person_id)


def ensure_may_act(session: Session, application: Application, person_id: int, *, doing: str) -> None:
    """AccessDenied, in plain words, unless `person_id` acts for the project."""
    access = access_to_project(session, application, person_id)
    if access == Access.VIEW:
        raise AccessDenied(VIEW_ONLY_MESSAGE)
    if access is None:
        raise AccessDenied(f"only the team of {application.reference} may {doing}")


def project_for(session: Session, person: Person, reference: str) -> ProjectAccess:
    """The project with this reference if `person` may see it, and whether they may act for it."""
    application = session.scalar(select(Application).where(Application.reference == reference))
    access = access_to_project(session, application, person.id) if application is not None else None
    if application is None or access is None:
        raise NotFound(f"no project {reference!r} for this person")
    return ProjectAccess(application=application, may_act=access == Access.EDIT)


def team_loaded(application: Any = None) -> tuple[Any, ...]:
    """Loader options for everyone who acts for applications (the applicant, co-leads as people and
    co-applicants with their invitations), at `application` (a relationship to one) or at the top of the
    query, so `acting_team` asks nothing more of the database."""
    loaded = selectinload(application) if application is not None else None

    def at(relationship: Any) -> Any:
        return loaded.selectinload(relationship) if loaded is not None else selectinload(relationship)

    return (
        at(Application.applicant),
        at(Application.co_leads).selectinload(CoLead.person),
        at(Application.access_grants).selectinload(ApplicationAccess.person),
    )
