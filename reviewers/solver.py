"""Responsible for the exact assignment on arrays: every group solved, then ties settled for the weakest.

Takes only arrays (the encoder in `reviewers.assignment` turns ids into them and back), so the same
solver serves a round, `cogrant assign` and the benchmark.

Order of goals, each exact (see `reviewers.network.Tiers` for why one weighted min-cost flow per group
gives them in this order, and `reviewers.pricing` for why checking every pair's reduced cost proves the
flow optimal over all pairs, not just the candidates):
1. as many panel seats filled as possible, with any empty seats spread over applications;
2. as many reviewers brought up to their `min_load` as possible (all of them whenever that is possible);
3. the highest total affinity (affinities scaled to integers: `scale` is reported, 10**6 when it fits);
4. among the answers that tie on 1-3, the highest affinity for the weakest application's whole panel
   (`reviewers.ties`, exact by CP-SAT over the tied part only).
Groups (reviewer types) share no constraint except goal 4, so 1-3 are solved group by group.
Deterministic: candidates are chosen with stable ties, OR-Tools' network solver is deterministic, and the
tie step runs CP-SAT with one worker, a fixed seed and a deterministic time limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reviewers.network import Tiers
from reviewers.pricing import GroupProblem, GroupSolution, solve_group
from reviewers.ties import TieOutcome, settle_ties


@dataclass(frozen=True)
class AssignmentArrays:
    """A round as arrays. Rows are applications, columns reviewers.

    `affinity` (A x R floats, may be float32), `blocked` (A x R bool: conflicts, removed and already
    fixed pairs), `group` (R ints, the reviewer's type index), `need` (A x G seats still to fill),
    `min_load`/`max_load` (R, what is left after fixed pairs), `fixed_affinity` (A, panel affinity of
    the fixed pairs, counted for the weakest application)."""

    affinity: np.ndarray
    blocked: np.ndarray
    group: np.ndarray
    need: np.ndarray
    min_load: np.ndarray
    max_load: np.ndarray
    fixed_affinity: np.ndarray


@dataclass(frozen=True)
class ArraySolution:
    apps: np.ndarray  # chosen pairs, sorted by (application, reviewer)
    reviewers: np.ndarray
    scale: int
    pricing_rounds: list[int]  # per group
    ties: TieOutcome
    group_solutions: list[GroupSolution]
    group_columns: list[np.ndarray]


def solve_arrays(arrays: AssignmentArrays) -> ArraySolution:
    n_apps, n_reviewers = arrays.affinity.shape
    groups = list(range(arrays.need.shape[1]))
    columns = [np.flatnonzero(arrays.group == g) for g in groups]
    views = [_columns(arrays.affinity, cols) for cols in columns]
    ranges = [(float(v.min()), float(v.max())) if v.size else (0.0, 0.0) for v in views]
    largest = max((max(-low, high) for low, high in ranges), default=0.0)
    tiers = Tiers.for_network(
        node_count=n_apps + n_reviewers + 1,
        largest_affinity=largest,
        most_seats=int(arrays.need.max(initial=0)),
    )
    solutions: list[GroupSolution] = []
    problems: list[GroupProblem] = []
    for g, cols in zip(groups, columns, strict=True):
        problem = GroupProblem(
            affinity=views[g],
            scale=tiers.scale,
            blocked=_columns(arrays.blocked, cols),
            demand=arrays.need[:, g].astype(np.int64),
            min_load=arrays.min_load[cols].astype(np.int64),
            max_load=arrays.max_load[cols].astype(np.int64),
            known_range=ranges[g],
        )
        problems.append(problem)
        solutions.append(solve_group(problem, tiers=tiers))
    fixed_weight = np.rint(arrays.fixed_affinity.astype(np.float64) * tiers.scale).astype(np.int64)
    ties = settle_ties(problems, solutions, fixed_weight=fixed_weight)
    apps, reviewers = [], []
    for solution, cols in zip(solutions, columns, strict=True):
        a, r = _chosen_pairs(solution)
        apps.append(a)
        reviewers.append(cols[r])
    all_apps = np.concatenate(apps) if apps else np.zeros(0, dtype=np.int64)
    all_reviewers = np.concatenate(reviewers) if reviewers else np.zeros(0, dtype=np.int64)
    order = np.lexsort((all_reviewers, all_apps))
    return ArraySolution(
        all_apps[order],
        all_reviewers[order],
        tiers.scale,
        [s.pricing_rounds for s in solutions],
        ties,
        solutions,
        columns,
    )


def _columns(matrix: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """A view when the columns are one contiguous run (no copy of a large matrix), else a copy."""
    if len(cols) and cols[-1] - cols[0] + 1 == len(cols):
        return matrix[:, cols[0] : cols[-1] + 1]
    return matrix[:, cols]


def _chosen_pairs(solution: GroupSolution) -> tuple[np.ndarray, np.ndarray]:
    network = solution.network
    is_pair = network.head < network.sink
    used = is_pair & (network.flow > 0)
    return network.tail[used], network.head[used] - network.n_apps
