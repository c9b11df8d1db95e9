"""Responsible for reading a group's dense affinity matrix in row blocks to pick pairs worth an arc.

Two reads, both in blocks of rows through one reused float32 buffer (memory stays at one block):
- `starting_pairs`: each application's best `per_app` allowed reviewers and each reviewer's best
  `per_reviewer` applications by affinity. The reviewers' side matters: popular reviewers fill up, and the
  applications they turn away need reviewers far down their own lists, which the reviewers' lists hold.
- `scan`: under node potentials, every pair whose reduced cost may be zero or below (a float test with
  a margin for rounding; `reviewers.pricing` redoes it exactly in integers), which is what proves
  optimality over all pairs; and the pairs closest to improving, each application's `per_app` and each
  reviewer's `per_reviewer`, which pricing adds or keeps in its pool.
Which pairs are picked only changes the speed, never the answer's optimality. Ties are broken by numpy's
selection, which is deterministic, so the same input always gives the same pairs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

BLOCK_ROWS = 1024


@dataclass(frozen=True)
class PairsByRow:
    """Distinct pairs sorted by application; application a's reviewers are
    `reviewers[starts[a] : starts[a + 1]]`. Used for the pairs a read leaves out (blocked, or arcs
    already), which are few per row: masking them by index is cheaper than a dense mask."""

    apps: np.ndarray
    reviewers: np.ndarray
    starts: np.ndarray

    @classmethod
    def of(cls, apps: np.ndarray, reviewers: np.ndarray, *, shape: tuple[int, int]) -> PairsByRow:
        n_apps, n_reviewers = shape
        keys = _sorted_distinct(apps.astype(np.int64) * n_reviewers + reviewers)
        apps, reviewers = keys // max(n_reviewers, 1), keys % max(n_reviewers, 1)
        return cls(apps, reviewers, np.searchsorted(apps, np.arange(n_apps + 1)))


@dataclass(frozen=True)
class Scan:
    near: tuple[np.ndarray, np.ndarray]  # pairs that may have reduced cost <= 0 (float test, with margin)
    best: tuple[np.ndarray, np.ndarray]  # `per_app` closest pairs per application (allowed, outside)


def starting_pairs(
    affinity: np.ndarray,
    excluded: PairsByRow,
    *,
    skip_rows: np.ndarray,
    per_app: int,
    per_reviewer: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Unique (application, reviewer) pairs, sorted; `excluded` pairs never appear and `skip_rows`
    (A bool) applications get none. Reviewers' lists are merged over blocks exactly."""
    n_reviewers = affinity.shape[1]
    if affinity.size == 0:
        return _joined([], [])
    shift = np.zeros(n_reviewers, dtype=np.float32)
    apps, reviewers, column_rows, column_values = [], [], [], []
    for start, block in _blocks(affinity, excluded, shift=shift, skip_rows=skip_rows):
        rows, cols = _row_best(block, per_app)
        apps.append(rows + start)
        reviewers.append(cols)
        top_rows, top_values = _column_best(block, per_reviewer)
        column_rows.append(top_rows + start)
        column_values.append(top_values)
    rows, cols = _merged_columns(column_rows, column_values, per_reviewer)
    return _unique_pairs([*apps, rows], [*reviewers, cols], n_reviewers)


def scan(
    affinity: np.ndarray,
    excluded: PairsByRow,
    *,
    skip_rows: np.ndarray,
    shift: np.ndarray,
    limit: np.ndarray,
    band: float,
    per_app: int,
    per_reviewer: int,
    dtype: type = np.float32,
) -> Scan:
    """Pairs with `affinity + shift[reviewer] >= limit[application]` (`near`), and the `per_app`
    largest `affinity + shift` (`best`) of each application whose largest is within `band` of its
    limit, and each reviewer's `per_reviewer` largest `affinity + shift - limit` (also `best`), leaving
    out `excluded` pairs and `skip_rows`. A row's maximum decides whether the row is looked at again."""
    near_apps, near_reviewers, best_apps, best_reviewers, column_rows, column_values = [], [], [], [], [], []
    if affinity.size == 0:
        return Scan(_joined([], []), _joined([], []))
    for start, block in _blocks(affinity, excluded, shift=shift, skip_rows=skip_rows, dtype=dtype):
        limits = limit[start : start + len(block)]
        largest = block.max(axis=1)
        rows = np.flatnonzero(largest >= limits)
        found_rows, cols = np.nonzero(block[rows] >= limits[rows, None])
        near_apps.append(rows[found_rows] + start)
        near_reviewers.append(cols)
        if per_app:
            rows = np.flatnonzero(largest >= limits - band)
            found_rows, cols = _row_best(block[rows], per_app)
            best_apps.append(rows[found_rows] + start)
            best_reviewers.append(cols)
        if per_reviewer:
            np.subtract(block, limits[:, None], out=block)
            top_rows, top_values = _column_best(block, per_reviewer)
            column_rows.append(top_rows + start)
            column_values.append(top_values)
    rows, cols = _merged_columns(column_rows, column_values, per_reviewer)
    best = _unique_pairs([*best_apps, rows], [*best_reviewers, cols], affinity.shape[1])
    return Scan(_joined(near_apps, near_reviewers), best)


