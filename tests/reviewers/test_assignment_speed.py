"""Speed guards for the assignment solver on realistic round sizes (measured: about 0.05 s and 1 s)."""

from __future__ import annotations

import random
import time
from collections import Counter

import pytest

from reviewers.assignment import assign_reviewers
from reviewers.roles import ApplicationSlot, ReviewerSlot

LE, SCI = "lived_experience", "scientist"


def synthetic_round(n_apps: int, n_reviewers: int, *, seed: int = 7) -> dict:
    """Half of the reviewers in each group, capacity a little above need, 10% of pairs with an affinity."""
    rng = random.Random(seed)
    orgs = [f"Organisation {i}" for i in range(n_apps // 5 + 1)]
    reviewer_ids = range(10_000, 10_000 + n_reviewers)
    apps = [
        ApplicationSlot(i, rng.choice(orgs), frozenset(rng.sample(reviewer_ids, 1))) for i in range(n_apps)
    ]
    max_load = 2 * n_apps // (n_reviewers // 2) + 2
    reviewers = [
        ReviewerSlot(rid, (LE, SCI)[rid % 2], rng.choice([*orgs[:20], None]), max_load, rng.choice([0, 0, 2]))
        for rid in reviewer_ids
    ]
    return {
        "applications": apps,
        "reviewers": reviewers,
        "panel_makeup": {LE: 2, SCI: 2},
        "affinities": {(a.id, r.id): rng.random() for a in apps for r in reviewers if rng.random() < 0.1},
        "conflicts": {(a.id, r.id) for a in apps for r in reviewers if rng.random() < 0.01},
        "fixed": {(a.id, 10_000 + a.id % n_reviewers) for a in apps[: n_apps // 20]},
    }


@pytest.mark.parametrize(("n_apps", "n_reviewers", "limit"), [(200, 40, 2.0), (1000, 200, 10.0)])
def test_round_is_solved_quickly_and_fully(n_apps: int, n_reviewers: int, limit: float) -> None:
    args = synthetic_round(n_apps, n_reviewers)
    started = time.perf_counter()
    result = assign_reviewers(args.pop("applications"), args.pop("reviewers"), **args)
    elapsed = time.perf_counter() - started
    assert result.shortfalls == []
    assert len(result.pairs) == 4 * n_apps
    assert max(Counter(r for _, r in result.pairs).values()) <= 2 * n_apps // (n_reviewers // 2) + 2
    assert elapsed < limit, f"{n_apps} x {n_reviewers} took {elapsed:.2f} s"
