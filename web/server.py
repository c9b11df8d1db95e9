"""Responsible for serving the portal with uvicorn in a background thread (for `cogrant up` and tests)."""

from __future__ import annotations

import threading
import time
from typing import Self

import uvicorn
from fastapi import FastAPI

from cogrant.stack.process import LocalServer


class PortalServer(LocalServer):
    def __init__(self, web: FastAPI, *, host: str, port: int, timeout: float = 20.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._server = uvicorn.Server(
            uvicorn.Config(web, host=host, port=port, log_level="warning", lifespan="off", access_log=False)
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._server.run, name="cogrant-portal", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the portal did not start on {self.url} (is the port free?)")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