def _blocks(
    affinity: np.ndarray,
    excluded: PairsByRow,
    *,
    shift: np.ndarray,
    skip_rows: np.ndarray,
    dtype: type = np.float32,
) -> Iterator[tuple[int, np.ndarray]]:
    """(first row, affinity + shift in `dtype` with -inf at excluded pairs and skipped rows)."""
    n_apps, n_reviewers = affinity.shape
    buffer = np.empty((min(BLOCK_ROWS, n_apps), n_reviewers), dtype=dtype)
    for start in range(0, n_apps, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n_apps)
        block = buffer[: stop - start]
        np.add(affinity[start:stop], shift[None, :], out=block, casting="unsafe")
        first, last = excluded.starts[start], excluded.starts[stop]
        block[excluded.apps[first:last] - start, excluded.reviewers[first:last]] = -np.inf
        block[skip_rows[start:stop]] = -np.inf
        yield start, block


def _largest(values: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k largest per row (all of them when a row is shorter)."""
    width = values.shape[1]
    if k >= width:
        return np.broadcast_to(np.arange(width), values.shape).copy()
    return np.argpartition(values, width - k, axis=1)[:, width - k :]


def _row_best(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if k <= 0 or block.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cols = _largest(block, k)
    finite = np.isfinite(np.take_along_axis(block, cols, axis=1))
    rows = np.broadcast_to(np.arange(len(block))[:, None], cols.shape)
    return rows[finite].astype(np.int64), cols[finite].astype(np.int64)


def _column_best(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per reviewer (one row each), the block rows of its k largest values, and those values."""
    if k <= 0:
        return np.zeros((block.shape[1], 0), dtype=np.int64), np.zeros((block.shape[1], 0), np.float32)
    by_reviewer = np.ascontiguousarray(block.T)
    rows = _largest(by_reviewer, k)
    return rows.astype(np.int64), np.take_along_axis(by_reviewer, rows, axis=1)


def _merged_columns(
    column_rows: list[np.ndarray], column_values: list[np.ndarray], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each reviewer's k best over all blocks, from each block's k best: (applications, reviewers)."""
    if k <= 0 or not column_rows:
        return _joined([], [])
    merged_rows, merged_values = np.hstack(column_rows), np.hstack(column_values)
    keep = _largest(merged_values, k)
    rows = np.take_along_axis(merged_rows, keep, axis=1)
    finite = np.isfinite(np.take_along_axis(merged_values, keep, axis=1))
    return rows[finite], np.broadcast_to(np.arange(len(rows))[:, None], rows.shape)[finite]


def _joined(apps: list[np.ndarray], reviewers: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pairs from the blocks in row order (each block's pairs are distinct already)."""
    if not apps:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(apps).astype(np.int64), np.concatenate(reviewers).astype(np.int64)


def _unique_pairs(
    apps: list[np.ndarray], reviewers: list[np.ndarray], n_reviewers: int
) -> tuple[np.ndarray, np.ndarray]:
    if not apps:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    keys = _sorted_distinct(np.concatenate(apps).astype(np.int64) * n_reviewers + np.concatenate(reviewers))
    return keys // n_reviewers, keys % n_reviewers


def _sorted_distinct(keys: np.ndarray) -> np.ndarray:
    """np.unique by sorting (numpy's hash-based unique is several times slower on these sizes)."""
    keys = np.sort(keys)
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
