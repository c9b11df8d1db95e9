"""Responsible for reviewers' declared collaborations: recording them from the profile page, and the
conflicts of interest they cause (reviewers.collaborations holds the rule).

Recording one checks the reviewer's current tasks at once: an application in review that names the
person or organisation becomes a recorded conflict (administrators are told, the reviewer loses access),
so nobody reads an application they should not while waiting for the next review-round run.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.applications import Application, CoLead
from models.enums import ConflictSource
from models.errors import NotFound
from models.lifecycle import ApplicationStatus
from models.people import Collaboration, Organisation, Person
from models.review import Assignment
from models.reviewer_schemas import CollaborationInput
from models.rounds import FundingRound
from reviewers.collaborations import DeclaredCollaboration, NamedParty, collaboration_conflicts
from reviewers.conflicts import ConflictReason
from services.conflict_records import Sender, find_conflict, record_conflict


def collaborations_of(session: Session, reviewer: Person) -> list[Collaboration]:
    return list(
        session.scalars(
            select(Collaboration)
            .where(Collaboration.reviewer_id == reviewer.id)
            .order_by(Collaboration.last_worked_on.desc(), Collaboration.id)
        )
    )


def record_collaboration(
    session: Session, reviewer: Person, given: CollaborationInput, *, notifier: Sender | None
) -> Collaboration:
    collaboration = Collaboration(
        reviewer_id=reviewer.id,
        kind=given.kind,
        person_name=given.person_name,
        person_email=given.person_email,
        organisation_name=given.organisation_name,
        last_worked_on=given.last_worked_on,
    )
    session.add(collaboration)
    session.flush()
    _conflicts_with_current_tasks(session, reviewer, collaboration, notifier=notifier)
    return collaboration


def remove_collaboration(session: Session, reviewer: Person, collaboration_id: int) -> None:
    """Forget a collaboration; conflicts already recorded from it stay (an administrator may waive them)."""
    collaboration = session.get(Collaboration, collaboration_id)
    if collaboration is None or collaboration.reviewer_id != reviewer.id:
        raise NotFound(f"no collaboration {collaboration_id} for this reviewer")
    session.delete(collaboration)
    session.flush()


def round_date(funding_round: FundingRound) -> dt.date:
    """The date the 3 years are counted back from: when the round closed to applications."""
    return funding_round.closes_at.date()


def named_party(application: Application) -> NamedParty:
    people = [(application.applicant.name, application.applicant.email)]
    people += [(c.person.name, c.person.email) for c in application.co_leads if c.person is not None]
    organisations = [application.lead_organisation.name if application.lead_organisation else None]
    organisations += [c.organisation.name for c in application.co_leads if c.organisation is not None]
    return NamedParty.of(application.id, people=people, organisations=organisations)


def declared(rows: Iterable[Collaboration]) -> list[DeclaredCollaboration]:
    return [
        DeclaredCollaboration(
            reviewer_id=row.reviewer_id,
            last_worked_on=row.last_worked_on,
            person_name=row.person_name,
            person_email=row.person_email,
            organisation=row.organisation_name,
        )
        for row in rows
    ]


def collaboration_pairs(
    session: Session, funding_round: FundingRound, application_ids: list[int], reviewer_ids: set[int]
) -> set[tuple[int, int]]:
    """(application_id, reviewer_id) pairs of this round conflicted by a recent declared collaboration.

    Costs one query when nobody has declared a collaboration; else the named people and organisations
    of every application are read in three queries of plain rows."""
    if not application_ids or not reviewer_ids:
        return set()
    rows = session.scalars(
        select(Collaboration).where(Collaboration.reviewer_id.in_(sorted(reviewer_ids)))
    ).all()
    if not rows:
        return set()
    return collaboration_conflicts(
        _named_parties(session, application_ids), declared(rows), round_date=round_date(funding_round)
    )


def _named_parties(session: Session, application_ids: list[int]) -> list[NamedParty]:
    people: dict[int, list[tuple[str | None, str | None]]] = defaultdict(list)
    organisations: dict[int, list[str | None]] = defaultdict(list)
    in_round = Application.id.in_(application_ids)
    for app_id, name, email in session.execute(
        select(Application.id, Person.name, Person.email)
        .join(Person, Person.id == Application.applicant_id)
        .where(in_round)
    ):
        people[app_id].append((name, email))
    for app_id, name, email in session.execute(
        select(CoLead.application_id, Person.name, Person.email)
        .join(Person, Person.id == CoLead.person_id)
        .where(CoLead.application_id.in_(application_ids))
    ):
        people[app_id].append((name, email))
    lead = (
        select(Application.id, Organisation.name)
        .join(Organisation, Organisation.id == Application.lead_organisation_id)
        .where(in_round)
    )
    co_lead = (
        select(CoLead.application_id, Organisation.name)
        .join(Organisation, Organisation.id == CoLead.organisation_id)
        .where(CoLead.application_id.in_(application_ids))
    )
    for app_id, name in (*session.execute(lead), *session.execute(co_lead)):
        organisations[app_id].append(name)
    return [
        NamedParty.of(app_id, people=people[app_id], organisations=organisations[app_id])
        for app_id in application_ids
    ]


def _conflicts_with_current_tasks(
    session: Session, reviewer: Person, collaboration: Collaboration, *, notifier: Sender | None
) -> None:
    tasks = session.scalars(
        select(Application)
        .join(Assignment, Assignment.application_id == Application.id)
        .where(Assignment.reviewer_id == reviewer.id, Application.status == ApplicationStatus.IN_REVIEW)
        .options(
            selectinload(Application.co_leads).selectinload(CoLead.person),
            selectinload(Application.co_leads).selectinload(CoLead.organisation),
            selectinload(Application.round),
        )
        .order_by(Application.id)
    ).all()
    for application in tasks:
        found = collaboration_conflicts(
            [named_party(application)], declared([collaboration]), round_date=round_date(application.round)
        )
        if found and find_conflict(session, application.id, reviewer.id) is None:
            record_conflict(
                session,
                application_id=application.id,
                reviewer=reviewer,
                source=ConflictSource.AUTOMATIC,
                reason=str(ConflictReason.COLLABORATION),
                notifier=notifier,
            )
