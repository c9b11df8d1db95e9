"""Finding or creating people by e-mail, and granting roles once, without needless queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from models.enums import Role
from models.people import Person, RoleGrant
from services.people import get_or_create_organisation, get_or_create_person, grant_role, remember_stored


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


def test_remembering_a_batch_asks_once_then_finds_stored_and_makes_new(sessions) -> None:
    with sessions() as first:
        stored = get_or_create_person(first, name="Ada", email="ada@example.org")
        get_or_create_organisation(first, "Circle 1")
        first.commit()
    with sessions() as second:
        with counted_selects(second) as selects:
            remember_stored(
                second,
                emails=["ADA@example.org", "bo@example.org"],
                organisation_names=["Circle 1", "Circle 2"],
            )
        assert len(selects) == 2  # one for the people, one for the organisations
        with counted_selects(second) as selects:
            ada = get_or_create_person(second, name="Ada", email="ada@example.org")
            bo = get_or_create_person(second, name="Bo", email="bo@example.org")
            circles = [get_or_create_organisation(second, name) for name in ("Circle 1", "Circle 2")]
        assert selects == []
        assert ada.id == stored.id and bo.id is None
        assert circles[0].id is not None and circles[1].id is None
        second.commit()
        assert second.scalar(select(func.count()).select_from(Person)) == 2


def test_a_name_remembered_as_absent_is_made_again_after_a_rollback(session: Session) -> None:
    remember_stored(session, emails=["cy@example.org"])
    made = get_or_create_person(session, name="Cy", email="cy@example.org")
    session.flush()
    session.rollback()
    again = get_or_create_person(session, name="Cy", email="cy@example.org")
    assert again is not made
    session.flush()
    assert session.scalar(select(func.count()).select_from(Person)) == 1
