"""Responsible for running the standing e-mail relay (`cogrant relay`) in a process of its own.

Started last, once the stack file says where the database and the SMTP server are, so the relay finds
them the way every other cogrant process does. Its own process keeps the SMTP conversations off the
flows' interpreter: on two cores they run beside the flows instead of after them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

from cogrant.stack.process import LocalServer, terminate

SETTLE_SECONDS = 0.5  # a relay that cannot start (bad settings) has exited by then


class StandingRelayProcess(LocalServer):
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "cogrant.cli", "relay", "--quiet"],
            env=os.environ | {"COGRANT_DATA_DIR": str(self.data_dir)},
            stdin=subprocess.DEVNULL,
        )
        time.sleep(SETTLE_SECONDS)
        if self._process.poll() is not None:
            raise RuntimeError(f"the e-mail relay exited with code {self._process.returncode}")
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        # SIGTERM lets it finish the batch in hand (a few seconds at most) and record every answer.
        terminate(process, timeout=30)
