"""Responsible for the reviewer pool as people see it: profiles, availability, training and mentors.

Lived-experience areas are sensitive: `view_profile` and `list_pool` show them only to administrators and
to the reviewer themself; everyone else gets `None` in their place. Only administrators list the whole
pool, record training, set availability and pair a new lay reviewer with a mentor.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.enums import ReviewerType, Role
from models.errors import AccessDenied, DomainError, NotFound
from models.people import Person, ReviewerProfile


@dataclass(frozen=True)
class ProfileView:
    person_id: int
    name: str
    reviewer_type: ReviewerType
    organisation: str | None
    topics: list[str]
    statement: str
    min_load: int
    max_load: int
    available: bool
    training_completed: bool
    mentor_id: int | None
    lived_experience_areas: list[str] | None  # None: hidden from this viewer


def view_profile(session: Session, person_id: int, *, viewer: Person) -> ProfileView:
    return _view(_profile(session, person_id), viewer=viewer)


def list_pool(session: Session, *, viewer: Person, available_only: bool = False) -> list[ProfileView]:
    _require_administrator(viewer, "see the reviewer pool")
    query = (
        select(ReviewerProfile)
        .options(selectinload(ReviewerProfile.person).selectinload(Person.organisation))
        .order_by(ReviewerProfile.person_id)
    )
    if available_only:
        query = query.where(ReviewerProfile.available.is_(True))
    return [_view(profile, viewer=viewer) for profile in session.scalars(query)]


def record_training(session: Session, person_id: int, *, completed: bool, actor: Person) -> ProfileView:
    _require_administrator(actor, "record training")
    profile = _profile(session, person_id)
    profile.training_completed = completed
    session.flush()
    return _view(profile, viewer=actor)


def set_availability(session: Session, person_id: int, *, available: bool, actor: Person) -> ProfileView:
    _require_administrator(actor, "change availability")
    profile = _profile(session, person_id)
    profile.available = available
    session.flush()
    return _view(profile, viewer=actor)


def assign_mentor(session: Session, person_id: int, *, mentor_id: int | None, actor: Person) -> ProfileView:
    """Pair a reviewer with a trained reviewer of the pool; None ends the pairing."""
    _require_administrator(actor, "pair reviewers with mentors")
    profile = _profile(session, person_id)
    if mentor_id is not None:
        if mentor_id == person_id:
            raise DomainError("a reviewer cannot be their own mentor")
        mentor = _profile(session, mentor_id)
        if not mentor.training_completed:
            raise DomainError(f"reviewer {mentor_id} has not completed training, so cannot mentor yet")
    profile.mentor_id = mentor_id
    session.flush()
    return _view(profile, viewer=actor)


def _view(profile: ReviewerProfile, *, viewer: Person) -> ProfileView:
    person = profile.person
    sees_sensitive = viewer.has_role(Role.ADMINISTRATOR) or viewer.id == profile.person_id
    return ProfileView(
        person_id=profile.person_id,
        name=person.name,
        reviewer_type=ReviewerType(profile.reviewer_type),
        organisation=person.organisation.name if person.organisation else None,
        topics=list(profile.topics),
        statement=profile.statement,
        min_load=profile.min_load,
        max_load=profile.max_load,
        available=profile.available,
        training_completed=profile.training_completed,
        mentor_id=profile.mentor_id,
        lived_experience_areas=list(profile.lived_experience_areas) if sees_sensitive else None,
    )


def _profile(session: Session, person_id: int) -> ReviewerProfile:
    profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.person_id == person_id))
    if profile is None:
        raise NotFound(f"person {person_id} is not in the reviewer pool")
    return profile


def _require_administrator(person: Person, action: str) -> None:
    if not person.has_role(Role.ADMINISTRATOR):
        raise AccessDenied(f"only administrators may {action}")
