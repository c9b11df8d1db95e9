"""Invariants on seeded random rounds, and optimality against brute force on very small ones."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Sequence

import pytest

from reviewers.assignment import AssignmentResult, assign_reviewers
from reviewers.conflicts import all_conflicts
from reviewers.roles import ApplicationSlot, ReviewerSlot

LE, SCI = "lived_experience", "scientist"
Pair = tuple[int, int]


def random_round(rng: random.Random, *, n_apps: int, n_reviewers: int, top_load: int = 4) -> dict:
    orgs = ["Acme", "acme ", "Mind", None, None]
    reviewers = []
    for j in range(n_reviewers):
        max_load = rng.randint(0, top_load)
        reviewers.append(
            ReviewerSlot(100 + j, rng.choice([LE, SCI]), rng.choice(orgs), max_load, rng.randint(0, max_load))
        )
    ids = [r.id for r in reviewers]
    apps = [
        ApplicationSlot(i, rng.choice(orgs), frozenset(rng.sample(ids, rng.randint(0, 1))))
        for i in range(n_apps)
    ]
    pairs = [(a.id, r.id) for a in apps for r in reviewers]
    return {
        "applications": apps,
        "reviewers": reviewers,
        "panel_makeup": {LE: rng.randint(0, 2), SCI: rng.randint(0, 2)},
        "conflicts": {p for p in pairs if rng.random() < 0.1},
        "forbidden": {p for p in pairs if rng.random() < 0.1},
        "affinities": {p: rng.randint(-200, 1000) / 1000 for p in pairs if rng.random() < 0.6},
    }


def solve(instance: dict) -> AssignmentResult:
    args = dict(instance)
    return assign_reviewers(args.pop("applications"), args.pop("reviewers"), **args)


def allowed_pairs(instance: dict) -> set[Pair]:
    apps, reviewers = instance["applications"], instance["reviewers"]
    conflicted = all_conflicts(apps, reviewers, declared=instance["conflicts"])
    return {
        (a.id, r.id)
        for a in apps
        for r in reviewers
        if (a.id, r.id) not in conflicted and (a.id, r.id) not in instance["forbidden"]
    }


def check_invariants(instance: dict, result: AssignmentResult) -> None:
    reviewers = {r.id: r for r in instance["reviewers"]}
    makeup = instance["panel_makeup"]
    assert result.pairs == sorted(set(result.pairs))
    allowed = allowed_pairs(instance)
    assert set(result.pairs) <= allowed
    loads = Counter(r for _, r in result.pairs)
    assert all(loads[r.id] <= r.max_load for r in reviewers.values())
    seats = Counter((a, reviewers[r].type) for a, r in result.pairs)
    short = {(s.application_id, s.reviewer_type): s for s in result.shortfalls}
    for application in instance["applications"]:
        for kind, need in makeup.items():
            found = seats[(application.id, kind)]
            assert found <= need
            if found < need:
                assert short[(application.id, kind)].found == found
                assert short[(application.id, kind)].reason
                # The reason says the others are conflicted, removed or full: check "full".
                for r in reviewers.values():
                    pair = (application.id, r.id)
                    if r.type == kind and pair in allowed and pair not in result.pairs:
                        assert loads[r.id] == r.max_load
            else:
                assert (application.id, kind) not in short
    assert {u.reviewer_id for u in result.underloaded_reviewers} == {
        r.id for r in reviewers.values() if loads[r.id] < r.min_load
    }


def reference_max_pairs(instance: dict, kind: str) -> int:
    """Plain augmenting-path maximum flow for one reviewer group (no costs)."""
    need = instance["panel_makeup"][kind]
    group = {r.id: r for r in instance["reviewers"] if r.type == kind}
    allowed = allowed_pairs(instance)
    holders: dict[int, list[int]] = {r: [] for r in group}
    assigned: dict[int, set[int]] = {a.id: set() for a in instance["applications"]}

    def augment(app_id: int, seen: set[int]) -> bool:
        for r in group:
            if (app_id, r) not in allowed or r in assigned[app_id] or r in seen:
                continue
            seen.add(r)
            if len(holders[r]) < group[r].max_load:
                holders[r].append(app_id)
                assigned[app_id].add(r)
                return True
            for other in list(holders[r]):
                if augment(other, seen):  # `other` moves to another reviewer, freeing r
                    holders[r].remove(other)
                    assigned[other].discard(r)
                    holders[r].append(app_id)
                    assigned[app_id].add(r)
                    return True
        return False

    return sum(augment(a.id, set()) for a in instance["applications"] for _ in range(need))


@pytest.mark.parametrize("seed", range(50))
def test_invariants_and_maximum_flow_on_random_rounds(seed: int) -> None:
    rng = random.Random(seed)
    if seed % 2:  # roomy rounds, where most panels can be filled
        instance = random_round(rng, n_apps=rng.randint(1, 10), n_reviewers=rng.randint(8, 16), top_load=12)
    else:  # tight rounds, with shortfalls
        instance = random_round(rng, n_apps=rng.randint(1, 25), n_reviewers=rng.randint(1, 12))
    result = solve(instance)
    check_invariants(instance, result)
    reviewers = {r.id: r for r in instance["reviewers"]}
    for kind in instance["panel_makeup"]:
        got = sum(reviewers[r].type == kind for _, r in result.pairs)
        assert got == reference_max_pairs(instance, kind)
    assert solve(instance) == result


def brute_force_best(instance: dict, kind: str) -> tuple[int, int, int]:
    """Best (pairs, min-load places filled, affinity points) over every assignment of one group."""
    need = instance["panel_makeup"][kind]
    group = [r for r in instance["reviewers"] if r.type == kind]
    allowed = allowed_pairs(instance)
    choices = []
    for a in instance["applications"]:
        usable = [r.id for r in group if (a.id, r.id) in allowed]
        choices.append(
            [
                [(a.id, r) for r in combo]
                for k in range(need + 1)
                for combo in itertools.combinations(usable, k)
            ]
        )
    best = (0, 0, 0)
    for picked in itertools.product(*choices):
        pairs = [pair for chosen in picked for pair in chosen]
        best = max(best, objective(instance, pairs, group=group))
    return best


def objective(
    instance: dict, pairs: Sequence[Pair], *, group: Sequence[ReviewerSlot]
) -> tuple[int, int, int]:
    loads = Counter(r for _, r in pairs)
    if any(loads[r.id] > r.max_load for r in group):
        return (-1, 0, 0)
    filled = sum(min(loads[r.id], r.min_load) for r in group)
    points = sum(round(instance["affinities"].get(pair, 0.0) * 1000) for pair in pairs)
    return (len(pairs), filled, points)


@pytest.mark.parametrize("seed", range(50))
def test_optimal_against_brute_force_on_tiny_rounds(seed: int) -> None:
    rng = random.Random(1000 + seed)
    instance = random_round(rng, n_apps=rng.randint(1, 3), n_reviewers=rng.randint(1, 7))
    result = solve(instance)
    check_invariants(instance, result)
    for kind, need in instance["panel_makeup"].items():
        group = [r for r in instance["reviewers"] if r.type == kind]
        ids = {r.id for r in group}
        got = objective(instance, [p for p in result.pairs if p[1] in ids], group=group)
        best = brute_force_best(instance, kind)
        assert got[0] == best[0]
        if best[0] == need * len(instance["applications"]):  # every panel full: cost must be the least
            assert got == best
