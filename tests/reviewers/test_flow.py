"""Tests for the integer min-cost flow: tiny known optima, validation, and a Bellman-Ford reference."""

from __future__ import annotations

import random

import pytest

from reviewers.flow import TransportProblem, solve_transport


def test_picks_the_cheaper_crossing_over_the_greedy_one() -> None:
    # Greedy would give row 0 its cheapest column (0, cost 1) and leave row 1 with cost 9: total 10.
    problem = TransportProblem(demand=[1, 1], arc_costs=[{0: 1, 1: 2}, {0: 3, 1: 9}], load_costs=[[0], [0]])
    solution = solve_transport(problem)
    assert solution.columns == [[1], [0]]
    assert solution.cost == 5


def test_load_costs_spread_rows_when_arcs_cost_the_same() -> None:
    problem = TransportProblem(
        demand=[1, 1, 1, 1], arc_costs=[{0: 0, 1: 0}] * 4, load_costs=[[0, 1, 2, 3], [0, 1, 2, 3]]
    )
    solution = solve_transport(problem)
    loads = [sum(col in cols for cols in solution.columns) for col in (0, 1)]
    assert loads == [2, 2]
    assert solution.cost == 2


def test_row_needs_distinct_columns() -> None:
    problem = TransportProblem(demand=[2], arc_costs=[{0: 0}], load_costs=[[0, 0, 0]])
    solution = solve_transport(problem)
    assert solution.columns == [[0]]
    assert solution.flow == 1


def test_flow_is_maximum_when_capacity_is_short() -> None:
    # Row 0 can only use column 0; row 1 can use both. Max flow is 2 (row 0 -> 0, row 1 -> 1).
    problem = TransportProblem(demand=[1, 1], arc_costs=[{0: 5}, {0: 0, 1: 7}], load_costs=[[0], [0]])
    solution = solve_transport(problem)
    assert solution.columns == [[0], [1]]
    assert solution.cost == 12


def test_every_row_gets_a_first_unit_before_any_gets_a_second() -> None:
    problem = TransportProblem(demand=[2, 2], arc_costs=[{0: 0, 1: 0}] * 2, load_costs=[[0], [0]])
    solution = solve_transport(problem)
    assert [len(cols) for cols in solution.columns] == [1, 1]


def test_empty_problem() -> None:
    assert solve_transport(TransportProblem([], [], [])).columns == []


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        (TransportProblem([1], [], []), "one entry per row"),
        (TransportProblem([-1], [{}], []), "negative"),
        (TransportProblem([1], [{1: 0}], [[0]]), "bad arc"),
        (TransportProblem([1], [{0: -1}], [[0]]), "bad arc"),
        (TransportProblem([1], [{0: 0}], [[2, 1]]), "non-decreasing"),
    ],
)
def test_malformed_problems_are_refused(problem: TransportProblem, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        solve_transport(problem)


Graph = list[list[list[int]]]  # per node: [to, capacity, cost, index of the reverse edge]


def reference_network(problem: TransportProblem) -> Graph:
    """The textbook network: super source = node -2, sink = node -1."""
    n_rows, n_cols = len(problem.demand), len(problem.load_costs)
    graph: Graph = [[] for _ in range(n_rows + n_cols + 2)]
    source, sink = len(graph) - 2, len(graph) - 1

    def add(u: int, v: int, *, cap: int, cost: int) -> None:
        graph[u].append([v, cap, cost, len(graph[v])])
        graph[v].append([u, 0, -cost, len(graph[u]) - 1])

    for row, need in enumerate(problem.demand):
        add(source, row, cap=need, cost=0)
        for col, cost in problem.arc_costs[row].items():
            add(row, n_rows + col, cap=1, cost=cost)
    for col, costs in enumerate(problem.load_costs):
        for cost in costs:
            add(n_rows + col, sink, cap=1, cost=cost)
    return graph


def reference_min_cost_flow(problem: TransportProblem) -> tuple[int, int]:
    """Min-cost max-flow by Bellman-Ford shortest paths from a super source; returns (flow, cost)."""
    graph = reference_network(problem)
    source, sink = len(graph) - 2, len(graph) - 1
    flow = cost_total = 0
    while True:
        dist = [float("inf")] * len(graph)
        dist[source] = 0
        back: list[tuple[int, int]] = [(-1, -1)] * len(graph)
        for _ in graph:
            relaxed = [
                (u, i)
                for u, edges in enumerate(graph)
                for i, (v, cap, cost, _) in enumerate(edges)
                if cap > 0 and dist[u] + cost < dist[v]
            ]
            for u, i in relaxed:
                v, _, cost, _ = graph[u][i]
                if dist[u] + cost < dist[v]:
                    dist[v], back[v] = dist[u] + cost, (u, i)
            if not relaxed:
                break
        if dist[sink] == float("inf"):
            return flow, cost_total
        node = sink
        while node != source:
            u, i = back[node]
            graph[u][i][1] -= 1
            graph[node][graph[u][i][3]][1] += 1
            node = u
        flow, cost_total = flow + 1, cost_total + int(dist[sink])


@pytest.mark.parametrize("seed", range(40))
def test_matches_reference_min_cost_flow(seed: int) -> None:
    rng = random.Random(seed)
    n_rows, n_cols = rng.randint(1, 12), rng.randint(1, 6)
    density = rng.choice([0.5, 0.9])
    arcs = [{c: rng.randint(0, 20) for c in range(n_cols) if rng.random() < density} for _ in range(n_rows)]
    loads = [sorted(rng.randint(0, 5) for _ in range(rng.randint(0, 8))) for _ in range(n_cols)]
    problem = TransportProblem([rng.randint(0, 3) for _ in range(n_rows)], arcs, loads)
    solution = solve_transport(problem)
    for row, cols in enumerate(solution.columns):
        assert len(cols) <= problem.demand[row]
        assert all(col in arcs[row] for col in cols)
    for col, costs in enumerate(loads):
        assert sum(col in cols for cols in solution.columns) <= len(costs)
    assert solution.flow == reference_min_cost_flow(problem)[0]
    # Least cost for what each row received: the reference, asked for exactly that, must cost the same.
    received = TransportProblem([len(cols) for cols in solution.columns], arcs, loads)
    assert reference_min_cost_flow(received) == (solution.flow, solution.cost)
    assert solve_transport(problem) == solution
