"""Pricing proves optimality over all pairs even when its starting pairs miss the optimum.

Each random group is solved twice: by `solve_group` with deliberately tiny candidate lists, so the
optimum needs pairs that pricing must find, and by one min-cost flow over every allowed pair. The
optimal costs must agree, and the final potentials must price out every allowed pair."""

from __future__ import annotations

import numpy as np
import pytest

from reviewers.network import Network, Tiers, build_network, potentials, reduced_costs, solve_network
from reviewers.pricing import GroupProblem, Pricing, solve_group

TINY = Pricing(start_per_app=1, start_per_reviewer=0, add_k=1)


def random_group(seed: int, *, n_apps: int = 30, n_reviewers: int = 12) -> tuple[GroupProblem, Tiers]:
    rng = np.random.default_rng(seed)
    # A few popular reviewers that every application ranks first: the optimum has to look past them.
    affinity = rng.random((n_apps, n_reviewers)).astype(np.float32)
    affinity[:, :3] += 1.0
    max_load = rng.integers(2, 9, n_reviewers)
    max_load[:3] = 2
    tiers = Tiers.for_network(node_count=n_apps + n_reviewers + 1, largest_affinity=2.0, most_seats=2)
    problem = GroupProblem(
        affinity=affinity,
        scale=tiers.scale,
        blocked=rng.random((n_apps, n_reviewers)) < 0.1,
        demand=rng.integers(0, 3, n_apps),
        min_load=np.minimum(rng.integers(0, 3, n_reviewers), max_load),
        max_load=max_load,
    )
    return problem, tiers


def pair_cost(network: Network) -> tuple[int, int]:
    """(seats filled, cost of the application -> reviewer arcs used): equal for every optimal flow, of
    either form (the tiered form fills as many seats and min-load places, then has the least cost)."""
    is_pair = network.head < network.sink
    return int(network.flow[is_pair].sum()), int(network.cost[is_pair] @ network.flow[is_pair])


def full_optimum(problem: GroupProblem, tiers: Tiers) -> tuple[int, int]:
    """`pair_cost` with an arc for every allowed pair (strict form, else the tiered one)."""
    apps, reviewers = np.nonzero(~problem.blocked)
    for penalties in (None, tiers):
        network = build_network(
            demand=problem.demand,
            min_load=problem.min_load,
            max_load=problem.max_load,
            pair_apps=apps,
            pair_reviewers=reviewers,
            pair_costs=-problem.pair_weights(apps, reviewers),
            penalties=penalties,
        )
        if solve_network(network):
            return pair_cost(network)
    raise AssertionError("the tiered form is always feasible")


@pytest.mark.parametrize("seed", range(40))
def test_pricing_reaches_the_optimum_over_all_pairs(seed: int) -> None:
    problem, tiers = random_group(seed)
    solution = solve_group(problem, tiers=tiers, pricing=TINY)
    network = solution.network
    assert pair_cost(network) == full_optimum(problem, tiers)
    # The certificate: no allowed pair left unused has a negative reduced cost under the final potentials.
    unused = ~problem.blocked & (problem.demand[:, None] > 0)
    used = (network.head < network.sink) & (network.flow > 0)
    unused[network.tail[used], network.head[used] - network.n_apps] = False
    apps, reviewers = np.nonzero(unused)
    potential = solution.potential
    reduced = potential[apps] - potential[network.n_apps + reviewers] - problem.pair_weights(apps, reviewers)
    assert (reduced >= 0).all()


@pytest.mark.parametrize("drop_share", [0.0, 1.0])
@pytest.mark.parametrize("add_k", [1, 1000])
@pytest.mark.parametrize("seed", range(20))
def test_each_addition_and_dropping_reach_the_optimum(seed: int, add_k: int, drop_share: float) -> None:
    """Each read adds every application's `add_k` pairs closest to improving; whenever the flow's cost
    falls, unused arcs are dropped from the network (all but the closest with `drop_share` 0) and read
    again. Each way must end at the optimum over all pairs."""
    problem, tiers = random_group(seed, n_apps=60, n_reviewers=15)
    pricing = Pricing(start_per_app=3, start_per_reviewer=3, add_k=add_k, drop_share=drop_share)
    solution = solve_group(problem, tiers=tiers, pricing=pricing)
    assert pair_cost(solution.network) == full_optimum(problem, tiers)


def test_tiny_starting_lists_make_pricing_add_pairs() -> None:
    rounds = []
    for seed in range(10):
        problem, tiers = random_group(seed)
        rounds.append(solve_group(problem, tiers=tiers, pricing=TINY).pricing_rounds)
    assert max(rounds) > 2  # the starting pairs missed the optimum and later rounds added pairs


def test_default_and_tiny_lists_give_the_same_optimum() -> None:
    problem, tiers = random_group(7, n_apps=200, n_reviewers=40)
    default = solve_group(problem, tiers=tiers).network
    tiny = solve_group(problem, tiers=tiers, pricing=TINY).network
    assert pair_cost(default) == pair_cost(tiny)


def test_potentials_from_any_start_are_feasible() -> None:
    problem, tiers = random_group(3)
    apps, reviewers = np.nonzero(~problem.blocked)
    network = build_network(
        demand=problem.demand,
        min_load=problem.min_load,
        max_load=problem.max_load,
        pair_apps=apps,
        pair_reviewers=reviewers,
        pair_costs=-problem.pair_weights(apps, reviewers),
        penalties=tiers,
    )
    assert solve_network(network)
    rng = np.random.default_rng(0)
    for start in (
        None,
        rng.integers(-(10**9), 10**9, network.node_count),
        np.full(network.node_count, 10**12),
    ):
        reduced = reduced_costs(network, potentials(network, start=start))
        assert (reduced[network.flow < network.capacity] >= 0).all()
        assert (reduced[network.flow > 0] <= 0).all()


def test_dropping_far_arcs_keeps_the_network_smaller() -> None:
    problem, tiers = random_group(5, n_apps=200, n_reviewers=40)
    sizes = {}
    for drop_share in (0.0, 1e9):
        pricing = Pricing(start_per_app=8, start_per_reviewer=8, add_k=4, drop_share=drop_share)
        network = solve_group(problem, tiers=tiers, pricing=pricing).network
        sizes[drop_share] = int((network.head < network.sink).sum())
        assert pair_cost(network) == full_optimum(problem, tiers)
    assert sizes[0.0] < sizes[1e9]


def test_the_same_group_gives_the_same_pairs_every_time() -> None:
    problem, tiers = random_group(11, n_apps=300, n_reviewers=60)
    runs = []
    for _ in range(2):
        network = solve_group(problem, tiers=tiers).network
        used = (network.head < network.sink) & (network.flow > 0)
        runs.append(sorted(zip(network.tail[used].tolist(), network.head[used].tolist(), strict=True)))
    assert runs[0] == runs[1]
