"""Responsible for starting and stopping the whole embedded stack, and telling other processes where it is.

Order: PostgreSQL (cogrant's database and Prefect's) -> migrations -> SeaweedFS -> SMTP catcher -> Prefect
server -> the standing e-mail relay. The endpoints go to `<data_dir>/stack.json` so flow runs in other
processes can find them (the relay too, which is why it starts last).
"""

from __future__ import annotations

import json
import os
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Self

from cogrant.config import Settings
from cogrant.stack.postgres import EmbeddedPostgres
from cogrant.stack.prefect_server import PrefectServer, prefect_database_url
from cogrant.stack.process import process_running
from cogrant.stack.relay_process import StandingRelayProcess
from cogrant.stack.seaweed import SeaweedS3Server
from cogrant.stack.smtp_process import SmtpCatcherProcess
from services.database import migrate

STACK_FILE = "stack.json"
COGRANT_DATABASE = "cogrant"


@dataclass(frozen=True)
class StackEndpoints:
    database_url: str
    s3_endpoint_url: str
    smtp_host: str
    smtp_port: int
    prefect_api_url: str | None
    prefect_ui_url: str | None
    mail_dir: str
    owner_pid: int
    relay_pid: int | None = None  # the standing e-mail relay's process, when the stack runs one

    def write(self, data_dir: Path) -> None:
        path = data_dir / STACK_FILE
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def read(cls, data_dir: Path) -> StackEndpoints | None:
        """The endpoints of a stack that is running now, or None."""
        path = data_dir / STACK_FILE
        if not path.exists():
            return None
        endpoints = cls(**json.loads(path.read_text()))
        return endpoints if process_running(endpoints.owner_pid) else None


class EmbeddedStack:
    def __init__(
        self,
        settings: Settings,
        *,
        with_prefect: bool = True,
        prefect_port: int | None = None,
        with_relay: bool = True,
    ) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir.expanduser().resolve()
        self.with_prefect = with_prefect
        self.with_relay = with_relay
        self.prefect_port = prefect_port or settings.prefect_port
        self.timings: dict[str, float] = {}
        self.endpoints: StackEndpoints | None = None
        self._exit = ExitStack()

    def start(self) -> StackEndpoints:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            return self._start_all()
        except BaseException:
            self._exit.close()
            raise

    def _timed(self, name: str, began: float) -> None:
        self.timings[name] = round(time.perf_counter() - began, 2)

    def _start_all(self) -> StackEndpoints:
        began = time.perf_counter()
        postgres = self._exit.enter_context(EmbeddedPostgres(self.data_dir / "postgres"))
        postgres.ensure_database(COGRANT_DATABASE)
        database_url = postgres.sqlalchemy_url(COGRANT_DATABASE)
        migrate(database_url)
        self._timed("postgres", began)
        began = time.perf_counter()
        seaweed = self._exit.enter_context(
            SeaweedS3Server(
                self.data_dir / "seaweedfs",
                access_key=self.settings.s3_access_key,
                secret_key=self.settings.s3_secret_key.get_secret_value(),
            )
        )
        self._timed("seaweedfs", began)
        smtp = self._exit.enter_context(SmtpCatcherProcess(self.data_dir / "mail"))
        prefect_api_url = prefect_ui_url = None
        if self.with_prefect:
            began = time.perf_counter()
            server = self._exit.enter_context(
                PrefectServer(
                    self.data_dir / "prefect",
                    database_url=prefect_database_url(postgres),
                    port=self.prefect_port,
                )
            )
            prefect_api_url, prefect_ui_url = server.api_url, server.url
            self._timed("prefect", began)
        self.endpoints = StackEndpoints(
            database_url=database_url,
            s3_endpoint_url=seaweed.endpoint_url,
            smtp_host=smtp.host,
            smtp_port=smtp.port,
            prefect_api_url=prefect_api_url,
            prefect_ui_url=prefect_ui_url,
            mail_dir=str(self.data_dir / "mail"),
            owner_pid=os.getpid(),
        )
        self.endpoints.write(self.data_dir)
        if self.with_relay:
            began = time.perf_counter()
            relay = self._exit.enter_context(StandingRelayProcess(self.data_dir))
            self.endpoints = replace(self.endpoints, relay_pid=relay.pid)
            self.endpoints.write(self.data_dir)
            self._timed("relay", began)
        return self.endpoints

    def stop(self) -> None:
        (self.data_dir / STACK_FILE).unlink(missing_ok=True)
        self._exit.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
