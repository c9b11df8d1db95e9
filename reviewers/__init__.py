"""Responsible for the pure logic of joint review: who reviews what, and how scores are combined.

No database and no I/O: the service layer turns rows into the plain dataclasses here and back.

- `roles`: reviewer groups and the application / reviewer slots of a round.
- `conflicts`: automatic and declared conflicts of interest.
- `network`, `candidates`, `pricing`, `ties`, `solver`: the exact assignment on arrays (OR-Tools
  min-cost flow, reduced-cost pricing over every pair read in row blocks, CP-SAT among tied optima).
- `assignment`: reviewer-to-application assignment for one round, with plain-language shortfalls.
- `shortfalls`: the wording of those shortfalls.
- `scoring`: the rubric, equal-voice scores, flags, discussion list, funding within the pot.
"""

from reviewers.assignment import AssignmentResult, DroppedPair, Underload, assign_reviewers
from reviewers.conflicts import ConflictReason, all_conflicts, automatic_conflicts
from reviewers.roles import ApplicationSlot, ReviewerSlot, ReviewerType
from reviewers.scoring import (
    CRITERIA,
    SCORE_LABELS,
    ApplicationScore,
    Criterion,
    Flag,
    ReviewScore,
    discussion_list,
    recommend_within_pot,
    score_application,
)
from reviewers.shortfalls import Shortfall

__all__ = [
    "CRITERIA",
    "SCORE_LABELS",
    "ApplicationScore",
    "ApplicationSlot",
    "AssignmentResult",
    "ConflictReason",
    "Criterion",
    "DroppedPair",
    "Flag",
    "ReviewScore",
    "ReviewerSlot",
    "ReviewerType",
    "Shortfall",
    "Underload",
    "all_conflicts",
    "assign_reviewers",
    "automatic_conflicts",
    "discussion_list",
    "recommend_within_pot",
    "score_application",
]
