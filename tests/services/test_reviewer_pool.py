"""The reviewer pool through its service: who sees lived-experience areas, training, mentors."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from models.enums import ReviewerType, Role
from models.errors import AccessDenied, DomainError, NotFound
from models.people import Person, RoleGrant
from services.reviewer_pool import assign_mentor, list_pool, record_training, set_availability, view_profile
from tests.support.factories import make_person, make_reviewer

LE, SCI = ReviewerType.LIVED_EXPERIENCE, ReviewerType.SCIENTIST


def administrator(session: Session) -> Person:
    person = make_person(session)
    session.add(RoleGrant(person=person, role=Role.ADMINISTRATOR))
    session.flush()
    return person


def test_lived_experience_areas_only_for_administrators_and_the_reviewer(session: Session) -> None:
    lay = make_reviewer(session, LE, lived_experience_areas=["long COVID", "carer"])
    other = make_reviewer(session, SCI)
    admin = administrator(session)
    assert view_profile(session, lay.id, viewer=admin).lived_experience_areas == ["long COVID", "carer"]
    assert view_profile(session, lay.id, viewer=lay).lived_experience_areas == ["long COVID", "carer"]
    seen_by_other = view_profile(session, lay.id, viewer=other)
    assert seen_by_other.lived_experience_areas is None
    assert seen_by_other.reviewer_type == LE  # the rest of the profile is still there
    assert [p.lived_experience_areas for p in list_pool(session, viewer=admin)] == [
        ["long COVID", "carer"],
        [],
    ]
    with pytest.raises(AccessDenied, match="only administrators may see the reviewer pool"):
        list_pool(session, viewer=other)


def test_training_availability_and_mentors(session: Session) -> None:
    admin = administrator(session)
    new_lay = make_reviewer(session, LE)
    mentor = make_reviewer(session, LE)
    with pytest.raises(DomainError, match="has not completed training"):
        assign_mentor(session, new_lay.id, mentor_id=mentor.id, actor=admin)
    record_training(session, mentor.id, completed=True, actor=admin)
    view = assign_mentor(session, new_lay.id, mentor_id=mentor.id, actor=admin)
    assert view.mentor_id == mentor.id and view.training_completed is False
    with pytest.raises(DomainError, match="own mentor"):
        assign_mentor(session, mentor.id, mentor_id=mentor.id, actor=admin)
    assert set_availability(session, new_lay.id, available=False, actor=admin).available is False
    assert [p.person_id for p in list_pool(session, viewer=admin, available_only=True)] == [mentor.id]
    with pytest.raises(AccessDenied):
        record_training(session, new_lay.id, completed=True, actor=mentor)
    with pytest.raises(NotFound, match="not in the reviewer pool"):
        view_profile(session, admin.id, viewer=admin)
