"""Responsible for the stack tests' scratch directories, which PostgreSQL's own user must be able to enter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cogrant.stack.postgres import enterable_temp_dir


@pytest.fixture
def stack_dir() -> Iterator[Path]:
    """A short, world-traversable temp dir (pytest's tmp_path is private to root: 0700)."""
    with enterable_temp_dir("cogrant-stack-") as path:
        yield path


@pytest.fixture(scope="module")
def module_stack_dir() -> Iterator[Path]:
    with enterable_temp_dir("cogrant-stack-") as path:
        yield path
