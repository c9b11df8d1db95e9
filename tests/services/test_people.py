"""Finding or creating people by e-mail, and granting roles once, without needless queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from models.enums import Role
from models.people import Person, RoleGrant
from services.people import get_or_create_person, grant_role


@contextmanager
def counted_selects(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def role_grants(session: Session, person: Person) -> int:
    return session.scalar(select(func.count()).where(RoleGrant.person_id == person.id))


def test_a_person_made_in_this_session_gets_roles_without_asking_the_database(session: Session) -> None:
    person = get_or_create_person(session, name="Ada", email="Ada@Example.org")
    session.flush()
    with counted_selects(session) as selects:
        grant_role(session, person, Role.APPLICANT)
        grant_role(session, person, Role.APPLICANT)
        grant_role(session, person, Role.CO_LEAD)
    assert selects == []
    session.flush()
    assert role_grants(session, person) == 2


def test_a_stored_person_is_not_given_a_role_twice(sessions) -> None:
    with sessions() as first:
        person = get_or_create_person(first, name="Ada", email="ada@example.org")
        grant_role(first, person, Role.APPLICANT)
        first.commit()
    with sessions() as second:
        stored = get_or_create_person(second, name="Ada", email="ADA@example.org ")
        grant_role(second, stored, Role.APPLICANT)
        grant_role(second, stored, Role.CO_LEAD)
        second.commit()
        assert stored.id == person.id
        assert role_grants(second, stored) == 2
