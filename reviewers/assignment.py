"""Responsible for assigning reviewers to the applications of one funding round, by id.

Encodes ids into arrays for `reviewers.solver` (exact, with the order of goals stated there) and decodes
the answer: pairs, each application's panel affinity, the total, and in plain words every seat that could
not be filled and why. Administrators' fixed pairs are applied first and kept when they are allowed; the
others are reported in `dropped_fixed`. Removed (`forbidden`) and conflicted pairs never appear.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field

import numpy as np

from reviewers.conflicts import ConflictReason, Pair, all_conflicts
from reviewers.roles import ApplicationSlot, ReviewerSlot, type_label
from reviewers.shortfalls import Shortfall, explain_shortfall
from reviewers.solver import AssignmentArrays, solve_arrays


@dataclass(frozen=True)
class Underload:
    """A reviewer who got fewer applications than the `min_load` they asked for."""

    reviewer_id: int
    min_load: int
    assigned: int


@dataclass(frozen=True)
class DroppedPair:
    """An administrator's fixed pair that could not be kept, with the reason in plain words."""

    application_id: int
    reviewer_id: int
    reason: str


@dataclass(frozen=True)
class AssignmentResult:
    pairs: list[Pair]  # (application_id, reviewer_id), sorted
    shortfalls: list[Shortfall]
    underloaded_reviewers: list[Underload]
    dropped_fixed: list[DroppedPair]
    panel_affinity: dict[int, float] = field(default_factory=dict)  # per application, fixed pairs included
    total_affinity: float = 0.0
    weakest_proven: bool = True  # the weakest panel is proven best among optimal answers


@dataclass(frozen=True)
class _Round:
    """Validated, id-sorted inputs shared by the steps below."""

    applications: list[ApplicationSlot]
    reviewers: dict[int, ReviewerSlot]
    panel_makeup: Mapping[str, int]
    conflicts: dict[Pair, ConflictReason]
    forbidden: Set[Pair]
    affinities: Mapping[Pair, float]


def assign_reviewers(
    applications: Sequence[ApplicationSlot],
    reviewers: Sequence[ReviewerSlot],
    *,
    panel_makeup: Mapping[str, int],
    conflicts: Set[Pair] = frozenset(),
    affinities: Mapping[Pair, float] | None = None,
    fixed: Set[Pair] = frozenset(),
    forbidden: Set[Pair] = frozenset(),
    waived: Set[Pair] = frozenset(),
) -> AssignmentResult:
    """Assign reviewers for one round; the same input always gives the same result.

    `conflicts` are declared (application_id, reviewer_id) pairs; automatic ones are added here and
    `waived` pairs (a logged decision made elsewhere) are treated as having no conflict.
    """
    round_ = _prepare(
        applications,
        reviewers,
        panel_makeup=panel_makeup,
        declared=conflicts,
        waived=waived,
        forbidden=forbidden,
        affinities=affinities or {},
    )
    kept, dropped = _apply_fixed(round_, fixed)
    chosen, weakest_proven = _solve(round_, kept)
    pairs = sorted(set(kept) | set(chosen))
    shortfalls: list[Shortfall] = []
    for reviewer_type in sorted(t for t, need in round_.panel_makeup.items() if need > 0):
        shortfalls.extend(_group_shortfalls(round_, reviewer_type, pairs=set(pairs)))
    loads = Counter(reviewer_id for _, reviewer_id in pairs)
    underloaded = [
        Underload(rev.id, rev.min_load, loads[rev.id])
        for rev in round_.reviewers.values()
        if loads[rev.id] < rev.min_load
    ]
    panel = {a.id: 0.0 for a in round_.applications}
    for pair in pairs:
        panel[pair[0]] += round_.affinities.get(pair, 0.0)
    return AssignmentResult(
        pairs,
        shortfalls,
        underloaded,
        dropped,
        panel_affinity={app_id: round(value, 9) for app_id, value in panel.items()},
        total_affinity=round(sum(round_.affinities.get(pair, 0.0) for pair in pairs), 9),
        weakest_proven=weakest_proven,
    )


def _prepare(
    applications: Sequence[ApplicationSlot],
    reviewers: Sequence[ReviewerSlot],
    *,
    panel_makeup: Mapping[str, int],
    declared: Set[Pair],
    waived: Set[Pair],
    forbidden: Set[Pair],
    affinities: Mapping[Pair, float],
) -> _Round:
    for name, ids in (("application", [a.id for a in applications]), ("reviewer", [r.id for r in reviewers])):
        repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
        if repeated:
            raise ValueError(f"{name} ids appear more than once: {repeated}")
    if any(need < 0 for need in panel_makeup.values()):
        raise ValueError("panel_makeup counts cannot be negative")
    if any(not math.isfinite(value) for value in affinities.values()):
        raise ValueError("affinities must be finite numbers")
    return _Round(
        applications=sorted(applications, key=lambda a: a.id),
        reviewers={r.id: r for r in sorted(reviewers, key=lambda r: r.id)},
        panel_makeup=dict(panel_makeup),
        conflicts=all_conflicts(applications, reviewers, declared=declared, waived=waived),
        forbidden=frozenset(forbidden),
        affinities=affinities,
    )


