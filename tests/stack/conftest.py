"""Responsible for the stack tests' scratch directories, which PostgreSQL's own user must be able to enter."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def stack_dir() -> Iterator[Path]:
    """A short, world-traversable temp dir (pytest's tmp_path is private to root: 0700)."""
    path = Path(tempfile.mkdtemp(prefix="cogrant-stack-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def module_stack_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="cogrant-stack-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
