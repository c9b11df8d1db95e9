"""Responsible for solving one reviewer group exactly without building an arc for every pair.

Column generation over the network of `reviewers.network`:
1. start from each application's best reviewers and each reviewer's best applications by affinity
   (`reviewers.candidates.starting_pairs`);
2. solve that network and take its node potentials (optimal duals of the restricted problem);
3. read EVERY allowed pair once (`reviewers.candidates.scan`, float32 in row blocks with a safe margin,
   then exact integers on the few pairs it keeps): if none has a negative reduced cost, stop; otherwise
   add each application's pairs closest to improving (below a small slack, at most `add_k`) and keep a
   pool that the next rounds re-check cheaply before reading every pair again. The first read's pool is
   each application's `pool_k` and each reviewer's `pool_per_reviewer` closest pairs (a sorting read);
   later reads, whose potentials are nearly final, keep every pair below the slack, which the same
   threshold test that proves optimality finds, with no sorting (unless there are too many of them).
   After the first read, the unused starting pairs far from improving leave the network (once, so the
   set only grows after that and pricing ends); later reads see them like any other pair.
When no allowed pair has a negative reduced cost, the potentials are feasible duals of the full problem,
so the flow is optimal over all pairs (LP duality; the network matrix is totally unimodular, so the LP
optimum is the integer optimum). Pairs are added by reduced cost, not by affinity, because popular
reviewers fill up: the potentials price them, and the applications they turn away need reviewers far
down their own affinity lists. The shortage arcs keep each restricted problem feasible, and their
penalty makes missing arcs price out whenever they would fill a seat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reviewers.candidates import PairsByRow, scan, starting_pairs
from reviewers.network import Network, Tiers, build_network, potentials, solve_network

_ZERO_TIES_KEPT = 200_000  # zero-reduced-cost pairs carried to the tie analysis, at most
_NO_PAIRS = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


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

    def pair_weights(self, apps: np.ndarray, reviewers: np.ndarray) -> np.ndarray:
        return np.rint(self.affinity[apps, reviewers].astype(np.float64) * self.scale).astype(np.int64)


@dataclass
class GroupSolution:
    network: Network
    potential: np.ndarray
    pricing_rounds: int
    zero_pairs: tuple[np.ndarray, np.ndarray]  # allowed non-candidate pairs with zero reduced cost
    ties_complete: bool  # False when there were more zero pairs than we carry


@dataclass(frozen=True)
class Pricing:
    """How many pairs to start with and to add; any values give the same, exact answer, only faster or
    slower. `slack_share` of the affinity range sets how close to improving an added pair must be."""

    start_per_app: int = 8
    start_per_reviewer: int = 30
    add_k: int = 16
    pool_k: int = 32
    slack_share: float = 0.015
    pool_per_reviewer: int = 16
    pool_share: float = 0.1  # applications this close to improving (share of the range) refill the pool
    near_share: float = 8.0  # a read finding more near pairs than this per application picks a new pool
    drop_share: float = 0.05  # unused starting arcs this far from improving (share of the range) leave


@dataclass(frozen=True)
class _Reach:
    """Pricing's tolerances in integer weights (`slack`, `drop`) and affinity units (`band`), and the
    largest affinity magnitude, worked out once per group (each is a pass over the dense matrix)."""

    slack: int
    drop: int
    band: float
    largest: float

    @classmethod
    def of(cls, problem: GroupProblem, pricing: Pricing) -> _Reach:
        if problem.affinity.size == 0:
            return cls(1, 1, 0.0, 0.0)
        low, high = float(problem.affinity.min()), float(problem.affinity.max())
        slack = max(1, round(pricing.slack_share * (high - low) * problem.scale))
        drop = max(slack, round(pricing.drop_share * (high - low) * problem.scale))
        return cls(slack, drop, pricing.pool_share * (high - low), max(abs(low), abs(high)))


def solve_group(problem: GroupProblem, *, tiers: Tiers, pricing: Pricing | None = None) -> GroupSolution:
    """Exact solve of one group (module docstring); strict form first, penalties once it is infeasible."""
    pricing = pricing or Pricing()
    reach = _Reach.of(problem, pricing)
    closed = np.array(problem.blocked, dtype=bool)  # blocked, or already an arc of the network
    blocked = np.nonzero(closed)
    apps, reviewers = starting_pairs(
        problem.affinity,
        PairsByRow.of(*blocked, shape=closed.shape),
        skip_rows=problem.demand <= 0,
        per_app=pricing.start_per_app,
        per_reviewer=min(pricing.start_per_reviewer, len(problem.demand)),
    )
    closed[apps, reviewers] = True
    penalties: Tiers | None = None
    pool, potential, rounds, first_read = _NO_PAIRS, None, 0, True
    while True:
        rounds += 1
        network = _network(problem, apps, reviewers, penalties=penalties)
        if not solve_network(network):
            penalties = tiers  # this candidate set, or the whole group, cannot meet every rule
            continue
        potential = potentials(network, start=potential)
        # The pool from the last full read is re-checked first, which is cheap; only when none of it
        # improves is every pair read again (that read alone can prove optimality).
        new_apps, new_reviewers = _from_pool(
            problem, potential, pool, closed=closed, reach=reach, add_k=pricing.add_k
        )
        if len(new_apps) == 0:
            excluded = PairsByRow.of(
                np.hstack([blocked[0], apps]), np.hstack([blocked[1], reviewers]), shape=closed.shape
            )
            (new_apps, new_reviewers), zero, complete, pool = _price(
                problem, potential, excluded=excluded, reach=reach, pricing=pricing, first=first_read
            )
            if len(new_apps) == 0:
                return GroupSolution(network, potential, rounds, zero, complete)
            if first_read:
                first_read = False
                kept = _near_arcs(problem, network, potential, apps, reviewers, reach=reach)
                closed[apps[~kept], reviewers[~kept]] = False  # read again from now on
                apps, reviewers = apps[kept], reviewers[kept]
        closed[new_apps, new_reviewers] = True
        apps = np.concatenate([apps, new_apps])
        reviewers = np.concatenate([reviewers, new_reviewers])


def _near_arcs(
    problem: GroupProblem,
    network: Network,
    potential: np.ndarray,
    apps: np.ndarray,
    reviewers: np.ndarray,
    *,
    reach: _Reach,
) -> np.ndarray:
    """Which candidate pairs to keep: used, or not far from improving (bool per pair).

    Most starting pairs are an application's or a reviewer's best by affinity alone; once the first
    potentials price the popular reviewers, many are far from entering and only make every later
    solve slower. Done once, after the first solve, so the candidate set grows from then on and pricing
    still ends; a dropped pair that comes close to improving again is found by the next read."""
    far = (network.flow[: len(apps)] == 0) & (_reduced(problem, potential, apps, reviewers) > reach.drop)
    return ~far


def _network(
    problem: GroupProblem, apps: np.ndarray, reviewers: np.ndarray, *, penalties: Tiers | None
) -> Network:
    return build_network(
        demand=problem.demand,
        min_load=problem.min_load,
        max_load=problem.max_load,
        pair_apps=apps,
        pair_reviewers=reviewers,
        pair_costs=-problem.pair_weights(apps, reviewers),
        penalties=penalties,
    )


def _reduced(
    problem: GroupProblem, potential: np.ndarray, apps: np.ndarray, reviewers: np.ndarray
) -> np.ndarray:
    """Exact integer reduced costs of application -> reviewer arcs under `potential`."""
    n_apps = problem.blocked.shape[0]
    return potential[apps] - potential[n_apps + reviewers] - problem.pair_weights(apps, reviewers)


def _from_pool(
    problem: GroupProblem,
    potential: np.ndarray,
    pool: tuple[np.ndarray, np.ndarray],
    *,
    closed: np.ndarray,
    reach: _Reach,
    add_k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Pool pairs outside the network to add when at least one of them now improves; else none."""
    apps, reviewers = pool
    outside = ~closed[apps, reviewers]
    apps, reviewers = apps[outside], reviewers[outside]
    reduced = _reduced(problem, potential, apps, reviewers)
    if not (reduced < 0).any():
        return _NO_PAIRS
    wanted = reduced < reach.slack
    return _most_negative(apps[wanted], reviewers[wanted], reduced[wanted], add_k=add_k)


