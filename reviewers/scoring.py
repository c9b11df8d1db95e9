"""Responsible for equal-voice scoring: the rubric, group means, flags, the discussion list and funding
recommendations within the round's pot.

Scores run 1 (best) to 9 (worst); None means "can't judge" and is left out of every mean. The final score is
(mean of lived-experience scores + mean of scientist scores) / 2 x 10, so each group weighs the same however
many reviewers it has; with either group missing there is no final score. Means are exact fractions until
they are handed back as floats, so ties stay ties.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import NamedTuple

from reviewers.roles import ReviewerType


class Criterion(NamedTuple):
    key: str
    title: str
    prompt: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "matters_to_people",
        "Matters to people affected",
        "Would people living with this say it matters? Who told them?",
    ),
    Criterion(
        "shared_power",
        "Shared power",
        "Who makes the key decisions? Can lived-experience partners change the plan? Are they co-leads?",
    ),
    Criterion(
        "who_is_in",
        "Who is in, who is missing",
        "Does the team reflect the people affected? How will they reach people who are often left out "
        "(language, digital help, accessible places)?",
    ),
    Criterion(
        "fair_support",
        "Fair support and pay",
        "Is there money to pay partners fairly and on time, cover expenses and carers, get benefits advice, "
        "and let people say no to payment?",
    ),
    Criterion(
        "sound_and_doable",
        "Sound and doable",
        "Can the plan answer its question in the time and money, including the extra time "
        "co-production takes?",
    ),
    Criterion(
        "learning_relationships",
        "Learning and relationships",
        "Are there agreed ways of working, training both ways, plain-language contact?",
    ),
    Criterion(
        "difference_made",
        "Difference made, loop closed",
        "How will they track what involvement changed, tell participants, and celebrate the end?",
    ),
)

RESOURCES_CHECK = "Does the team have the skills and resources it needs? If not, why?"

SCORE_LABELS: dict[int, str] = {
    1: "Exceptional",
    2: "Outstanding",
    3: "Excellent",
    4: "Very good",
    5: "Good",
    6: "Satisfactory",
    7: "Fair",
    8: "Marginal",
    9: "Poor",
}


class Flag(StrEnum):
    GROUPS_DISAGREE = "groups_disagree"  # the two group means are `disagree_gap` or more apart
    OUTLIER_REVIEWER = "outlier_reviewer"  # a reviewer is `outlier_gap` or more from the others' mean
    MISSING_GROUP = "missing_group"  # no lived-experience or no scientist score, so no final score


@dataclass(frozen=True)
class ReviewScore:
    reviewer_id: int
    reviewer_type: str
    overall: int | None  # 1 best .. 9 worst; None = can't judge


@dataclass(frozen=True)
class ApplicationScore:
    application_id: int
    lived_experience_mean: float | None
    scientist_mean: float | None
    community_mean: float | None
    final_score: float | None
    flags: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # scores given, per reviewer group
    cant_judge: int = 0
    outlier_reviewer_ids: list[int] = field(default_factory=list)


def score_application(
    application_id: int,
    reviews: Sequence[ReviewScore],
    *,
    disagree_gap: float | Fraction = 2,
    outlier_gap: float | Fraction = 4,
) -> ApplicationScore:
    """Aggregate one application's overall scores with equal voice for the two groups.

    The gaps are per-round settings; DOMAIN.md's defaults are 2 between group means and 4 for a reviewer.
    """
    scored = _checked_scores(reviews)
    means = {kind: _mean(s for r, s in scored if r.reviewer_type == kind) for kind in ReviewerType}
    le, sci = means[ReviewerType.LIVED_EXPERIENCE], means[ReviewerType.SCIENTIST]
    final = None if le is None or sci is None else (le + sci) / 2 * 10
    outliers = _outliers(scored, gap=Fraction(outlier_gap))
    flags = []
    if le is not None and sci is not None and abs(le - sci) >= Fraction(disagree_gap):
        flags.append(Flag.GROUPS_DISAGREE.value)
    if outliers:
        flags.append(Flag.OUTLIER_REVIEWER.value)
    if final is None:
        flags.append(Flag.MISSING_GROUP.value)
    counts = dict.fromkeys(ReviewerType, 0) | Counter(r.reviewer_type for r, _ in scored)
    return ApplicationScore(
        application_id=application_id,
        lived_experience_mean=_as_float(le),
        scientist_mean=_as_float(sci),
        community_mean=_as_float(means[ReviewerType.COMMUNITY_PRACTICE]),
        final_score=_as_float(final),
        flags=flags,
        counts={str(kind): n for kind, n in counts.items()},
        cant_judge=len(reviews) - len(scored),
        outlier_reviewer_ids=outliers,
    )


def _checked_scores(reviews: Sequence[ReviewScore]) -> list[tuple[ReviewScore, int]]:
    repeated = sorted(i for i, n in Counter(r.reviewer_id for r in reviews).items() if n > 1)
    if repeated:
        raise ValueError(f"reviewers scored more than once: {repeated}")
    scored = []
    for review in reviews:
        if review.overall is None:
            continue
        if isinstance(review.overall, bool) or review.overall not in SCORE_LABELS:
            raise ValueError(f"reviewer {review.reviewer_id}: score must be a whole number from 1 to 9")
        scored.append((review, review.overall))
    return scored


def _mean(values: Iterable[int]) -> Fraction | None:
    items = list(values)
    return Fraction(sum(items), len(items)) if items else None


def _as_float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _outliers(scored: Sequence[tuple[ReviewScore, int]], *, gap: Fraction) -> list[int]:
    if len(scored) < 2:
        return []
    total = sum(score for _, score in scored)
    return sorted(
        review.reviewer_id
        for review, score in scored
        if abs(score - Fraction(total - score, len(scored) - 1)) >= gap
    )


def _order_key(score: ApplicationScore) -> tuple[bool, float, int]:
    return (score.final_score is None, score.final_score or 0.0, score.application_id)


def discussion_list(scores: Sequence[ApplicationScore], nominated: Set[int]) -> list[int]:
    """Applications for panel discussion: the better half by final score (ties at the cut all go in),
    every flagged one, and every one a reviewer nominated; best first, then those without a final score."""
    by_id = {s.application_id: s for s in scores}
    if len(by_id) != len(scores):
        raise ValueError("an application appears more than once")
    unknown = sorted(set(nominated) - by_id.keys())
    if unknown:
        raise ValueError(f"nominated applications are not in the list: {unknown}")
    ranked = sorted((s for s in scores if s.final_score is not None), key=_order_key)
    chosen = {s.application_id for s in scores if s.flags} | set(nominated)
    if ranked:
        cut_score = ranked[math.ceil(len(ranked) / 2) - 1].final_score
        chosen |= {
            s.application_id for s in ranked if s.final_score is not None and s.final_score <= cut_score
        }
    return [s.application_id for s in sorted(scores, key=_order_key) if s.application_id in chosen]


def recommend_within_pot(
    ranked: Sequence[tuple[int, float | None, Decimal | int]], pot: Decimal | int
) -> list[int]:
    """Fund in rank order (final score, lower first; ties by lower id) while the pot allows; skip one that
    does not fit and carry on with the next. Applications without a final score are never recommended."""
    left = _money(pot, what="pot")
    ids = [app_id for app_id, _, _ in ranked]
    if len(set(ids)) != len(ids):
        raise ValueError("an application appears more than once")
    amounts = {app_id: _money(amount, what=f"application {app_id}") for app_id, _, amount in ranked}
    entries = sorted((score, app_id, amounts[app_id]) for app_id, score, _ in ranked if score is not None)
    funded = []
    for _, app_id, amount in entries:
        if amount <= left:
            funded.append(app_id)
            left -= amount
    return funded


def _money(value: Decimal | int, *, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what}: money must be a Decimal or int, not {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{what}: money must be a finite amount of 0 or more")
    return amount
