"""Responsible for running a Prefect server (API, UI and its services, scheduler included) as a subprocess.

The server keeps its state in PostgreSQL (see `prefect_database_url`), its PREFECT_HOME under our data
directory and its output in `server.log`. It runs in its own process group, so `stop()` ends uvicorn
and anything it spawned together.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Self

from cogrant.stack.ports import DEFAULT_HOST, port_is_open, wait_for_http
from cogrant.stack.postgres import EmbeddedPostgres
from cogrant.stack.process import LocalServer

DEFAULT_PORT = 4200
PREFECT_DATABASE = "prefect"
NO_TELEMETRY = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


class PrefectServerError(RuntimeError):
    """The Prefect server could not start, or died."""


def prefect_database_url(postgres: EmbeddedPostgres, database: str = PREFECT_DATABASE) -> str:
    """Create Prefect's database on a running embedded server; return its asyncpg URL over the socket."""
    postgres.ensure_database(database)
    return postgres.sqlalchemy_url(database, driver="asyncpg")


class PrefectServer(LocalServer):
    """`prefect server start` on host:port, with its database at `database_url`."""

    def __init__(
        self,
        home: Path,
        *,
        database_url: str,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        ui: bool = True,
        timeout: float = 120.0,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.home = Path(home).expanduser().resolve()
        self.log_file = self.home / "server.log"
        self.database_url = database_url
        self.host = host
        self.port = port
        self.ui = ui
        self.timeout = timeout
        self.extra_env = dict(extra_env or {})
        self.start_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL, which also serves the UI when enabled: http://127.0.0.1:4200."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """What clients put in PREFECT_API_URL: http://127.0.0.1:4200/api."""
        return f"{self.url}/api"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def client_environment(self) -> dict[str, str]:
        """Variables that point a Prefect client (flows, `prefect` CLI, serve) at this server."""
        return {"PREFECT_API_URL": self.api_url, **NO_TELEMETRY}

    def command(self) -> list[str]:
        """`prefect server start` with this interpreter, so it runs from the same virtualenv."""
        return [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            self.host,
            "--port",
            str(self.port),
        ]

    def server_environment(self) -> dict[str, str]:
        """The server's environment: ours without inherited PREFECT_* settings, plus its own."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
        env.update(NO_TELEMETRY)
        env.update(
            {
                "PREFECT_HOME": str(self.home),
                "PREFECT_SERVER_DATABASE_CONNECTION_URL": self.database_url,
                "PREFECT_SERVER_API_HOST": self.host,
                "PREFECT_SERVER_API_PORT": str(self.port),
                "PREFECT_SERVER_UI_ENABLED": str(self.ui).lower(),
                "PREFECT_API_URL": self.api_url,
                "PREFECT_LOGGING_COLORS": "false",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self) -> Self:
        """Launch the server and wait until /api/health answers (migrations run on first start)."""
        if self.is_running():
            return self
        if port_is_open(self.host, self.port):
            raise PrefectServerError(f"port {self.port} on {self.host} is already in use")
        began = time.monotonic()
        self.home.mkdir(parents=True, exist_ok=True)
        self._log = self.log_file.open("ab")
        self._process = subprocess.Popen(
            self.command(),
            env=self.server_environment(),
            cwd=self.home,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_http(f"{self.api_url}/health", self.timeout, check=self._raise_if_exited)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        return self

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the server's process group, SIGKILL it if it has not exited after `timeout` s."""
        process, self._process = self._process, None
        if process is not None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of server.log, for error messages."""
        try:
            text = self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _raise_if_exited(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            raise PrefectServerError(
                f"Prefect server exited with code {self._process.returncode}; "
                f"{self.log_file} ends with:\n{self.log_tail()}"
            )


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)
