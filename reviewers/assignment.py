"""Responsible for assigning reviewers to the applications of one funding round.

Each reviewer group (lived experience, scientist, community or practice) is solved on its own, since a
slot for one group can only take a reviewer of that group. Per group the problem is an exact min-cost
maximum flow (see `reviewers.flow`): source -> application (the group's panel size) -> reviewer (one unit,
only for pairs with no conflict and not removed by an administrator) -> sink (the reviewer's load).

Among maximum flows it picks, in this order of importance:
1. the most reviewers brought up to their `min_load` (a wish, never a hard rule);
2. the highest total affinity, with costs -round(affinity * 1000);
3. even loads (each extra application costs the reviewer's current load), then lower ids (heap order).
Administrators' fixed pairs are applied first and kept when they are allowed; the others are reported in
`dropped_fixed`. A conflicted pair never appears. When there are too few reviewers the shortage is spread
out (every application gets its first reviewer of a group before any gets its second) and each gap is
explained in a `Shortfall`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

from reviewers.conflicts import ConflictReason, Pair, all_conflicts
from reviewers.flow import TransportProblem, solve_transport
from reviewers.roles import ApplicationSlot, ReviewerSlot, type_label
from reviewers.shortfalls import Shortfall, explain_shortfall


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
    pairs = list(kept)
    shortfalls: list[Shortfall] = []
    for reviewer_type in sorted(t for t, need in round_.panel_makeup.items() if need > 0):
        chosen = _solve_group(round_, reviewer_type, kept=kept)
        pairs.extend(chosen)
        shortfalls.extend(_group_shortfalls(round_, reviewer_type, pairs=set(kept) | set(chosen)))
    loads = Counter(reviewer_id for _, reviewer_id in pairs)
    underloaded = [
        Underload(rev.id, rev.min_load, loads[rev.id])
        for rev in round_.reviewers.values()
        if loads[rev.id] < rev.min_load
    ]
    return AssignmentResult(sorted(pairs), shortfalls, underloaded, dropped)


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


def _solve_group(round_: _Round, reviewer_type: str, *, kept: Sequence[Pair]) -> list[Pair]:
    """Solve one reviewer group as a min-cost flow and return the new (not fixed) pairs."""
    reviewers = [r for r in round_.reviewers.values() if r.type == reviewer_type]
    if not reviewers or not round_.applications:
        return []
    need = round_.panel_makeup[reviewer_type]
    seats = Counter(app_id for app_id, rev_id in kept if round_.reviewers[rev_id].type == reviewer_type)
    base_load = Counter(rev_id for _, rev_id in kept)
    kept_set = set(kept)
    raw: list[dict[int, int]] = []
    for app in round_.applications:
        raw.append(
            {
                col: -round(round_.affinities.get((app.id, rev.id), 0.0) * 1000)
                for col, rev in enumerate(reviewers)
                if _allowed(round_, (app.id, rev.id)) and (app.id, rev.id) not in kept_set
            }
        )
    demand = [max(0, need - seats[app.id]) for app in round_.applications]
    arc_costs, load_costs = _weigh(raw, reviewers, base_load=base_load, units=sum(demand))
    solution = solve_transport(TransportProblem(demand, arc_costs, load_costs))
    return [
        (app.id, reviewers[col].id)
        for app, cols in zip(round_.applications, solution.columns, strict=True)
        for col in cols
    ]


def _allowed(round_: _Round, pair: Pair) -> bool:
    return pair not in round_.conflicts and pair not in round_.forbidden


def _weigh(
    raw: list[dict[int, int]], reviewers: Sequence[ReviewerSlot], *, base_load: Counter[int], units: int
) -> tuple[list[dict[int, int]], list[list[int]]]:
    """Turn raw affinity costs into non-negative integer costs that rank the three goals in order.

    Each weight is larger than the most the goals below it could ever differ by, for `units` units.
    """
    values = [cost for arcs in raw for cost in arcs.values()]
    low, high = min(values, default=0), max(values, default=0)
    top_load = max((r.max_load for r in reviewers), default=0)
    w_affinity = units * top_load + 1
    w_min_load = units * (high - low + 1) * w_affinity + 1
    arc_costs = [{col: (cost - low) * w_affinity for col, cost in arcs.items()} for arcs in raw]
    load_costs = [
        [(0 if load < r.min_load else w_min_load) + load for load in range(base_load[r.id], r.max_load)]
        for r in reviewers
    ]
    return arc_costs, load_costs


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