def _most_negative(
    apps: np.ndarray, reviewers: np.ndarray, reduced: np.ndarray, *, add_k: int
) -> tuple[np.ndarray, np.ndarray]:
    """At most `add_k` pairs per application, the most negative first (ties to the lower reviewer)."""
    order = np.lexsort((reviewers, reduced, apps))
    apps, reviewers = apps[order], reviewers[order]
    rank = np.arange(len(apps)) - np.searchsorted(apps, apps, side="left")
    return apps[rank < add_k], reviewers[rank < add_k]


def _price(
    problem: GroupProblem,
    potential: np.ndarray,
    *,
    excluded: PairsByRow,
    reach: _Reach,
    pricing: Pricing,
    first: bool,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], bool, tuple[np.ndarray, np.ndarray]]:
    """A read of every pair outside the network: (pairs to add, zero-reduced-cost pairs once nothing
    is negative, whether all of those were kept, the pool for `_from_pool`).

    The float test keeps every pair whose reduced cost could be below the slack (zero on the first
    read), with a margin for the rounding of affinities to integer weights and for float32; the exact
    test runs on those only. Most later reads find few such pairs: then they are all the pool, and
    nothing else is read; when none is negative that read is the proof. When the first read finds
    improving pairs, or a later one finds many, a second read picks each side's closest pairs
    (sorting, so costlier) as the pool."""
    # The first read usually finds many improving pairs or, on easy rounds, proves the start optimal:
    # it looks for reduced costs of zero or below only, which keeps that proof cheap.
    arguments = _scan_arguments(problem, potential, reach=reach, slack=0 if first else reach.slack)
    found = scan(problem.affinity, excluded, per_app=0, per_reviewer=0, **arguments)
    near_apps, near_reviewers = found.near
    near_reduced = _reduced(problem, potential, near_apps, near_reviewers)
    if not (near_reduced < 0).any():
        zero = near_reduced == 0
        if int(zero.sum()) > _ZERO_TIES_KEPT:
            return _NO_PAIRS, _NO_PAIRS, False, _NO_PAIRS
        return _NO_PAIRS, (near_apps[zero], near_reviewers[zero]), True, _NO_PAIRS
    if first or len(near_apps) > pricing.near_share * problem.blocked.shape[0]:
        found = scan(
            problem.affinity,
            excluded,
            per_app=pricing.pool_k,
            per_reviewer=pricing.pool_per_reviewer,
            **arguments,
        )
    pool = found.best if len(found.best[0]) else found.near
    apps, reviewers = pool
    reduced = _reduced(problem, potential, apps, reviewers)
    wanted = reduced < reach.slack
    new = _most_negative(apps[wanted], reviewers[wanted], reduced[wanted], add_k=pricing.add_k)
    if len(new[0]) == 0:  # the pool always holds each improving application's best pair; never stall
        negative = near_reduced < 0
        new = _most_negative(
            near_apps[negative], near_reviewers[negative], near_reduced[negative], add_k=pricing.add_k
        )
    return new, _NO_PAIRS, True, pool


def _scan_arguments(problem: GroupProblem, potential: np.ndarray, *, reach: _Reach, slack: int) -> dict:
    """`scan`'s float test for reduced cost < `slack`, in float32 when its rounding is safe."""
    n_apps, n_reviewers = problem.blocked.shape
    sink = potential[n_apps + n_reviewers]
    app_potential = (potential[:n_apps] - sink) / problem.scale
    shift = (potential[n_apps : n_apps + n_reviewers] - sink) / problem.scale
    largest = max(np.abs(app_potential).max(initial=0), np.abs(shift).max(initial=0))
    largest += reach.largest
    dtype = np.float32 if largest < 1e3 else np.float64
    # float32 keeps about 7 digits: widen the margin by its rounding at these magnitudes.
    margin = (2.0 + slack) / problem.scale + (1e-3 if dtype == np.float32 else 0.0)
    return {
        "skip_rows": problem.demand <= 0,
        "shift": shift.astype(dtype),
        "limit": (app_potential - margin).astype(dtype),
        "band": reach.band,
        "dtype": dtype,
    }
