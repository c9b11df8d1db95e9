"""Responsible for one reviewer group's min-cost flow network: building it, solving it, and its potentials.

Nodes: applications 0..A-1, reviewers A..A+R-1, one sink A+R. Every application supplies the seats it
still needs. Arcs, all with integer costs, application -> reviewer (capacity 1, cost
-round(affinity * scale)) for the candidate pairs only, and then one of two forms:

- strict (`penalties=None`): each reviewer demands its `min_load` (a hard lower bound), an arc
  reviewer -> sink carries the rest up to `max_load` at cost 0, and the sink takes what is left. Exactly
  the problem in the issue; OR-Tools says INFEASIBLE when it cannot be met.
- with `Tiers` penalties, always feasible: reviewer -> sink has a first segment up to `min_load` costing
  -`min_bonus` and the rest costing 0; application -> sink "shortage" arcs, one per seat, the k-th costing
  `short_cost + k * spread_cost`, so a seat is left empty only when it truly cannot be filled. The tiers
  make one min-cost flow lexicographically best: fewest empty seats, then empty seats spread over
  applications, then most min-load places filled, then most affinity. When the strict form is feasible
  both give the same answer; the strict one solves faster (small costs, fewer arcs).

OR-Tools solves it; the node potentials (optimal duals) come from Bellman-Ford over the residual network
of the optimal flow, which has no negative cycle (so Bellman-Ford ends). Potentials make the optimality
certificate (`reviewers.pricing`) and the tie analysis (`reviewers.ties`) possible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

# OR-Tools refuses costs whose product with the node count may overflow int64; stay well inside it.
_COST_LIMIT = 2**62


@dataclass(frozen=True)
class Tiers:
    """Integer weights that rank the goals. A lexicographically better flow differs from a worse one by
    simple cycles, one of which is better on its own; a simple cycle has at most `node_count` arcs and
    passes the sink once, so it uses at most two sink arcs. Each tier therefore only needs to outweigh two
    arcs of the tier below plus `node_count` affinity arcs."""

    scale: int
    min_bonus: int
    spread_cost: int
    short_cost: int

    @classmethod
    def for_network(cls, *, node_count: int, largest_affinity: float, most_seats: int) -> Tiers:
        for scale in (10**6, 10**5, 10**4, 10**3):
            top_cost = max(1, round(largest_affinity * scale))
            min_bonus = node_count * top_cost + 1
            spread_cost = 2 * min_bonus + node_count * top_cost + 1
            short_cost = spread_cost
            largest = short_cost + most_seats * spread_cost
            if largest * (node_count + 1) < _COST_LIMIT:
                return cls(scale, min_bonus, spread_cost, short_cost)
        raise ValueError("affinities are too large for an exact integer solve; rescale them")


@dataclass
class Network:
    """Arc arrays of one group's network; `flow` is filled in by `solve_network`."""

    n_apps: int
    n_reviewers: int
    tail: np.ndarray
    head: np.ndarray
    capacity: np.ndarray
    cost: np.ndarray
    supply: np.ndarray
    flow: np.ndarray | None = None

    @property
    def sink(self) -> int:
        return self.n_apps + self.n_reviewers

    @property
    def node_count(self) -> int:
        return self.n_apps + self.n_reviewers + 1


