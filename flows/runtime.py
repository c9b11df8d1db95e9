"""Responsible for what every flow needs at run time: the wired `App`, and timing of our own code.

A flow run served by `cogrant up` builds its `App` from the environment on first use; tests, the demo and
benchmarks install one they built. `own_code` adds up time spent in cogrant's services per stage, so a
benchmark can tell Prefect's bookkeeping from our work.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from cogrant.composition import App, build_app
from cogrant.config import load_settings

_lock = threading.Lock()
_installed: App | None = None
_own_seconds: dict[str, float] = defaultdict(float)


def install_app(app: App | None) -> None:
    global _installed
    with _lock:
        _installed = app


def get_app() -> App:
    global _installed
    with _lock:
        if _installed is None:
            _installed = build_app(load_settings())
        return _installed


@contextmanager
def own_code(stage: str) -> Iterator[None]:
    began = time.perf_counter()
    try:
        yield
    finally:
        with _lock:
            _own_seconds[stage] += time.perf_counter() - began


def own_code_seconds() -> dict[str, float]:
    with _lock:
        return dict(_own_seconds)


def reset_own_code_seconds() -> None:
    with _lock:
        _own_seconds.clear()
