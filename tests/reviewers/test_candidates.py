"""Block reads of the dense affinity matrix agree with plain whole-matrix numpy on small random cases."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from reviewers import candidates
from reviewers.candidates import PairsByRow, nonzero_pairs, scan, starting_pairs


def random_case(seed: int, *, shape: tuple[int, int] = (23, 11)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    affinity = rng.random(shape).astype(np.float32)  # distinct values: each top-k is unique
    excluded = rng.random(shape) < 0.2
    skip_rows = rng.random(shape[0]) < 0.15
    return affinity, excluded, skip_rows


def as_set(pairs: tuple[np.ndarray, np.ndarray]) -> set[tuple[int, int]]:
    return set(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True))


def top_per_row(values: np.ndarray, k: int) -> set[tuple[int, int]]:
    chosen = set()
    for row in range(values.shape[0]):
        order = np.argsort(-values[row], kind="stable")[:k]
        chosen |= {(row, int(col)) for col in order if np.isfinite(values[row, col])}
    return chosen


@pytest.fixture(params=[1024, 4])
def block_rows(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Whole matrix in one block, and many small blocks (lists are merged across blocks)."""
    monkeypatch.setattr(candidates, "BLOCK_ROWS", request.param)
    return request.param


def best_in_bands(values: np.ndarray, *, per_reviewer: int) -> set[tuple[int, int]]:
    """Each column's largest finite value in each band of rows: every block of `BLOCK_ROWS` rows cut
    into equal bands, its share of `per_reviewer` rounded up."""
    n_apps = values.shape[0]
    chosen = set()
    for start in range(0, n_apps, candidates.BLOCK_ROWS):
        rows = min(candidates.BLOCK_ROWS, n_apps - start)
        count = min(rows, -(-per_reviewer * rows // n_apps))
        edges = [start + i * rows // count for i in range(count + 1)]
        for first, stop in itertools.pairwise(edges):
            chosen |= {(first + row, col) for col, row in top_per_row(values[first:stop].T, 1)}
    return chosen


@pytest.mark.parametrize("seed", range(5))
def test_starting_pairs_are_the_best_of_each_row_and_of_each_column_band(seed: int, block_rows: int) -> None:
    affinity, excluded, skip_rows = random_case(seed)
    allowed = np.where(excluded | skip_rows[:, None], -np.inf, affinity)
    got = starting_pairs(
        affinity, PairsByRow.of(*np.nonzero(excluded), shape=affinity.shape), skip_rows=skip_rows, per_app=3,
        per_reviewer=4,
    )  # fmt: skip
    expected = top_per_row(allowed, 3) | best_in_bands(allowed, per_reviewer=4)
    assert as_set(got) == expected
    keys = got[0] * affinity.shape[1] + got[1]
    assert (np.diff(keys) > 0).all()  # sorted and distinct


def test_starting_pairs_keep_every_tied_pair_and_never_an_excluded_one() -> None:
    affinity = np.ones((6, 5), dtype=np.float32)
    excluded = np.zeros((6, 5), dtype=bool)
    excluded[0, :4] = True  # row 0 has one allowed reviewer, fewer than asked for
    excluded[:, 4] = True  # reviewer 4 is excluded everywhere
    got = as_set(
        starting_pairs(
            affinity, PairsByRow.of(*np.nonzero(excluded), shape=affinity.shape),
            skip_rows=np.zeros(6, dtype=bool), per_app=2, per_reviewer=2,
        )
    )  # fmt: skip
    assert got == set(zip(*np.nonzero(~excluded), strict=True))


@pytest.mark.parametrize("seed", range(5))
def test_scan_finds_every_near_pair(seed: int, block_rows: int) -> None:
    affinity, excluded, skip_rows = random_case(seed)
    rng = np.random.default_rng(100 + seed)
    shift = (rng.random(affinity.shape[1]) - 0.5).astype(np.float32)
    limit = (rng.random(affinity.shape[0]) + 0.3).astype(np.float32)
    found = scan(
        affinity,
        PairsByRow.of(*np.nonzero(excluded), shape=affinity.shape),
        skip_rows=skip_rows,
        shift=shift,
        limit=limit,
    )
    value = np.where(excluded | skip_rows[:, None], -np.inf, affinity + shift)
    assert as_set(found) == as_set(np.nonzero(value >= limit[:, None]))
    keys = found[0] * affinity.shape[1] + found[1]
    assert (np.diff(keys) > 0).all()


def test_empty_matrices_give_no_pairs() -> None:
    for shape in ((0, 4), (4, 0)):
        affinity = np.zeros(shape, dtype=np.float32)
        nothing = PairsByRow.of(np.zeros(0, int), np.zeros(0, int), shape=shape)
        skip = np.zeros(shape[0], dtype=bool)
        assert as_set(starting_pairs(affinity, nothing, skip_rows=skip, per_app=2, per_reviewer=2)) == set()
        found = scan(
            affinity, nothing, skip_rows=skip, shift=np.zeros(shape[1], np.float32),
            limit=np.zeros(shape[0], np.float32),
        )  # fmt: skip
        assert as_set(found) == set()


@pytest.mark.parametrize("shape", [(23, 11), (1, 5), (5, 1), (0, 3), (3, 0)])
def test_nonzero_pairs_match_numpy(shape: tuple[int, int]) -> None:
    mask = np.random.default_rng(0).random(shape) < 0.3
    got, expected = nonzero_pairs(mask), np.nonzero(mask)
    assert all(np.array_equal(g, e) for g, e in zip(got, expected, strict=True))
