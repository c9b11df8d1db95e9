"""Responsible for solving one reviewer group exactly without building an arc for every pair.

Column generation over the network of `reviewers.network`:
1. start from a sparse candidate set: pairs above one affinity threshold (about `per_app` per
   application), topped up for applications with too few and for reviewers short of their `min_load`;
2. solve that network and take its node potentials (optimal duals of the restricted problem);
3. check the reduced cost of EVERY allowed pair, in row blocks with numpy (a float pass with a safe
   margin, then exact integers on the survivors); pairs below a small slack join the candidates, at most
   `add_k` per application, and are kept as a reservoir that the next rounds re-check cheaply before
   reading every pair again; repeat.
When no allowed pair has a negative reduced cost, the potentials are feasible duals of the full problem,
so the flow is optimal over all pairs (LP duality; the network matrix is totally unimodular, so the LP
optimum is the integer optimum). The shortage arcs keep each restricted problem feasible, and their
penalty makes missing arcs price out whenever they would fill a seat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reviewers.network import Network, Tiers, build_network, potentials, solve_network

_BLOCK_ROWS = 1024
_ZERO_TIES_KEPT = 200_000  # zero-reduced-cost pairs carried to the tie analysis, at most


@dataclass(frozen=True)
class GroupProblem:
    """One group's arrays: affinities (A x R, any float dtype, may be a view), blocked pairs, seats and
    loads left. Costs use `weights`, the affinities scaled to integers, everywhere the same way."""

    affinity: np.ndarray
    scale: int
    blocked: np.ndarray  # bool, A x R
    demand: np.ndarray
    min_load: np.ndarray
    max_load: np.ndarray

    def weights(self, rows: slice) -> np.ndarray:
        return np.rint(self.affinity[rows].astype(np.float64) * self.scale)

    def pair_weights(self, apps: np.ndarray, reviewers: np.ndarray) -> np.ndarray:
        return np.rint(self.affinity[apps, reviewers].astype(np.float64) * self.scale).astype(np.int64)


@dataclass
class GroupSolution:
    network: Network
    potential: np.ndarray
    pricing_rounds: int
    zero_pairs: tuple[np.ndarray, np.ndarray]  # allowed non-candidate pairs with zero reduced cost
    ties_complete: bool  # False when there were more zero pairs than we carry


def solve_group(
    problem: GroupProblem, *, tiers: Tiers, per_app: int = 8, add_k: int = 16, slack_share: float = 0.05
) -> GroupSolution:
    """Exact solve of one group (module docstring); strict form first, penalties once it is infeasible.

    `slack_share` of the affinity range sets how close to improving a pair must be to join."""
    spread = (
        float(problem.affinity.max(initial=0) - problem.affinity.min(initial=0))
        if problem.affinity.size
        else 0
    )
    slack = max(1, round(slack_share * spread * problem.scale))
    in_graph = np.zeros(problem.blocked.shape, dtype=bool)
    apps, reviewers = _start_candidates(problem, per_app=per_app)
    in_graph[apps, reviewers] = True
    penalties: Tiers | None = None
    reservoir = (apps[:0], reviewers[:0])
    rounds = 0
    while True:
        rounds += 1
        network = build_network(
            demand=problem.demand,
            min_load=problem.min_load,
            max_load=problem.max_load,
            pair_apps=apps,
            pair_reviewers=reviewers,
            pair_costs=-problem.pair_weights(apps, reviewers),
            penalties=penalties,
        )
        if not solve_network(network):
            penalties = tiers  # this candidate set, or the whole group, cannot meet every rule
            continue
        potential = potentials(network)
        # Pairs found near-improving by the last full pass are checked first, which is cheap; only when
        # none of them improves is every pair read again (that pass alone can prove optimality).
        new_apps, new_reviewers = _improving(problem, potential, reservoir, in_graph=in_graph, add_k=add_k)
        if len(new_apps) == 0:
            new_apps, new_reviewers, zero, complete, reservoir = _price(
                problem, potential, in_graph=in_graph, add_k=add_k, slack=slack
            )
            if len(new_apps) == 0:
                return GroupSolution(network, potential, rounds, zero, complete)
        in_graph[new_apps, new_reviewers] = True
        apps = np.concatenate([apps, new_apps])
        reviewers = np.concatenate([reviewers, new_reviewers])


def _start_candidates(problem: GroupProblem, *, per_app: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs above one affinity threshold chosen for about `per_app` per application, then each
    application with no more allowed pairs than seats topped up to its `per_app` best (ties to the lower
    column). Pricing adds whatever else the optimum needs."""
    n_apps, n_reviewers = problem.blocked.shape
    empty = np.zeros(0, dtype=np.int64)
    if n_apps == 0 or n_reviewers == 0:
        return empty, empty
    threshold = _threshold(problem.affinity, share=min(1.0, per_app / n_reviewers))
    found_apps, found_reviewers = [], []
    for start in range(0, n_apps, _BLOCK_ROWS):
        rows, cols = np.nonzero(problem.affinity[start : start + _BLOCK_ROWS] >= threshold)
        found_apps.append(rows + start)
        found_reviewers.append(cols)
    apps, reviewers = np.concatenate(found_apps), np.concatenate(found_reviewers)
    keep = ~problem.blocked[apps, reviewers] & (problem.demand[apps] > 0)
    apps, reviewers = apps[keep], reviewers[keep]
    counts = np.bincount(apps, minlength=n_apps)
    short = np.flatnonzero((counts <= problem.demand) & (problem.demand > 0) & (counts < n_reviewers))
    if len(short):
        values = problem.weights(short)
        values[problem.blocked[short]] = -np.inf
        k = min(per_app, n_reviewers)
        top = _top_k(values, k)
        row_ids = np.repeat(short, k)
        cols = top.ravel()
        ok = np.isfinite(values[np.repeat(np.arange(len(short)), k), cols])
        apps = np.concatenate([apps, row_ids[ok]])
        reviewers = np.concatenate([reviewers, cols[ok]])
    apps, reviewers = _cover_reviewers(problem, apps, reviewers)
    pairs = np.unique(apps * n_reviewers + reviewers)
    return (pairs // n_reviewers).astype(np.int64), (pairs % n_reviewers).astype(np.int64)


def _cover_reviewers(
    problem: GroupProblem, apps: np.ndarray, reviewers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Give each reviewer with too few candidate applications to meet its `min_load` (plus two, for
    room to move) its best allowed ones, so the strict form is rarely infeasible for want of arcs."""
    n_apps, n_reviewers = problem.blocked.shape
    wanted = np.minimum(problem.min_load + 2, n_apps)
    counts = np.bincount(reviewers, minlength=n_reviewers)
    thin = np.flatnonzero((counts < wanted) & (problem.max_load > 0))
    if len(thin) == 0:
        return apps, reviewers
    k = int(wanted[thin].max())
    values = problem.affinity[:, thin].T.astype(np.float64)
    values[problem.blocked[:, thin].T] = -np.inf
    values[:, problem.demand == 0] = -np.inf
    top = _top_k(values, k)
    rank_ok = np.arange(k)[None, :] < wanted[thin][:, None]
    cols = np.repeat(thin, k)
    rows = top.ravel()
    ok = rank_ok.ravel() & np.isfinite(values[np.repeat(np.arange(len(thin)), k), rows])
    return np.concatenate([apps, rows[ok]]), np.concatenate([reviewers, cols[ok]])


def _threshold(affinity: np.ndarray, *, share: float) -> float:
    """The affinity above which about `share` of a fixed, evenly spread sample of the pairs lie."""
    sample = affinity[:: max(1, affinity.shape[0] // 2000), :: max(1, affinity.shape[1] // 500)].ravel()
    if share >= 1.0 or sample.size == 0:
        return -np.inf
    position = min(sample.size - 1, int(sample.size * (1.0 - share)))
    return float(np.partition(sample, position)[position])


def _top_k(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest per row, ties to the lower column (argpartition alone is not stable)."""
    kth = -np.partition(-values, k - 1, axis=1)[:, k - 1 : k]
    above = values > kth
    at = values == kth
    take_at = k - above.sum(axis=1, keepdims=True)
    chosen = above | (at & (np.cumsum(at, axis=1) <= take_at))
    _, cols = np.nonzero(chosen)
    return cols.reshape(values.shape[0], k)


def _improving(
    problem: GroupProblem,
    potential: np.ndarray,
    reservoir: tuple[np.ndarray, np.ndarray],
    *,
    in_graph: np.ndarray,
    add_k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Reservoir pairs outside the candidates whose reduced cost is now negative, `add_k` per row."""
    apps, reviewers = reservoir
    outside = ~in_graph[apps, reviewers]
    apps, reviewers = apps[outside], reviewers[outside]
    n_apps = problem.blocked.shape[0]
    reduced = potential[apps] - potential[n_apps + reviewers] - problem.pair_weights(apps, reviewers)
    negative = reduced < 0
    return _most_negative(apps[negative], reviewers[negative], reduced[negative], add_k=add_k)


def _most_negative(
    apps: np.ndarray, reviewers: np.ndarray, reduced: np.ndarray, *, add_k: int
) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((reviewers, reduced, apps))
    apps, reviewers = apps[order], reviewers[order]
    rank = np.arange(len(apps)) - np.searchsorted(apps, apps, side="left")
    return apps[rank < add_k], reviewers[rank < add_k]


def _price(
    problem: GroupProblem, potential: np.ndarray, *, in_graph: np.ndarray, add_k: int, slack: int
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray], bool, tuple[np.ndarray, np.ndarray]]:
    """Pairs outside the candidates to add, and the zero-reduced-cost ones once nothing is negative;
    last, the reservoir: every pair found with reduced cost below `slack`, for `_improving` to re-check.

    When some allowed pair has a negative reduced cost the flow may improve: every pair with reduced
    cost below `slack` joins (the nearly-negative ones too, since the next potentials will move), at most
    `add_k` per application, the most negative first (ties to the lower reviewer). A float pass over the
    block keeps every pair that could qualify, with a margin for the rounding of affinities to weights;
    the exact integer test runs on those only."""
    n_apps, n_reviewers = problem.blocked.shape
    sink = potential[n_apps + n_reviewers]
    app_potential = potential[:n_apps] - sink
    reviewer_potential = potential[n_apps : n_apps + n_reviewers] - sink
    limit = (app_potential - slack) / problem.scale - 2.0 / problem.scale
    shift = reviewer_potential / problem.scale
    small = max(np.abs(limit).max(initial=0), np.abs(shift).max(initial=0)) < 1e3
    dtype = np.float32 if small and problem.affinity.dtype == np.float32 else np.float64
    # float32 keeps about 7 digits: widen the margin by its rounding at these magnitudes.
    limit = (limit - (1e-6 * 1e3 if dtype == np.float32 else 0.0)).astype(dtype)
    shift = shift.astype(dtype)
    near_apps, near_reviewers = [], []
    # Reused buffers: allocating a fresh block per step costs more than the arithmetic here.
    shifted = np.empty((min(_BLOCK_ROWS, n_apps), n_reviewers), dtype=dtype)
    near = np.empty(shifted.shape, dtype=bool)
    for start in range(0, n_apps, _BLOCK_ROWS):
        stop = min(start + _BLOCK_ROWS, n_apps)
        size = stop - start
        np.add(problem.affinity[start:stop], shift[None, :], out=shifted[:size], casting="unsafe")
        np.greater_equal(shifted[:size], limit[start:stop, None], out=near[:size])
        rows, cols = np.nonzero(near[:size])
        near_apps.append(rows + start)
        near_reviewers.append(cols)
    apps, reviewers = np.concatenate(near_apps), np.concatenate(near_reviewers)
    keep = ~problem.blocked[apps, reviewers] & ~in_graph[apps, reviewers] & (problem.demand[apps] > 0)
    apps, reviewers = apps[keep], reviewers[keep]
    reduced = app_potential[apps] - reviewer_potential[reviewers] - problem.pair_weights(apps, reviewers)
    none = (apps[:0], reviewers[:0])
    if not (reduced < 0).any():
        zero = reduced == 0
        if int(zero.sum()) > _ZERO_TIES_KEPT:
            return apps[:0], reviewers[:0], none, False, none
        return apps[:0], reviewers[:0], (apps[zero], reviewers[zero]), True, none
    wanted = reduced < slack
    apps, reviewers, reduced = apps[wanted], reviewers[wanted], reduced[wanted]
    new_apps, new_reviewers = _most_negative(apps, reviewers, reduced, add_k=add_k)
    return new_apps, new_reviewers, none, True, (apps, reviewers)
