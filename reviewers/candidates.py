"""Responsible for reading a group's dense affinity matrix in row blocks to pick pairs worth an arc.

Two reads, both in blocks of rows through one reused buffer (memory stays at one block), each a few
whole-block numpy passes with one index extraction per block:
- `starting_pairs`: each application's best `per_app` allowed reviewers (a partition gives each row's
  threshold) and, in each of about `per_reviewer` bands of applications (each block cut into its share
  of them), each reviewer's best one (a column maximum). The reviewers' side matters: popular reviewers
  fill up, and the applications they turn away need reviewers far down their own lists, while
  reviewers nobody ranks first still need their `min_load`; the bands spread each reviewer's pairs
  over all applications.
- `scan`: under node potentials, every pair whose reduced cost may be below a limit (a float test with
  a margin for rounding; `reviewers.pricing` redoes it exactly in integers), which is what proves
  optimality over all pairs and what pricing adds pairs from.
Which pairs are picked only changes the speed, never the answer's optimality. Ties at a threshold keep
every tied pair, so the same input always gives the same pairs.
"""

from __future__ import annotations

import itertools
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
        apps, reviewers = np.divmod(keys, max(n_reviewers, 1))
        return cls(apps, reviewers, np.searchsorted(apps, np.arange(n_apps + 1)))


def nonzero_pairs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.nonzero` of a 2-D mask, in the same (row-major) order, several times faster on large masks."""
    return np.divmod(np.flatnonzero(mask), max(mask.shape[1], 1))


def starting_pairs(
    affinity: np.ndarray,
    excluded: PairsByRow,
    *,
    skip_rows: np.ndarray,
    per_app: int,
    per_reviewer: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (application, reviewer) pairs sorted by application then reviewer; `excluded` pairs
    never appear and `skip_rows` (A bool) applications get none."""
    n_apps, n_reviewers = affinity.shape
    if affinity.size == 0:
        return _joined([], [])
    shift = np.zeros(n_reviewers, dtype=np.float32)
    apps, reviewers = [], []
    for start, block in _blocks(affinity, excluded, shift=shift, skip_rows=skip_rows):
        chosen = _row_best(block, per_app)
        for first, stop in band_edges(len(block), n_apps=n_apps, per_reviewer=per_reviewer):
            chosen[first:stop] |= _column_best(block[first:stop])
        rows, cols = nonzero_pairs(chosen)
        apps.append(rows + start)
        reviewers.append(cols)
    return _joined(apps, reviewers)


def band_edges(block_rows: int, *, n_apps: int, per_reviewer: int) -> list[tuple[int, int]]:
    """A block's rows cut into equal bands, as many as its share of `per_reviewer` (rounded up)."""
    count = min(block_rows, -(-per_reviewer * block_rows // max(n_apps, 1)))
    return list(itertools.pairwise(i * block_rows // max(count, 1) for i in range(count + 1)))


def scan(
    affinity: np.ndarray,
    excluded: PairsByRow,
    *,
    skip_rows: np.ndarray,
    shift: np.ndarray,
    limit: np.ndarray,
    dtype: type = np.float32,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs with `affinity + shift[reviewer] >= limit[application]`, in row order, leaving out
    `excluded` pairs and `skip_rows`. A row's maximum decides whether the row is looked at again."""
    apps, reviewers = [], []
    if affinity.size == 0:
        return _joined([], [])
    for start, block in _blocks(affinity, excluded, shift=shift, skip_rows=skip_rows, dtype=dtype):
        limits = limit[start : start + len(block)]
        rows = np.flatnonzero(block.max(axis=1) >= limits)
        if len(rows) == 0:
            continue
        found_rows, cols = nonzero_pairs(block[rows] >= limits[rows, None])
        apps.append(rows[found_rows] + start)
        reviewers.append(cols)
    return _joined(apps, reviewers)


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


def _row_best(block: np.ndarray, k: int) -> np.ndarray:
    """Mask of each row's k largest finite values (all of them when fewer; more on ties)."""
    width = block.shape[1]
    if k <= 0 or width == 0:
        return np.zeros(block.shape, dtype=bool)
    if k >= width:
        return np.isfinite(block)
    threshold = np.partition(block, width - k, axis=1)[:, width - k]
    return block >= _finite(threshold)[:, None]


def _column_best(rows: np.ndarray) -> np.ndarray:
    """Mask of each column's largest finite value among `rows` (more on ties)."""
    return rows >= _finite(rows.max(axis=0))[None, :]


def _finite(threshold: np.ndarray) -> np.ndarray:
    """-inf thresholds (fewer finite values than asked for) become the lowest finite value, so that
    comparing against them keeps every finite value and never an excluded one."""
    return np.maximum(threshold, np.finfo(threshold.dtype).min)


def _joined(apps: list[np.ndarray], reviewers: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pairs from the blocks in row order (each block's pairs are distinct already)."""
    if not apps:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(apps).astype(np.int64), np.concatenate(reviewers).astype(np.int64)


def _sorted_distinct(keys: np.ndarray) -> np.ndarray:
    """np.unique by sorting (numpy's hash-based unique is several times slower on these sizes)."""
    keys = np.sort(keys)
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
