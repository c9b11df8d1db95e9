"""Responsible for the CPU time local processes used (Linux /proc), so a benchmark on a shared machine can
report CPU per request, which other people's load changes far less than latency."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name_end = text.rindex(")")
    return [text[text.index("(") + 1 : name_end], *text[name_end + 2 :].split()]


def cpu_seconds(pid: int) -> float:
    """User + system time of one process (every thread), 0 if it is gone or /proc is missing."""
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[12]) + int(fields[13])) / TICKS


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None and fields[2] == str(pid):
            found.append(int(entry.name))
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and every process below it."""
    return cpu_seconds(pid) + sum(tree_cpu_seconds(child) for child in children(pid))


def child_named(parent: int, name: str) -> int | None:
    """The first child process of `parent` whose executable name is `name`."""
    return next((pid for pid in children(parent) if (_stat(pid) or [""])[0] == name), None)


def probe(parts: dict[str, int | None]) -> Callable[[], dict[str, float]]:
    """A function giving the CPU seconds used so far by each named process tree (None: not measured)."""
    return lambda: {name: tree_cpu_seconds(pid) for name, pid in parts.items() if pid is not None}
