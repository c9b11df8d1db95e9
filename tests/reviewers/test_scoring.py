"""Tests for equal-voice scoring, flags, the discussion list and funding within the pot."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.schemas import CRITERIA_KEYS
from reviewers.scoring import (
    CRITERIA,
    SCORE_LABELS,
    ApplicationScore,
    ReviewScore,
    discussion_list,
    recommend_within_pot,
    score_application,
)

LE, SCI, COM = "lived_experience", "scientist", "community_practice"


def reviews(*scores: tuple[str, int | None]) -> list[ReviewScore]:
    return [ReviewScore(100 + i, kind, overall) for i, (kind, overall) in enumerate(scores)]


def scored(application_id: int, final: float | None, *, flags: list[str] | None = None) -> ApplicationScore:
    return ApplicationScore(application_id, None, None, None, final, flags or [])


def test_rubric_and_labels() -> None:
    assert len(CRITERIA) == 7
    assert len({c.key for c in CRITERIA}) == 7
    # Reviews are stored and validated under models.schemas' keys; the rubric must use the very same ones.
    assert tuple(c.key for c in CRITERIA) == CRITERIA_KEYS
    assert all(c.prompt.endswith("?") and c.title for c in CRITERIA)
    assert CRITERIA[1].title == "Shared power"
    assert SCORE_LABELS[1] == "Exceptional" and SCORE_LABELS[5] == "Good" and SCORE_LABELS[9] == "Poor"
    assert sorted(SCORE_LABELS) == list(range(1, 10))


def test_each_group_weighs_the_same_whatever_its_size() -> None:
    # One lived-experience reviewer against three scientists: pooled it would be 35, equal voice gives 30.
    result = score_application(7, reviews((LE, 2), (SCI, 4), (SCI, 4), (SCI, 4)))
    assert result.lived_experience_mean == 2.0
    assert result.scientist_mean == 4.0
    assert result.final_score == 30.0
    assert result.counts == {LE: 1, SCI: 3, COM: 0}
    assert result.flags == ["groups_disagree"]


def test_community_scores_are_shown_but_not_in_the_final_score() -> None:
    result = score_application(1, reviews((LE, 3), (LE, 4), (SCI, 3), (SCI, 3), (COM, 9)))
    assert result.community_mean == 9.0
    assert result.final_score == pytest.approx(32.5)
    assert result.counts[COM] == 1


def test_cant_judge_is_left_out() -> None:
    result = score_application(1, reviews((LE, None), (LE, 2), (SCI, 3), (SCI, None)))
    assert (result.lived_experience_mean, result.scientist_mean, result.final_score) == (2.0, 3.0, 25.0)
    assert result.cant_judge == 2
    assert result.counts == {LE: 1, SCI: 1, COM: 0}


def test_no_final_score_without_both_groups() -> None:
    result = score_application(1, reviews((SCI, 2), (SCI, 3), (LE, None)))
    assert result.final_score is None
    assert result.lived_experience_mean is None
    assert result.flags == ["missing_group"]


def test_exact_means_keep_thirds_exact() -> None:
    result = score_application(1, reviews((LE, 1), (LE, 1), (LE, 2), (SCI, 1), (SCI, 1), (SCI, 2)))
    assert result.final_score == pytest.approx(40 / 3)
    assert result.lived_experience_mean == result.scientist_mean


@pytest.mark.parametrize(
    ("scores", "flags"),
    [
        (((LE, 2), (LE, 2), (SCI, 4), (SCI, 4)), ["groups_disagree"]),  # exactly 2 apart
        (((LE, 2), (LE, 3), (SCI, 4), (SCI, 4)), []),  # 1.5 apart
        (((LE, 1), (LE, 1), (SCI, 1), (SCI, 1), (SCI, 5)), ["outlier_reviewer"]),  # 5 is 4 from the rest
        (((LE, 1), (LE, 2), (SCI, 1), (SCI, 1), (SCI, 5)), []),  # 5 is 3.75 from the others
        (((LE, 1),) * 4 + ((SCI, 4),) * 4, ["groups_disagree"]),  # no single reviewer stands out
        (((LE, 1), (LE, 1), (SCI, 9), (SCI, 9)), ["groups_disagree", "outlier_reviewer"]),
        (((LE, 1), (SCI, 9)), ["groups_disagree", "outlier_reviewer"]),
    ],
)
def test_flags(scores: tuple[tuple[str, int], ...], flags: list[str]) -> None:
    assert score_application(1, reviews(*scores)).flags == flags


def test_outliers_are_named_and_gaps_are_settings() -> None:
    result = score_application(1, reviews((LE, 1), (LE, 1), (SCI, 1), (SCI, 1), (SCI, 5)))
    assert result.outlier_reviewer_ids == [104]
    relaxed = score_application(
        1, reviews((LE, 1), (LE, 1), (SCI, 1), (SCI, 5)), outlier_gap=5, disagree_gap=3
    )
    assert relaxed.flags == []


@pytest.mark.parametrize("bad", [0, 10, 2.5, True])
def test_scores_must_be_whole_numbers_from_1_to_9(bad: object) -> None:
    with pytest.raises(ValueError, match="1 to 9"):
        score_application(1, [ReviewScore(1, LE, bad)])  # type: ignore[arg-type]


def test_a_reviewer_scores_once() -> None:
    with pytest.raises(ValueError, match="more than once"):
        score_application(1, [ReviewScore(1, LE, 2), ReviewScore(1, LE, 3)])


def test_discussion_list_takes_top_half_flagged_and_nominated() -> None:
    scores = [
        scored(1, 20.0),
        scored(2, 35.0),
        scored(3, 50.0, flags=["outlier_reviewer"]),
        scored(4, 25.0),
        scored(5, 60.0),
        scored(6, 70.0),
        scored(7, None, flags=["missing_group"]),
    ]
    # Top half of the six ranked: 1 (20), 4 (25), 2 (35); plus 3 (flagged), 7 (flagged) and 6 (nominated).
    assert discussion_list(scores, {6}) == [1, 4, 2, 3, 6, 7]


def test_discussion_list_keeps_ties_at_the_cut_and_is_order_free() -> None:
    scores = [scored(1, 20.0), scored(2, 30.0), scored(3, 30.0), scored(4, 40.0)]
    assert discussion_list(scores, set()) == [1, 2, 3]
    assert discussion_list(list(reversed(scores)), set()) == [1, 2, 3]
    assert discussion_list([], set()) == []


def test_discussion_list_refuses_unknown_nominations() -> None:
    with pytest.raises(ValueError, match="not in the list"):
        discussion_list([scored(1, 20.0)], {2})


def test_fund_in_rank_order_skipping_what_does_not_fit() -> None:
    ranked = [
        (4, 35.0, Decimal("10")),
        (1, 20.0, Decimal("60")),
        (2, 25.0, Decimal("50")),
        (3, 30.0, Decimal("40")),
        (5, 40.0, Decimal("0")),
    ]
    assert recommend_within_pot(ranked, Decimal("100")) == [1, 3, 5]
    assert recommend_within_pot(ranked, Decimal("75")) == [1, 4, 5]


def test_pot_ties_go_to_the_lower_id_and_unscored_are_never_funded() -> None:
    ranked = [(9, 30.0, 50), (3, 30.0, 50), (1, None, 1)]
    assert recommend_within_pot(ranked, 60) == [3]


def test_pot_is_counted_in_exact_money() -> None:
    ranked = [(1, 10.0, Decimal("0.10")), (2, 20.0, Decimal("0.20")), (3, 30.0, Decimal("0.30"))]
    assert recommend_within_pot(ranked, Decimal("0.60")) == [1, 2, 3]


@pytest.mark.parametrize(
    ("ranked", "pot", "error"),
    [
        ([(1, 10.0, 0.1)], Decimal("1"), TypeError),
        ([(1, 10.0, Decimal("1"))], 1.0, TypeError),
        ([(1, 10.0, Decimal("-1"))], Decimal("1"), ValueError),
        ([(1, 10.0, Decimal("NaN"))], Decimal("1"), ValueError),
        ([(1, 10.0, 1), (1, 20.0, 1)], Decimal("1"), ValueError),
    ],
)
def test_pot_refuses_bad_money(ranked: list, pot: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        recommend_within_pot(ranked, pot)  # type: ignore[arg-type]
