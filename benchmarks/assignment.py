"""Responsible for timing the exact reviewer assignment on synthetic rounds and checking its answer.

    python benchmarks/assignment.py --applications 10000 --reviewers 5000 [--repeats 3]

Each repeat runs in a fresh process: it builds a synthetic round (half lived-experience, half scientist
reviewers; 2 + 2 panels; about 1% of pairs conflicted; every reviewer takes 4 to 8-12 applications;
affinities from shared topics plus noise, dense float32), times `solve_arrays` alone, reads the
process's peak resident memory right after the solve (so it includes Python, the libraries and the
input arrays, which are reported separately), and then checks the answer without the clock running:
violated constraints, and the gap to an upper bound on the LP optimum over ALL pairs, computed here from
the dense matrix by Lagrangian duality (valid for any multipliers; the solver's potentials are only the
starting point, improved by exact coordinate steps). The final line is JSON with medians over repeats.
The process's CPU seconds during the solve are reported beside the wall-clock ones: on a busy machine
they show the work done, where wall-clock time also counts waiting for a core.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reviewers.solver import ArraySolution, AssignmentArrays, solve_arrays

SEATS = 2  # per type


def synthetic_round(n_apps: int, n_reviewers: int, *, seed: int, kind: str = "topics") -> AssignmentArrays:
    """`topics`: like `reviewers.affinity`, 0.5 per shared topic (24 topics, each held by 15% of
    applications and reviewers, so some reviewers suit many applications) plus up to 0.3 of text
    similarity. `uniform`: independent uniform affinities in [0, 1), an easier, unstructured round."""
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        affinity = rng.random((n_apps, n_reviewers), dtype=np.float32)
    else:
        topics = 24
        app_topics = (rng.random((n_apps, topics), dtype=np.float32) < 0.15).astype(np.float32)
        reviewer_topics = (rng.random((topics, n_reviewers), dtype=np.float32) < 0.15).astype(np.float32)
        affinity = app_topics @ reviewer_topics
        affinity *= 0.5
        affinity += rng.random((n_apps, n_reviewers), dtype=np.float32) * 0.3
    blocked = rng.random((n_apps, n_reviewers), dtype=np.float32) < 0.01
    group = (np.arange(n_reviewers) >= n_reviewers // 2).astype(np.int64)
    return AssignmentArrays(
        affinity=affinity,
        blocked=blocked,
        group=group,
        need=np.full((n_apps, 2), SEATS, dtype=np.int64),
        min_load=np.full(n_reviewers, 4, dtype=np.int64),
        max_load=rng.integers(8, 13, n_reviewers),
        fixed_affinity=np.zeros(n_apps),
    )


def violations(arrays: AssignmentArrays, solution: ArraySolution) -> int:
    apps, reviewers = solution.apps, solution.reviewers
    n_apps, n_reviewers = arrays.affinity.shape
    count = int(arrays.blocked[apps, reviewers].sum())
    count += len(apps) - len(np.unique(apps * n_reviewers + reviewers))
    seats = np.zeros((n_apps, arrays.need.shape[1]), dtype=np.int64)
    np.add.at(seats, (apps, arrays.group[reviewers]), 1)
    count += int((seats != arrays.need).sum())
    loads = np.bincount(reviewers, minlength=n_reviewers)
    count += int(((loads < arrays.min_load) | (loads > arrays.max_load)).sum())
    return count


def _kth_largest(values: np.ndarray, k: np.ndarray, *, axis: int) -> np.ndarray:
    """k-th largest (1-based, per row or column) or -inf where there are fewer than k values."""
    ordered = -np.sort(-values, axis=axis)
    size = values.shape[axis]
    index = np.clip(k - 1, 0, size - 1)
    taken = np.take_along_axis(ordered, np.expand_dims(index, axis), axis=axis).squeeze(axis)
    return np.where(k <= size, taken, -np.inf)


def lp_upper_bound(arrays: AssignmentArrays, solution: ArraySolution) -> float:
    """Sum over groups of min over (u, lam) of the Lagrangian bound
    sum_a need_a u_a + sum_r max(lam_r max_r, lam_r min_r) + sum_allowed max(0, w_ar - u_a - lam_r)."""
    total = 0.0
    for g, (group_solution, cols) in enumerate(
        zip(solution.group_solutions, solution.group_columns, strict=True)
    ):
        weights = arrays.affinity[:, cols].astype(np.float64)
        weights[arrays.blocked[:, cols]] = -np.inf
        network, potential = group_solution.network, group_solution.potential.astype(np.float64)
        n_apps = network.n_apps
        lam = (potential[network.sink] - potential[n_apps : n_apps + len(cols)]) / solution.scale
        need = arrays.need[:, g].astype(np.int64)
        low, high = arrays.min_load[cols], arrays.max_load[cols]
        for _ in range(3):
            u = _kth_largest(weights - lam[None, :], need, axis=1)
            c = weights - u[:, None]
            above_max = _kth_largest(c, high + 1, axis=0)
            above_min = _kth_largest(c, low + 1, axis=0)
            lam = np.where(above_max > 0, above_max, np.where(above_min < 0, above_min, 0.0))
        u = _kth_largest(weights - lam[None, :], need, axis=1)
        slack = np.maximum(0.0, weights - u[:, None] - lam[None, :])
        total += float(need @ u + np.maximum(lam * high, lam * low).sum() + slack.sum())
    return total


def run_once(n_apps: int, n_reviewers: int, seed: int, kind: str) -> dict:
    arrays = synthetic_round(n_apps, n_reviewers, seed=seed, kind=kind)
    input_mb = (arrays.affinity.nbytes + arrays.blocked.nbytes) / 2**20
    started, started_cpu = time.perf_counter(), time.process_time()
    solution = solve_arrays(arrays)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    chosen = arrays.affinity[solution.apps, solution.reviewers].astype(np.float64)
    panel = np.bincount(solution.apps, weights=chosen, minlength=n_apps)
    total = float(chosen.sum())
    bound = lp_upper_bound(arrays, solution)
    return {
        "solve_seconds": round(seconds, 4),
        "solve_cpu_seconds": round(cpu_seconds, 4),  # less dependent on the machine's load
        "peak_rss_mb": round(peak_mb, 1),
        "input_arrays_mb": round(input_mb, 1),
        "total_affinity": round(total, 4),
        "lp_upper_bound": round(bound, 4),
        "gap_percent": round(100 * (bound - total) / bound, 6),
        "weakest_application_affinity": round(float(panel.min()), 4),
        "violated_constraints": violations(arrays, solution),
        "pricing_rounds": solution.pricing_rounds,
        "weakest_proven_best": bool(solution.ties.proven and solution.ties.complete),
        "load_average_1min": round(os.getloadavg()[0], 2),  # the machine is shared: context for the time
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=1000)
    parser.add_argument("--reviewers", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--affinity", choices=["topics", "uniform"], default="topics")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_once(args.applications, args.reviewers, args.seed, args.affinity)))
        return
    runs = []
    for repeat in range(args.repeats):
        done = subprocess.run(
            [sys.executable, __file__, "--child", f"--applications={args.applications}",
             f"--reviewers={args.reviewers}", f"--seed={args.seed + repeat}", f"--affinity={args.affinity}"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), file=sys.stderr)
    summary = {
        "applications": args.applications,
        "reviewers": args.reviewers,
        "affinity": args.affinity,
        "repeats": args.repeats,
    }
    for key in (
        "solve_seconds",
        "solve_cpu_seconds",
        "peak_rss_mb",
        "gap_percent",
        "total_affinity",
        "weakest_application_affinity",
    ):
        summary[key] = statistics.median(run[key] for run in runs)
    summary["input_arrays_mb"] = runs[0]["input_arrays_mb"]
    summary["max_peak_rss_mb"] = max(run["peak_rss_mb"] for run in runs)
    summary["max_gap_percent"] = max(run["gap_percent"] for run in runs)
    summary["violated_constraints"] = sum(run["violated_constraints"] for run in runs)
    summary["all_weakest_proven_best"] = all(run["weakest_proven_best"] for run in runs)
    summary["load_average_1min"] = statistics.median(run["load_average_1min"] for run in runs)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
