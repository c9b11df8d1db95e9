"""Hand-checked assignment cases: known optima, shortfall wording, fixed and removed pairs, min loads."""

from __future__ import annotations

import random

import pytest

from reviewers.assignment import DroppedPair, Underload, assign_reviewers
from reviewers.roles import ApplicationSlot, ReviewerSlot
from reviewers.shortfalls import Shortfall

LE, SCI = "lived_experience", "scientist"


def app(id_: int, organisation: str | None = None, *co_applicants: int) -> ApplicationSlot:
    return ApplicationSlot(id_, organisation, frozenset(co_applicants))


def rev(
    id_: int, type_: str = LE, *, organisation: str | None = None, max_load: int = 6, min_load: int = 0
) -> ReviewerSlot:
    return ReviewerSlot(id_, type_, organisation, max_load, min_load)


def test_known_optimum_beats_greedy() -> None:
    # Greedy gives app 1 reviewer 10 (0.9) and app 2 reviewer 11 (0.1): 1.0. Best is 0.8 + 0.7 = 1.5.
    affinities = {(1, 10): 0.9, (1, 11): 0.8, (2, 10): 0.7, (2, 11): 0.1}
    result = assign_reviewers(
        [app(1), app(2)],
        [rev(10, max_load=1), rev(11, max_load=1)],
        panel_makeup={LE: 1},
        affinities=affinities,
    )
    assert result.pairs == [(1, 11), (2, 10)]
    assert result.shortfalls == []


def test_full_panel_of_both_groups() -> None:
    reviewers = [rev(10), rev(11), rev(12, SCI), rev(13, SCI), rev(14, "community_practice")]
    result = assign_reviewers([app(1), app(2)], reviewers, panel_makeup={LE: 2, SCI: 2})
    assert result.pairs == [(1, 10), (1, 11), (1, 12), (1, 13), (2, 10), (2, 11), (2, 12), (2, 13)]
    assert result.shortfalls == [] and result.dropped_fixed == [] and result.underloaded_reviewers == []


def test_conflicted_reviewers_are_avoided() -> None:
    apps = [app(1, "Acme", 12), app(2)]
    result = assign_reviewers(
        apps,
        [rev(10, organisation=" ACME "), rev(11), rev(12)],
        panel_makeup={LE: 1},
        conflicts={(2, 11)},
        affinities={(1, 10): 1.0, (1, 12): 1.0, (2, 11): 1.0},
    )
    assert result.pairs == [(1, 11), (2, 10)]


def test_shortfall_names_the_conflicts() -> None:
    reviewers = [
        rev(10, organisation="Acme"),
        rev(11, organisation="ACME"),
        rev(12, organisation=" acme"),
        rev(13),
    ]
    result = assign_reviewers([app(1, "Acme")], reviewers, panel_makeup={LE: 2})
    assert result.pairs == [(1, 13)]
    assert result.shortfalls == [
        Shortfall(
            1,
            LE,
            2,
            1,
            "only 1 lived-experience reviewer without a conflict had room left; "
            "3 have a conflict (same organisation)",
        )
    ]


def test_shortfall_names_every_cause() -> None:
    reviewers = [rev(10), rev(11), rev(12), rev(13, max_load=1), rev(14, organisation="Acme")]
    result = assign_reviewers(
        [app(1), app(2, "Acme", 10)],
        reviewers,
        panel_makeup={LE: 3},
        conflicts={(2, 11)},
        forbidden={(2, 12)},
        fixed={(1, 13)},
    )
    assert (1, 13) in result.pairs
    shortfall = next(s for s in result.shortfalls if s.application_id == 2)
    assert (shortfall.needed, shortfall.found) == (3, 0)
    assert shortfall.reason == (
        "no lived-experience reviewer without a conflict had room left; "
        "1 has a conflict (named on the application); 1 has a conflict (same organisation); "
        "1 has a conflict (declared); 1 was removed by an administrator; "
        "1 other without a conflict already has their most applications"
    )


def test_no_reviewers_of_a_group() -> None:
    result = assign_reviewers([app(1)], [rev(10)], panel_makeup={LE: 1, SCI: 2})
    assert result.pairs == [(1, 10)]
    assert result.shortfalls == [Shortfall(1, SCI, 2, 0, "there are no scientist reviewers in this round")]


def test_shortage_is_explained_and_spread() -> None:
    # One reviewer place, two applications: one gets it, the other's gap is explained; with two places
    # each gets one.
    one = assign_reviewers([app(1), app(2)], [rev(10, max_load=1)], panel_makeup={LE: 1})
    assert len(one.pairs) == 1
    (short,) = one.shortfalls
    assert short.application_id != one.pairs[0][0] and short.found == 0
    two = assign_reviewers([app(1), app(2)], [rev(10, max_load=1), rev(11, max_load=1)], panel_makeup={LE: 2})
    assert sorted(a for a, _ in two.pairs) == [1, 2]


