"""Responsible for running moto's S3-compatible server in a subprocess for fast integration tests.

A separate process (not `ThreadedMotoServer`) keeps its state apart from any `mock_aws` used
elsewhere in the test run, which would otherwise reset or intercept it. Clients reach it over real
HTTP on 127.0.0.1. moto does not check signatures: use SeaweedFS for anything about credentials.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import IO, Self

from cogrant.stack.ports import free_port
from cogrant.stack.process import LocalServer, terminate

HOST = "127.0.0.1"


class MotoServerError(RuntimeError):
    """The moto server did not start."""


class MotoServer(LocalServer):
    """`python -m moto.server` on a free port of 127.0.0.1."""

    def __init__(self, *, timeout: float = 20.0, attempts: int = 3) -> None:
        self.timeout = timeout
        self.attempts = attempts
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise MotoServerError("the moto server is not started")
        return f"http://{HOST}:{self.port}"

    def start(self) -> Self:
        """Start on a free port; try another port if the chosen one was taken in the meantime."""
        for _ in range(self.attempts):
            if self._try_start(free_port(HOST)):
                return self
        raise MotoServerError(f"moto server did not start after {self.attempts} attempts:\n{self._output()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        terminate(process, timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def reset(self) -> None:
        """Forget every bucket and object (moto's reset API)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with _opener().open(request, timeout=5):
            pass

    def _try_start(self, port: int) -> bool:
        self.stop()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - open while the server runs; stop() closes it
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.port = port
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            if _answers(f"{self.endpoint_url}/moto-api/"):
                return True
            time.sleep(0.05)
        self.stop()
        raise MotoServerError(f"moto server did not answer on port {port} within {self.timeout:.0f}s")

    def _output(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _answers(url: str) -> bool:
    try:
        with _opener().open(url, timeout=1.0):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False