def _apply_fixed(round_: _Round, fixed: Set[Pair]) -> tuple[list[Pair], list[DroppedPair]]:
    """Keep allowed fixed pairs (in id order) until a panel place or a reviewer's load runs out."""
    app_ids = {a.id for a in round_.applications}
    seats: Counter[tuple[int, str]] = Counter()
    loads: Counter[int] = Counter()
    kept: list[Pair] = []
    dropped: list[DroppedPair] = []
    for app_id, reviewer_id in sorted(fixed):
        reason = _fixed_problem(round_, (app_id, reviewer_id), app_ids=app_ids)
        if reason is None:
            reviewer = round_.reviewers[reviewer_id]
            need = round_.panel_makeup.get(reviewer.type, 0)
            label = type_label(reviewer.type)
            if need == 0:
                reason = f"this round's panels have no place for {label} reviewers"
            elif seats[(app_id, reviewer.type)] >= need:
                noun = "reviewer" if need == 1 else "reviewers"
                reason = f"the application already has its {need} {label} {noun}"
            elif loads[reviewer_id] >= reviewer.max_load:
                reason = f"the reviewer already has their most applications ({reviewer.max_load})"
            else:
                seats[(app_id, reviewer.type)] += 1
                loads[reviewer_id] += 1
                kept.append((app_id, reviewer_id))
                continue
        dropped.append(DroppedPair(app_id, reviewer_id, reason))
    return kept, dropped


def _fixed_problem(round_: _Round, pair: Pair, *, app_ids: Set[int]) -> str | None:
    """Why a fixed pair can never be kept, whatever else is fixed; None when it can."""
    app_id, reviewer_id = pair
    if app_id not in app_ids:
        return f"application {app_id} is not in this round"
    if reviewer_id not in round_.reviewers:
        return f"reviewer {reviewer_id} is not in this round"
    if pair in round_.conflicts:
        return f"conflict of interest ({round_.conflicts[pair]})"
    if pair in round_.forbidden:
        return "an administrator also removed this pair"
    return None


def _solve(round_: _Round, kept: Sequence[Pair]) -> tuple[list[Pair], bool]:
    """Encode the round as arrays, solve, and decode the new (not fixed) pairs."""
    groups = sorted(t for t, need in round_.panel_makeup.items() if need > 0)
    reviewers = [r for r in round_.reviewers.values() if r.type in groups]
    apps = round_.applications
    if not groups or not reviewers or not apps:
        return [], True
    app_index = {a.id: i for i, a in enumerate(apps)}
    reviewer_index = {r.id: j for j, r in enumerate(reviewers)}
    affinity = np.zeros((len(apps), len(reviewers)))
    for (app_id, reviewer_id), value in round_.affinities.items():
        if app_id in app_index and reviewer_id in reviewer_index:
            affinity[app_index[app_id], reviewer_index[reviewer_id]] = value
    blocked = np.zeros(affinity.shape, dtype=bool)
    for app_id, reviewer_id in (*round_.conflicts, *round_.forbidden, *kept):
        if app_id in app_index and reviewer_id in reviewer_index:
            blocked[app_index[app_id], reviewer_index[reviewer_id]] = True
    need = np.array([[round_.panel_makeup[g] for g in groups]] * len(apps), dtype=np.int64)
    fixed_load = np.zeros(len(reviewers), dtype=np.int64)
    fixed_affinity = np.zeros(len(apps))
    for app_id, reviewer_id in kept:
        if reviewer_id in reviewer_index:
            need[app_index[app_id], groups.index(round_.reviewers[reviewer_id].type)] -= 1
            fixed_load[reviewer_index[reviewer_id]] += 1
        fixed_affinity[app_index[app_id]] += round_.affinities.get((app_id, reviewer_id), 0.0)
    max_load = np.array([r.max_load for r in reviewers]) - fixed_load
    min_load = np.minimum(np.maximum(np.array([r.min_load for r in reviewers]) - fixed_load, 0), max_load)
    solution = solve_arrays(
        AssignmentArrays(
            affinity=affinity,
            blocked=blocked,
            group=np.array([groups.index(r.type) for r in reviewers]),
            need=need,
            min_load=min_load,
            max_load=max_load,
            fixed_affinity=fixed_affinity,
        )
    )
    chosen = [
        (apps[i].id, reviewers[j].id)
        for i, j in zip(solution.apps.tolist(), solution.reviewers.tolist(), strict=True)
    ]
    return chosen, solution.ties.proven and solution.ties.complete


def _allowed(round_: _Round, pair: Pair) -> bool:
    return pair not in round_.conflicts and pair not in round_.forbidden


def _group_shortfalls(round_: _Round, reviewer_type: str, *, pairs: Set[Pair]) -> list[Shortfall]:
    need = round_.panel_makeup[reviewer_type]
    group = [r for r in round_.reviewers.values() if r.type == reviewer_type]
    loads = Counter(rev_id for _, rev_id in pairs)
    found_by_app: dict[int, int] = defaultdict(int)
    for app_id, rev_id in pairs:
        if round_.reviewers[rev_id].type == reviewer_type:
            found_by_app[app_id] += 1
    shortfalls = []
    for app in round_.applications:
        found = found_by_app[app.id]
        if found >= need:
            continue
        others = [r for r in group if (app.id, r.id) not in pairs]
        conflicts = [round_.conflicts[(app.id, r.id)] for r in others if (app.id, r.id) in round_.conflicts]
        allowed = [r for r in others if _allowed(round_, (app.id, r.id))]
        removed = len(others) - len(conflicts) - len(allowed)
        full = sum(1 for r in allowed if loads[r.id] >= r.max_load)
        reason = explain_shortfall(
            reviewer_type, found=found, group_size=len(group), conflicts=conflicts, removed=removed, full=full
        )
        shortfalls.append(Shortfall(app.id, reviewer_type, need, found, reason))
    return shortfalls
