"""Responsible for solving one reviewer group exactly without building an arc for every pair.

Column generation over the network of `reviewers.network`:
1. start from each application's best reviewers and each reviewer's best application in each band of
   applications, by affinity (`reviewers.candidates.starting_pairs`);
2. solve that network and take its node potentials (optimal duals of the restricted problem);
3. read EVERY allowed pair once (`reviewers.candidates.scan`, float32 in row blocks with a safe margin,
   then exact integers on the few pairs it keeps): if none has a negative reduced cost, stop; otherwise
   add each application's pairs closest to improving (below a small slack, at most `add_k`) and solve
   again. A read is a few whole-block passes, cheaper than a solve: reading every pair each round
   finds what the new potentials want sooner than re-checking a pool of earlier finds, which took an
   extra round. The first read looks only for reduced costs of zero or below, which keeps the proof
   cheap when the start is already optimal; later ones for those below the slack.
Whenever the flow's cost has fallen, unused arcs far from improving leave the network (read again like
any other pair later): most starting pairs stop mattering once the popular reviewers are priced, and a
smaller network solves faster. Dropping only then keeps pricing finite (see `_near_arcs`).
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

from reviewers.candidates import PairsByRow, nonzero_pairs, scan, starting_pairs
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
    known_range: tuple[float, float] | None = None  # (lowest, highest) affinity, when already known

    def affinity_range(self) -> tuple[float, float]:
        if self.known_range is not None:
            return self.known_range
        return float(self.affinity.min()), float(self.affinity.max())

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
    """How many pairs to start with and add, and which to drop; any values give the same, exact answer,
    only faster or slower. `slack_share` and `drop_share` are shares of the affinity range."""

    start_per_app: int = 8
    start_per_reviewer: int = 30
    add_k: int = 40  # pairs added per application and round, the most negative first
    slack_share: float = 0.015  # pairs this close to improving may be added
    drop_share: float = 0.03  # unused arcs this far from improving leave the network


@dataclass(frozen=True)
class _Reach:
    """Pricing's tolerances in integer weights (`slack`, `drop`) and the largest affinity magnitude,
    worked out once per group."""

    slack: int
    drop: int
    largest: float

    @classmethod
    def of(cls, problem: GroupProblem, pricing: Pricing) -> _Reach:
        if problem.affinity.size == 0:
            return cls(1, 1, 0.0)
        low, high = problem.affinity_range()
        slack = max(1, round(pricing.slack_share * (high - low) * problem.scale))
        drop = max(slack, round(pricing.drop_share * (high - low) * problem.scale))
        return cls(slack, drop, max(abs(low), abs(high)))


def solve_group(problem: GroupProblem, *, tiers: Tiers, pricing: Pricing | None = None) -> GroupSolution:
    """Exact solve of one group (module docstring); strict form first, penalties once it is infeasible."""
    pricing = pricing or Pricing()
    reach = _Reach.of(problem, pricing)
    shape = problem.blocked.shape
    blocked = nonzero_pairs(problem.blocked)
    apps, reviewers = starting_pairs(
        problem.affinity,
        PairsByRow.of(*blocked, shape=shape),
        skip_rows=problem.demand <= 0,
        per_app=pricing.start_per_app,
        per_reviewer=pricing.start_per_reviewer,
    )
    penalties: Tiers | None = None
    potential, rounds, reads, best_cost = None, 0, 0, None
    while True:
        rounds += 1
        network = _network(problem, apps, reviewers, penalties=penalties)
        if not solve_network(network):
            penalties, best_cost = tiers, None  # these pairs, or the whole group, cannot meet every rule
            continue
        potential = potentials(network, start=potential)
        excluded = PairsByRow.of(
            np.hstack([blocked[0], apps]), np.hstack([blocked[1], reviewers]), shape=shape
        )
        new, zero, complete = _price(
            problem, potential, excluded=excluded, reach=reach, add_k=pricing.add_k, first=reads == 0
        )
        reads += 1
        if len(new[0]) == 0:
            return GroupSolution(network, potential, rounds, zero, complete)
        cost = int(network.cost @ network.flow)
        if best_cost is None or cost < best_cost:  # see `_near_arcs` for why only then
            best_cost = cost
            kept = _near_arcs(problem, network, potential, apps, reviewers, reach=reach)
            apps, reviewers = apps[kept], reviewers[kept]  # the others are read again from now on
        apps, reviewers = np.concatenate([apps, new[0]]), np.concatenate([reviewers, new[1]])


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

    Many pairs stop mattering once the potentials price the popular reviewers (most starting pairs
    are an application's or a reviewer's best by affinity alone), and every arc makes each later
    solve slower. Dropping only when the flow's cost has gone down since the last drop keeps pricing
    finite: the used arcs stay, so the cost never rises; it can fall only finitely often, and between
    two drops the set of arcs only grows. A dropped pair that comes close to improving again is found
    by the next read."""
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


def _closest(
    apps: np.ndarray, reviewers: np.ndarray, reduced: np.ndarray, *, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """At most `k` pairs per application, the lowest reduced cost first (ties to the lower reviewer);
    pairs come and go sorted by application, then reviewer. Only applications with more than `k`
    pairs are sorted."""
    if len(apps) == 0:
        return apps, reviewers
    crowded = np.bincount(apps)[apps] > k
    rows = np.flatnonzero(crowded)
    order = rows[np.lexsort((reduced[rows], apps[rows]))]  # stable: ties stay in reviewer order
    rank = np.arange(len(order)) - np.searchsorted(apps[order], apps[order], side="left")
    keep = ~crowded
    keep[order[rank < k]] = True
    return apps[keep], reviewers[keep]


def _price(
    problem: GroupProblem,
    potential: np.ndarray,
    *,
    excluded: PairsByRow,
    reach: _Reach,
    add_k: int,
    first: bool,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], bool]:
    """A read of every pair outside the network: (pairs to add, zero-reduced-cost pairs once nothing
    is negative, whether all of those were kept).

    The float test keeps every pair whose reduced cost could be below the slack (zero on the first
    read), with a margin for the rounding of affinities to integer weights and for float32; the exact
    test runs on those only. When none is negative, that read is the proof; otherwise each
    application's `add_k` closest of them join the network."""
    # The first read usually finds many improving pairs or, on easy rounds, proves the start optimal:
    # it looks for reduced costs of zero or below only, which keeps that proof cheap.
    arguments = _scan_arguments(problem, potential, reach=reach, slack=0 if first else reach.slack)
    apps, reviewers = scan(problem.affinity, excluded, **arguments)
    reduced = _reduced(problem, potential, apps, reviewers)
    if not (reduced < 0).any():
        zero = reduced == 0
        if int(zero.sum()) > _ZERO_TIES_KEPT:
            return _NO_PAIRS, _NO_PAIRS, False
        return _NO_PAIRS, (apps[zero], reviewers[zero]), True
    wanted = reduced < reach.slack
    return _closest(apps[wanted], reviewers[wanted], reduced[wanted], k=add_k), _NO_PAIRS, True


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
        "dtype": dtype,
    }
