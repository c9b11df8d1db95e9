"""Hypothesis property tests: random small rounds against an independent LP (and MILP) with HiGHS.

For each instance: exact panel make-up and loads within min..max whenever the LP says that is possible,
loads never above max, never a conflicted or removed pair, total affinity equal to the LP optimum, and
the weakest application's panel equal to the best a MILP finds among answers with that total.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from reviewers.assignment import AssignmentResult, assign_reviewers
from reviewers.conflicts import all_conflicts
from reviewers.roles import ApplicationSlot, ReviewerSlot

TYPES = ("lived_experience", "scientist")


@st.composite
def rounds(draw: st.DrawFn) -> dict:
    roomy = draw(st.booleans())  # roomy rounds are mostly feasible, tight ones mostly not
    n_apps = draw(st.integers(1, 6))
    n_reviewers = draw(st.integers(5, 10) if roomy else st.integers(1, 8))
    reviewers = []
    for j in range(n_reviewers):
        max_load = draw(st.integers(2, 6) if roomy else st.integers(0, 3))
        min_load = draw(st.integers(0, 1 if roomy else max_load))
        org = draw(st.sampled_from(["Acme", "Mind", None]))
        reviewers.append(ReviewerSlot(100 + j, draw(st.sampled_from(TYPES)), org, max_load, min_load))
    apps = [
        ApplicationSlot(i, draw(st.sampled_from(["acme", "Other", None, None])), frozenset())
        for i in range(n_apps)
    ]
    pairs = [(a.id, r.id) for a in apps for r in reviewers]
    marks = draw(st.lists(st.integers(0, 19 if roomy else 9), min_size=len(pairs), max_size=len(pairs)))
    # A few distinct values make many tied optima, where the weakest-panel rule has work to do.
    value = st.sampled_from([0, 250, 500, 1000]) if draw(st.booleans()) else st.integers(0, 1000)
    values = draw(st.lists(value, min_size=len(pairs), max_size=len(pairs)))
    return {
        "applications": apps,
        "reviewers": reviewers,
        "panel_makeup": {t: draw(st.integers(1 if roomy else 0, 2)) for t in TYPES},
        "conflicts": {p for p, m in zip(pairs, marks, strict=True) if m == 0},
        "forbidden": {p for p, m in zip(pairs, marks, strict=True) if m == 1},
        "affinities": {p: v / 1000 for p, v, m in zip(pairs, values, marks, strict=True) if m % 10 < 7},
    }


def allowed_pairs(instance: dict) -> list[tuple[int, int]]:
    conflicted = all_conflicts(
        instance["applications"], instance["reviewers"], declared=instance["conflicts"]
    )
    useful = {t for t, need in instance["panel_makeup"].items() if need > 0}
    return [
        (a.id, r.id)
        for a in instance["applications"]
        for r in instance["reviewers"]
        if r.type in useful and (a.id, r.id) not in conflicted and (a.id, r.id) not in instance["forbidden"]
    ]


def lp_parts(instance: dict) -> tuple[list, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Variables are allowed pairs; rows: seats per (application, type) = need, then load per reviewer."""
    pairs = allowed_pairs(instance)
    apps, reviewers = instance["applications"], instance["reviewers"]
    kinds = {r.id: r.type for r in reviewers}
    rows = [(a.id, t) for a in apps for t in TYPES] + [r.id for r in reviewers]
    index = {row: k for k, row in enumerate(rows)}
    matrix = np.zeros((len(rows), len(pairs)))
    for col, (a, r) in enumerate(pairs):
        matrix[index[(a, kinds[r])], col] = 1
        matrix[index[r], col] = 1
    makeup = instance["panel_makeup"]
    low = [makeup[t] for _ in apps for t in TYPES] + [r.min_load for r in reviewers]
    high = [makeup[t] for _ in apps for t in TYPES] + [r.max_load for r in reviewers]
    weights = np.array([instance["affinities"].get(p, 0.0) for p in pairs])
    return pairs, matrix, np.array(low, float), np.array(high, float), weights


def solve(instance: dict) -> AssignmentResult:
    args = dict(instance)
    return assign_reviewers(args.pop("applications"), args.pop("reviewers"), **args)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_random_rounds_meet_the_rules_and_the_lp_bound(instance: dict) -> None:
    result = solve(instance)
    reviewers = {r.id: r for r in instance["reviewers"]}
    assert set(result.pairs) <= set(allowed_pairs(instance))
    loads = Counter(r for _, r in result.pairs)
    assert all(loads[r.id] <= r.max_load for r in reviewers.values())
    pairs, matrix, low, high, weights = lp_parts(instance)
    if not pairs:
        return
    a_ub = np.vstack([matrix, -matrix])
    b_ub = np.concatenate([high, -low])
    lp = linprog(-weights, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    event("infeasible" if lp.status == 2 else "feasible")
    if lp.status == 2:  # infeasible: the solver must say where
        assert result.shortfalls or result.underloaded_reviewers
        return
    assert lp.status == 0
    # Feasible: exact make-up, every load within min..max, and the LP optimum (integral here).
    assert result.shortfalls == [] and result.underloaded_reviewers == []
    seats = Counter((a, reviewers[r].type) for a, r in result.pairs)
    for app in instance["applications"]:
        for kind, need in instance["panel_makeup"].items():
            assert seats[(app.id, kind)] == need
    assert abs(result.total_affinity - (-lp.fun)) < 1e-6
    # Among answers with that total, the weakest panel is the best a MILP can find.
    apps = [a.id for a in instance["applications"]]
    n = len(pairs)
    panel_rows = np.zeros((len(apps), n + 1))
    for col, (a, _) in enumerate(pairs):
        panel_rows[apps.index(a), col] = -weights[col]
    panel_rows[:, n] = 1  # z - panel(a) <= 0
    constraints = [
        LinearConstraint(np.hstack([matrix, np.zeros((len(low), 1))]), low, high),
        LinearConstraint(np.append(weights, 0.0)[None, :], -lp.fun - 1e-7, np.inf),
        LinearConstraint(panel_rows, -np.inf, 0.0),
    ]
    best = milp(
        np.append(np.zeros(n), -1.0),
        constraints=constraints,
        integrality=np.append(np.ones(n), 0),
        bounds=Bounds(np.append(np.zeros(n), -np.inf), np.append(np.ones(n), np.inf)),
    )
    assert best.status == 0
    weakest = min(result.panel_affinity.values())
    assert result.weakest_proven
    assert abs(weakest - (-best.fun)) < 1e-6
