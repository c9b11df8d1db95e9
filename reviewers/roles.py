"""Responsible for the plain inputs that describe one funding round to the reviewer logic.

Plain-language labels of the reviewer groups (`models.enums.ReviewerType`), and the frozen "slots" (one
per application and one per reviewer) that the service layer builds from database rows. Nothing here
touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.enums import ReviewerType

TYPE_LABELS: dict[str, str] = {
    ReviewerType.LIVED_EXPERIENCE: "lived-experience",
    ReviewerType.SCIENTIST: "scientist",
    ReviewerType.COMMUNITY_PRACTICE: "community or practice",
}


def type_label(reviewer_type: str) -> str:
    """Plain words for a reviewer group, e.g. "lived-experience"; unknown groups are shown as given."""
    return TYPE_LABELS.get(reviewer_type, reviewer_type.replace("_", " "))


@dataclass(frozen=True)
class ApplicationSlot:
    """One application to be reviewed: who sent it and which people are named on it."""

    id: int
    organisation: str | None = None
    co_applicant_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class ReviewerSlot:
    """One reviewer in the round, with the most (and the fewest wanted) applications they take on."""

    id: int
    type: str
    organisation: str | None
    max_load: int
    min_load: int = 0

    def __post_init__(self) -> None:
        if self.max_load < 0 or self.min_load < 0:
            raise ValueError(f"reviewer {self.id}: loads cannot be negative")
        if self.min_load > self.max_load:
            raise ValueError(f"reviewer {self.id}: min_load {self.min_load} > max_load {self.max_load}")
