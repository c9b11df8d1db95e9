"""Responsible for choosing, among equally optimal assignments, the one whose weakest panel is strongest.

How it is guaranteed. Every group's flow comes with potentials that are optimal duals. By complementary
slackness an assignment is optimal for goals 1-3 exactly when it differs from ours only on arcs of zero
reduced cost, by circulations in the residual network restricted to such arcs. A circulation lives inside
one strongly connected component of that residual network, so arcs outside every non-trivial component
are fixed in every optimal answer, and the rest ("free" arcs, usually none or a handful) may move.
CP-SAT then maximises the weakest application's total panel affinity (all groups together, fixed pairs
included) over the free arcs, keeping each node's balance on them, which keeps the answer on the optimal
face. It is skipped when an application that is already weakest has no free arc, since nothing can
raise it. `TieOutcome.proven` says whether CP-SAT proved its answer within its deterministic time limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from reviewers.network import Network, reduced_costs, residual_arcs
from reviewers.pricing import GroupProblem, GroupSolution

_DETERMINISTIC_SECONDS = 20.0


@dataclass(frozen=True)
class TieOutcome:
    free_arcs: int  # arcs that could change without losing goals 1-3
    searched: bool  # CP-SAT was run
    proven: bool  # the weakest panel is the best possible among optimal answers
    complete: bool  # every zero-reduced-cost pair was considered (see pricing's cap)


def settle_ties(
    problems: Sequence[GroupProblem], solutions: Sequence[GroupSolution], *, fixed_weight: np.ndarray
) -> TieOutcome:
    free: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for problem, solution in zip(problems, solutions, strict=True):
        _add_zero_pairs(problem, solution)
        network = solution.network
        weight = np.zeros(len(network.tail), dtype=np.int64)
        is_pair = network.head < network.sink
        weight[is_pair] = -network.cost[is_pair]
        weights.append(weight)
        free.append(_free_arcs(network, reduced_costs(network, solution.potential)))
    complete = all(s.ties_complete for s in solutions)
    panel = fixed_weight.copy()
    for solution, weight in zip(solutions, weights, strict=True):
        used = _pair_mask(solution) & (solution.network.flow > 0)
        np.add.at(panel, solution.network.tail[used], weight[used])
    free_count = int(sum(mask.sum() for mask in free))
    if len(panel) == 0 or free_count == 0:
        return TieOutcome(free_count, searched=False, proven=True, complete=complete)
    movable = np.zeros(len(panel), dtype=bool)
    for solution, mask in zip(solutions, free, strict=True):
        net = solution.network
        movable[net.tail[mask & _pair_mask(solution)]] = True
    weakest = panel.min()
    if not movable[panel == weakest].all():
        return TieOutcome(free_count, searched=False, proven=True, complete=complete)
    proven = _search(solutions, free, weights, panel=panel, movable=movable)
    return TieOutcome(free_count, searched=True, proven=proven, complete=complete)


def _pair_mask(solution: GroupSolution) -> np.ndarray:
    return solution.network.head < solution.network.sink


def _add_zero_pairs(problem: GroupProblem, solution: GroupSolution) -> None:
    """Allowed pairs outside the candidates that tie at zero reduced cost join the network at flow 0."""
    apps, reviewers = solution.zero_pairs
    if len(apps) == 0:
        return
    net = solution.network
    net.tail = np.concatenate([net.tail, apps])
    net.head = np.concatenate([net.head, net.n_apps + reviewers])
    net.capacity = np.concatenate([net.capacity, np.ones(len(apps), dtype=np.int64)])
    net.cost = np.concatenate([net.cost, -problem.pair_weights(apps, reviewers)])
    net.flow = np.concatenate([net.flow, np.zeros(len(apps), dtype=np.int64)])
    solution.zero_pairs = (apps[:0], reviewers[:0])


def _free_arcs(network: Network, reduced: np.ndarray) -> np.ndarray:
    tails, heads, _ = residual_arcs(network, reduced=reduced)
    n = network.node_count
    graph = csr_array((np.ones(len(tails)), (tails, heads)), shape=(n, n))
    _, label = connected_components(graph, directed=True, connection="strong")
    sizes = np.bincount(label, minlength=n)
    same = label[network.tail] == label[network.head]
    return (reduced == 0) & same & (sizes[label[network.tail]] > 1)


def _search(
    solutions: Sequence[GroupSolution],
    free: Sequence[np.ndarray],
    weights: Sequence[np.ndarray],
    *,
    panel: np.ndarray,
    movable: np.ndarray,
) -> bool:
    model = cp_model.CpModel()
    # z starts at today's weakest panel, which our own answer reaches, so the search never does worse.
    z = model.new_int_var(int(panel.min()), int(panel.max()) + int(sum(w.sum() for w in weights)), "z")
    panel_terms: dict[int, list] = {}
    variables = []
    for g, (solution, mask, weight) in enumerate(zip(solutions, free, weights, strict=True)):
        net = solution.network
        arcs = np.flatnonzero(mask)
        xs = {int(e): model.new_int_var(0, int(net.capacity[e]), f"x{g}_{e}") for e in arcs}
        for e, x in xs.items():
            model.add_hint(x, int(net.flow[e]))
        variables.append(xs)
        balance: dict[int, list] = {}
        target: dict[int, int] = {}
        for e, x in xs.items():
            t, h, f = int(net.tail[e]), int(net.head[e]), int(net.flow[e])
            balance.setdefault(t, []).append(x)
            balance.setdefault(h, []).append(-x)
            target[t] = target.get(t, 0) + f
            target[h] = target.get(h, 0) - f
            if h < net.sink and weight[e]:
                panel_terms.setdefault(t, []).append((int(weight[e]), x, f))
        for node, terms in balance.items():
            model.add(sum(terms) == target[node])
    for app in np.flatnonzero(movable):
        terms = panel_terms.get(int(app), [])
        base = int(panel[app]) - sum(w * f for w, _, f in terms)
        model.add(z <= base + sum(w * x for w, x, _ in terms))
    if (~movable).any():
        model.add(z <= int(panel[~movable].min()))
    model.maximize(z)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = _DETERMINISTIC_SECONDS
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    for solution, xs in zip(solutions, variables, strict=True):
        for e, x in xs.items():
            solution.network.flow[e] = solver.value(x)
    return status == cp_model.OPTIMAL
