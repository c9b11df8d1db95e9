"""Responsible for finding or creating people and organisations by their natural keys.

What a session has found or made is remembered in `session.info`, so a batch (a synthetic round, an
import) asks the database once per name or address, not once per mention.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def _absent(session: Session, key: tuple[Any, ...]) -> bool:
    return ("absent", *key) in _known(session)


def remember_stored(
    session: Session,
    *,
    emails: Iterable[str] = (),
    organisation_names: Iterable[str] = (),
    roles: Iterable[Role] = (),
) -> None:
    """Ask the database once for every person and organisation a batch is about to name (and which of
    `roles` those people hold), so the functions below need not ask once per address, name or grant."""
    addresses = {email.strip().lower() for email in emails}
    names = set(organisation_names)
    with session.no_autoflush:
        people = session.scalars(select(Person).where(Person.email.in_(addresses))).all() if addresses else []
        organisations = (
            session.scalars(select(Organisation).where(Organisation.name.in_(names))) if names else []
        )
        stored = {("person", person.email): person for person in people} | {
            ("organisation", organisation.name): organisation for organisation in organisations
        }
    wanted = [("person", address) for address in addresses] + [("organisation", name) for name in names]
    for key in wanted:
        if key in stored:
            _known(session)[key] = stored[key]
        else:
            _known(session)[("absent", *key)] = True
    remember_roles(session, people, roles)


def remember_roles(session: Session, people: Iterable[Person], roles: Iterable[Role]) -> None:
    """Ask the database once which of `roles` these stored people hold, so granting them asks nothing."""
    stored = {person.id: person for person in people if person.id is not None}
    roles = list(roles)
    if not stored or not roles:
        return
    with session.no_autoflush:
        held = set(
            session.execute(
                select(RoleGrant.person_id, RoleGrant.role).where(
                    RoleGrant.person_id.in_(list(stored)), RoleGrant.role.in_(roles)
                )
            ).tuples()
        )
    for person_id, person in stored.items():
        for role in roles:
            _known(session)[("role" if (person_id, role) in held else "no role", person, role)] = True


def _stored(session: Session, query: Any) -> Any:
    # Rows this session made are remembered above, so the lookup need not flush the session first.
    with session.no_autoflush:
        return session.scalar(query)


def get_or_create_organisation(
    session: Session, name: str, *, kind: OrganisationKind = OrganisationKind.OTHER
) -> Organisation:
    key = ("organisation", name)
    organisation = _remembered(session, key)
    if organisation is None and not _absent(session, key):
        organisation = session.scalar(select(Organisation).where(Organisation.name == name))
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
    person = _remembered(session, key)
    if person is None and not _absent(session, key):
        person = _stored(session, select(Person).where(Person.email == email))
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
    asked = ("no role", person, role) in _known(session)  # by remember_roles: not held
    held = (
        person.id is not None
        and not made_here
        and not asked
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
