"""Responsible for finding or creating people and organisations by their natural keys.

What a session has found or made is remembered in `session.info`, so a batch (a synthetic round, an
import) asks the database once per name or address, not once per mention.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.enums import OrganisationKind, Role
from models.people import Organisation, Person, RoleGrant


def _known(session: Session) -> dict[tuple[Any, ...], Any]:
    return session.info.setdefault("natural_keys", {})


def _remembered(session: Session, key: tuple[Any, ...]) -> Any:
    found = _known(session).get(key)
    return found if found is not None and found in session else None  # gone after a rollback


def _stored(session: Session, query: Any) -> Any:
    # Rows this session made are remembered above, so the lookup need not flush the session first.
    with session.no_autoflush:
        return session.scalar(query)


def get_or_create_organisation(
    session: Session, name: str, *, kind: OrganisationKind = OrganisationKind.OTHER
) -> Organisation:
    key = ("organisation", name)
    organisation = _remembered(session, key) or session.scalar(
        select(Organisation).where(Organisation.name == name)
    )
    if organisation is None:
        organisation = Organisation(name=name, kind=kind)
        session.add(organisation)
    _known(session)[key] = organisation
    return organisation


def get_or_create_person(
    session: Session, *, name: str, email: str, organisation: Organisation | None = None
) -> Person:
    email = email.strip().lower()
    key = ("person", email)
    person = _remembered(session, key) or _stored(session, select(Person).where(Person.email == email))
    if person is None:
        person = Person(name=name, email=email, organisation=organisation)
        session.add(person)
        _known(session)[("made here", person)] = True
    _known(session)[key] = person
    return person


def grant_role(session: Session, person: Person, role: Role) -> None:
    """Idempotent: a role already held, in the database or earlier in this session, is not added again."""
    key = ("role", person, role)
    if key in _known(session):
        return
    # A person this session made can hold no role it has not granted itself, so there is nothing to ask.
    made_here = ("made here", person) in _known(session)
    held = (
        person.id is not None
        and not made_here
        and session.scalar(
            select(RoleGrant.id).where(RoleGrant.person_id == person.id, RoleGrant.role == role)
        )
    )
    if not held:
        session.add(RoleGrant(person=person, role=role))
    _known(session)[key] = True


def administrators(session: Session) -> list[Person]:
    return list(
        session.scalars(
            select(Person).join(RoleGrant).where(RoleGrant.role == Role.ADMINISTRATOR).order_by(Person.id)
        )
    )


def is_administrator(session: Session, person_id: int) -> bool:
    """Whether this person holds the administrator role now (asked afresh: roles can be taken away)."""
    held = session.scalar(
        select(RoleGrant.id).where(RoleGrant.person_id == person_id, RoleGrant.role == Role.ADMINISTRATOR)
    )
    return held is not None
