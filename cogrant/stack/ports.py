"""Responsible for finding free local ports and waiting until a launched service answers."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable

DEFAULT_HOST = "127.0.0.1"


def free_port(host: str = DEFAULT_HOST) -> int:
    """Return a TCP port on `host` that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_open(host: str, port: int, *, timeout: float = 0.5) -> bool:
    """Tell whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_ok(url: str, *, timeout: float = 2.0) -> bool:
    """Tell whether a GET of `url` answers 2xx, ignoring any proxy settings (local services only)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def wait_for_port(host: str, port: int, timeout: float, *, check: Callable[[], None] | None = None) -> None:
    """Wait until host:port accepts connections; raise TimeoutError after `timeout` seconds.

    `check` runs between attempts and may raise to abort early (e.g. the process died).
    """
    _wait_until(lambda: port_is_open(host, port), timeout, what=f"{host}:{port}", check=check)


def wait_for_http(url: str, timeout: float, *, check: Callable[[], None] | None = None) -> None:
    """Wait until a GET of `url` answers 2xx; raise TimeoutError after `timeout` seconds."""
    _wait_until(lambda: http_ok(url), timeout, what=url, check=check)


def _wait_until(
    ready: Callable[[], bool],
    timeout: float,
    *,
    what: str,
    check: Callable[[], None] | None,
    interval: float = 0.1,
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if check is not None:
            check()
        if ready():
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} did not become ready within {timeout:.0f}s")
        time.sleep(interval)