def test_fixed_pairs_are_kept_even_against_affinity() -> None:
    result = assign_reviewers(
        [app(1), app(2)],
        [rev(10, max_load=1), rev(11, max_load=1)],
        panel_makeup={LE: 1},
        affinities={(1, 10): 1.0, (2, 11): 1.0},
        fixed={(1, 11)},
    )
    assert result.pairs == [(1, 11), (2, 10)]
    assert result.dropped_fixed == []


def test_fixed_pairs_that_cannot_be_kept_are_reported() -> None:
    result = assign_reviewers(
        [app(1, "Acme"), app(2), app(3)],
        [rev(10, organisation="acme", max_load=1), rev(11, max_load=1), rev(12), rev(13)],
        panel_makeup={LE: 1},
        fixed={(1, 10), (2, 11), (3, 11), (2, 12), (3, 99), (4, 12), (3, 13)},
        forbidden={(3, 13)},
    )
    assert result.dropped_fixed == [
        DroppedPair(1, 10, "conflict of interest (same organisation)"),
        DroppedPair(2, 12, "the application already has its 1 lived-experience reviewer"),
        DroppedPair(3, 11, "the reviewer already has their most applications (1)"),
        DroppedPair(3, 13, "an administrator also removed this pair"),
        DroppedPair(3, 99, "reviewer 99 is not in this round"),
        DroppedPair(4, 12, "application 4 is not in this round"),
    ]
    assert (2, 11) in result.pairs
    assert all(pair not in result.pairs for pair in [(1, 10), (3, 11), (3, 13)])


def test_fixed_pair_of_a_group_the_panel_does_not_use_is_dropped() -> None:
    result = assign_reviewers([app(1)], [rev(10, SCI)], panel_makeup={LE: 1, SCI: 0}, fixed={(1, 10)})
    assert result.pairs == []
    assert result.dropped_fixed == [
        DroppedPair(1, 10, "this round's panels have no place for scientist reviewers")
    ]


def test_forbidden_pair_never_appears_even_if_it_is_the_only_choice() -> None:
    result = assign_reviewers([app(1)], [rev(10)], panel_makeup={LE: 1}, forbidden={(1, 10)})
    assert result.pairs == []
    assert result.shortfalls[0].reason.endswith("1 was removed by an administrator")


def test_waived_conflict_allows_the_pair() -> None:
    result = assign_reviewers(
        [app(1, "Acme")], [rev(10, organisation="Acme")], panel_makeup={LE: 1}, waived={(1, 10)}
    )
    assert result.pairs == [(1, 10)]


def test_min_load_comes_before_affinity() -> None:
    result = assign_reviewers(
        [app(1)], [rev(10), rev(11, min_load=1)], panel_makeup={LE: 1}, affinities={(1, 10): 0.9}
    )
    assert result.pairs == [(1, 11)]
    assert result.underloaded_reviewers == []


def test_unmet_min_load_is_reported_not_forced() -> None:
    result = assign_reviewers([app(1)], [rev(10, min_load=3), rev(11, SCI, min_load=1)], panel_makeup={LE: 1})
    assert result.pairs == [(1, 10)]
    assert result.underloaded_reviewers == [Underload(10, 3, 1), Underload(11, 1, 0)]


def test_same_input_in_any_order_gives_the_same_result() -> None:
    rng = random.Random(5)
    apps = [app(i, rng.choice(["A", "B", None]), rng.randrange(100, 120)) for i in range(30)]
    reviewers = [
        rev(100 + j, rng.choice([LE, SCI]), organisation=rng.choice(["A", "B", None]), max_load=8)
        for j in range(20)
    ]
    affinities = {(a.id, r.id): rng.choice([0.0, 0.5, 1.0]) for a in apps for r in reviewers}
    kwargs = {"panel_makeup": {LE: 2, SCI: 2}, "affinities": affinities, "fixed": {(0, 100), (1, 101)}}
    first = assign_reviewers(apps, reviewers, **kwargs)
    rng.shuffle(apps)
    rng.shuffle(reviewers)
    assert assign_reviewers(apps, reviewers, **kwargs) == first
    assert assign_reviewers(list(reversed(apps)), reviewers, **kwargs) == first


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"applications": [app(1), app(1)]}, "application ids appear more than once"),
        ({"reviewers": [rev(10), rev(10)]}, "reviewer ids appear more than once"),
        ({"panel_makeup": {LE: -1}}, "negative"),
        ({"affinities": {(1, 10): float("nan")}}, "finite"),
    ],
)
def test_bad_input_is_refused(kwargs: dict, message: str) -> None:
    arguments = {"applications": [app(1)], "reviewers": [rev(10)], "panel_makeup": {LE: 1}} | kwargs
    with pytest.raises(ValueError, match=message):
        assign_reviewers(arguments.pop("applications"), arguments.pop("reviewers"), **arguments)


def test_reviewer_loads_must_make_sense() -> None:
    with pytest.raises(ValueError, match="min_load"):
        rev(10, max_load=1, min_load=2)
    with pytest.raises(ValueError, match="negative"):
        rev(10, max_load=-1)