def build_network(
    *,
    demand: np.ndarray,
    min_load: np.ndarray,
    max_load: np.ndarray,
    pair_apps: np.ndarray,
    pair_reviewers: np.ndarray,
    pair_costs: np.ndarray,
    penalties: Tiers | None,
) -> Network:
    """Arrays for the network in the module docstring; pairs are local (application, reviewer) indices."""
    n_apps, n_reviewers = len(demand), len(max_load)
    sink = n_apps + n_reviewers
    reviewer_nodes = n_apps + np.arange(n_reviewers)
    if penalties is None:
        seat_apps = np.zeros(0, dtype=np.int64)
        seat_costs = np.zeros(0, dtype=np.int64)
        load_tails, load_capacity = reviewer_nodes, max_load - min_load
        load_costs = np.zeros(n_reviewers, dtype=np.int64)
        reviewer_supply = -min_load
    else:
        seat_apps = np.repeat(np.arange(n_apps), demand)
        seat_rank = np.arange(len(seat_apps)) - np.repeat(np.cumsum(demand) - demand, demand)
        seat_costs = penalties.short_cost + seat_rank * penalties.spread_cost
        load_tails = np.concatenate([reviewer_nodes, reviewer_nodes])
        load_capacity = np.concatenate([min_load, max_load - min_load])
        load_costs = np.concatenate([np.full(n_reviewers, -penalties.min_bonus), np.zeros(n_reviewers)])
        reviewer_supply = np.zeros(n_reviewers, dtype=np.int64)
    tail = np.concatenate([pair_apps, seat_apps, load_tails])
    head = np.concatenate([n_apps + pair_reviewers, np.full(len(seat_apps) + len(load_tails), sink)])
    capacity = np.concatenate([np.ones(len(pair_apps)), np.ones(len(seat_apps)), load_capacity])
    cost = np.concatenate([pair_costs, seat_costs, load_costs])
    supply = np.concatenate([demand, reviewer_supply, [-int(demand.sum()) - int(reviewer_supply.sum())]])
    return Network(
        n_apps,
        n_reviewers,
        tail.astype(np.int64),
        head.astype(np.int64),
        capacity.astype(np.int64),
        cost.astype(np.int64),
        supply.astype(np.int64),
    )


def solve_network(network: Network) -> bool:
    """Fill `network.flow` with a min-cost flow; False when the supplies cannot be met (strict form)."""
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(network.tail, network.head, network.capacity, network.cost)
    solver.set_nodes_supplies(np.arange(network.node_count), network.supply)
    status = solver.solve()
    if status == solver.INFEASIBLE:
        return False
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow solver failed with status {status}")
    network.flow = np.asarray(solver.flows(np.arange(solver.num_arcs())), dtype=np.int64)
    return True


def residual_arcs(network: Network, *, reduced: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """(tail, head, cost) of the residual network; with `reduced`, only arcs of zero reduced cost."""
    flow = network.flow
    forward = flow < network.capacity
    backward = flow > 0
    if reduced is not None:
        forward &= reduced == 0
        backward &= reduced == 0
    tails = np.concatenate([network.tail[forward], network.head[backward]])
    heads = np.concatenate([network.head[forward], network.tail[backward]])
    costs = np.concatenate([network.cost[forward], -network.cost[backward]])
    return tails, heads, costs


def potentials(network: Network, *, start: np.ndarray | None = None) -> np.ndarray:
    """Node potentials p with cost + p[tail] - p[head] >= 0 on every residual arc (exact integers).

    Label-correcting rounds done as whole-array operations: each round, the nodes whose label dropped
    in the last round offer label + cost along their outgoing residual arcs, and each head keeps the
    cheapest offer if it is lower (the first round, every node offers). From all zeros (a virtual
    root joined to every node at cost 0) the labels are shortest distances, and the number of rounds
    is the depth of the shortest-path tree (about a hundred arcs on large rounds), far fewer than the
    node count. From `start` (the potentials of the previous, slightly smaller network) it ends
    sooner; labels only drop and are bounded below when there is no negative cycle, so it ends."""
    tails, heads, costs = residual_arcs(network)
    order = np.argsort(tails, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    first_arc = np.searchsorted(tails, np.arange(network.node_count + 1))
    distance = np.zeros(network.node_count, dtype=np.int64) if start is None else start.copy()
    arcs = np.arange(len(tails))
    for _ in range(network.node_count + 1):
        offers = distance[tails[arcs]] + costs[arcs]
        better = offers < distance[heads[arcs]]
        if not better.any():
            return distance
        lowered = distance.copy()
        np.minimum.at(lowered, heads[arcs[better]], offers[better])
        nodes = np.flatnonzero(lowered < distance)
        distance = lowered
        arcs = _outgoing(first_arc, nodes)
    raise RuntimeError("the residual network has a negative cycle: the flow is not optimal")


def _outgoing(first_arc: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Indices of the arcs leaving `nodes`, with arcs sorted by tail and node v's at
    first_arc[v]:first_arc[v + 1]."""
    begins = first_arc[nodes]
    counts = first_arc[nodes + 1] - begins
    offsets = np.repeat(begins - (np.cumsum(counts) - counts), counts)
    return offsets + np.arange(int(counts.sum()))


def reduced_costs(network: Network, potential: np.ndarray) -> np.ndarray:
    return network.cost + potential[network.tail] - potential[network.head]
