"""Responsible for finding conflicts of interest between applications and reviewers.

Automatic conflicts come from the slots alone: the reviewer works for the applicant organisation (names
compared case-insensitively, trimmed, inner spaces collapsed) or is named on the application. Declared
conflicts come from reviewers and administrators; a waived pair (logged elsewhere) is not a conflict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Set
from enum import StrEnum

from reviewers.roles import ApplicationSlot, ReviewerSlot

Pair = tuple[int, int]


class ConflictReason(StrEnum):
    """Why a reviewer sits out one application; the value is plain words for messages."""

    NAMED_ON_APPLICATION = "named on the application"
    SAME_ORGANISATION = "same organisation"
    COLLABORATION = "worked with someone named on it in the last 3 years"
    DECLARED = "declared"


def normalise_organisation(name: str | None) -> str | None:
    """Return a comparable organisation name, or None when there is no name to compare."""
    if name is None:
        return None
    cleaned = " ".join(name.split()).casefold()
    return cleaned or None


def automatic_conflicts(
    applications: Iterable[ApplicationSlot], reviewers: Iterable[ReviewerSlot]
) -> dict[Pair, ConflictReason]:
    """Map each automatically conflicted (application_id, reviewer_id) pair to its reason.

    Being named on the application wins over sharing an organisation when both hold.
    """
    reviewer_list = list(reviewers)
    known_ids = {reviewer.id for reviewer in reviewer_list}
    by_organisation: dict[str, list[int]] = defaultdict(list)
    for reviewer in reviewer_list:
        key = normalise_organisation(reviewer.organisation)
        if key is not None:
            by_organisation[key].append(reviewer.id)
    found: dict[Pair, ConflictReason] = {}
    for application in applications:
        key = normalise_organisation(application.organisation)
        for reviewer_id in by_organisation.get(key, ()) if key is not None else ():
            found[(application.id, reviewer_id)] = ConflictReason.SAME_ORGANISATION
        for reviewer_id in application.co_applicant_ids & known_ids:
            found[(application.id, reviewer_id)] = ConflictReason.NAMED_ON_APPLICATION
    return found


def all_conflicts(
    applications: Iterable[ApplicationSlot],
    reviewers: Iterable[ReviewerSlot],
    *,
    declared: Set[Pair] = frozenset(),
    waived: Set[Pair] = frozenset(),
) -> dict[Pair, ConflictReason]:
    """Automatic plus declared conflicts, minus waived pairs. An automatic reason wins over "declared"."""
    found = {pair: ConflictReason.DECLARED for pair in declared}
    found.update(automatic_conflicts(applications, reviewers))
    for pair in waived:
        found.pop(pair, None)
    return found
