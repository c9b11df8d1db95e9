"""Responsible for running the development SMTP catcher in a process of its own.

Out of process it neither competes with flow runs for the interpreter nor keeps messages in memory;
they are written as .eml files to the mail directory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Self

from cogrant.stack.ports import DEFAULT_HOST, free_port, wait_for_port
from cogrant.stack.process import LocalServer, terminate


class SmtpCatcherProcess(LocalServer):
    def __init__(
        self, mail_dir: Path, *, host: str = DEFAULT_HOST, port: int | None = None, timeout: float = 20.0
    ) -> None:
        self.mail_dir = Path(mail_dir)
        self.host = host
        self.port = port or free_port(host)
        self.timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cogrant.stack.smtp",
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--mail-dir",
                str(self.mail_dir),
            ],
            stdin=subprocess.DEVNULL,
        )
        wait_for_port(self.host, self.port, self.timeout, check=self._raise_if_exited)
        return self

    def _raise_if_exited(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            raise RuntimeError(f"the SMTP catcher exited with code {self._process.returncode}")

    def stop(self) -> None:
        process, self._process = self._process, None
        terminate(process, timeout=10)
