"""Responsible for finding or creating people and organisations by their natural keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.enums import OrganisationKind, Role
from models.people import Organisation, Person, RoleGrant


def get_or_create_organisation(
    session: Session, name: str, *, kind: OrganisationKind = OrganisationKind.OTHER
) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        organisation = Organisation(name=name, kind=kind)
        session.add(organisation)
        session.flush()
    return organisation


def get_or_create_person(
    session: Session, *, name: str, email: str, organisation: Organisation | None = None
) -> Person:
    email = email.strip().lower()
    person = session.scalar(select(Person).where(Person.email == email))
    if person is None:
        person = Person(name=name, email=email, organisation=organisation)
        session.add(person)
        session.flush()
    return person


def grant_role(session: Session, person: Person, role: Role) -> None:
    """Idempotent; the query's autoflush makes grants added earlier in this session count."""
    held = session.scalar(
        select(RoleGrant.id).where(RoleGrant.person_id == person.id, RoleGrant.role == role)
    )
    if held is None:
        session.add(RoleGrant(person=person, role=role))


def administrators(session: Session) -> list[Person]:
    return list(
        session.scalars(
            select(Person).join(RoleGrant).where(RoleGrant.role == Role.ADMINISTRATOR).order_by(Person.id)
        )
    )
