"""Responsible for a reviewer's own profile: what they tell us when they first sign in (onboarding) and
change later. Topics and the short statement feed the affinity with applications; lived-experience
areas are sensitive (shown to administrators and the reviewer only, never to other reviewers)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.enums import ReviewerType
from models.errors import NotFound
from models.people import Person, ReviewerProfile
from models.reviewer_schemas import OwnProfileInput
from services.people import get_or_create_organisation


@dataclass(frozen=True)
class NextSteps:
    """What happens after onboarding, for this reviewer."""

    training_completed: bool
    gets_mentor: bool  # a new lay reviewer, to be paired with a trained one
    mentor_name: str | None


def own_profile(session: Session, person: Person) -> ReviewerProfile:
    profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.person_id == person.id))
    if profile is None:
        raise NotFound("this person is not in the reviewer pool")
    return profile


def form_values(person: Person, profile: ReviewerProfile) -> dict[str, str]:
    return {
        "topics": ", ".join(profile.topics),
        "lived_experience_areas": ", ".join(profile.lived_experience_areas),
        "organisation": person.organisation.name if person.organisation else "",
        "available": "yes" if profile.available else "no",
        "max_load": str(profile.max_load),
        "statement": profile.statement,
    }


def save_own_profile(session: Session, person: Person, given: OwnProfileInput) -> ReviewerProfile:
    profile = own_profile(session, person)
    profile.topics = list(given.topics)
    profile.lived_experience_areas = list(given.lived_experience_areas)
    profile.statement = given.statement
    profile.available = given.available
    profile.max_load = given.max_load
    profile.min_load = min(profile.min_load, given.max_load)
    person.organisation = (
        get_or_create_organisation(session, given.organisation) if given.organisation else None
    )
    if profile.onboarded_at is None:
        profile.onboarded_at = utcnow()
    session.flush()
    return profile


def next_steps(session: Session, profile: ReviewerProfile) -> NextSteps:
    mentor = session.get(Person, profile.mentor_id) if profile.mentor_id else None
    lay = profile.reviewer_type == ReviewerType.LIVED_EXPERIENCE
    return NextSteps(
        training_completed=profile.training_completed,
        gets_mentor=lay and not profile.training_completed,
        mentor_name=mentor.name if mentor else None,
    )
