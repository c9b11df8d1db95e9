"""Tests for the Prefect server launcher: health, flow runs and the scheduler, on embedded PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowFilter, FlowFilterName
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.settings import PREFECT_API_URL, temporary_settings

from cogrant.stack.ports import free_port, http_ok
from cogrant.stack.postgres import EmbeddedPostgres
from cogrant.stack.prefect_server import PrefectServer, prefect_database_url

pytestmark = pytest.mark.postgres


@flow(name="stack-smoke-add-one")
async def add_one(number: int) -> int:
    return number + 1


@pytest.fixture(scope="module")
def postgres(module_stack_dir: Path) -> Iterator[EmbeddedPostgres]:
    with EmbeddedPostgres(module_stack_dir / "postgres") as server:
        yield server


@pytest.fixture(scope="module")
def prefect_server(module_stack_dir: Path, postgres: EmbeddedPostgres) -> Iterator[PrefectServer]:
    server = PrefectServer(
        module_stack_dir / "prefect", database_url=prefect_database_url(postgres), port=free_port()
    )
    with server, temporary_settings({PREFECT_API_URL: server.api_url}):
        yield server
        # Flush the client's log and event queues while the server can still take them.
        APILogWorker.drain_all(timeout=5, at_exit=False)
        EventsWorker.drain_all(timeout=5, at_exit=False)


def test_server_is_healthy_and_keeps_its_state_in_postgres(
    prefect_server: PrefectServer, postgres: EmbeddedPostgres
) -> None:
    assert prefect_server.api_url.endswith("/api")
    assert http_ok(f"{prefect_server.api_url}/health")
    assert http_ok(prefect_server.url), "the UI is served at the base URL"
    assert prefect_server.start_seconds is not None
    with psycopg.connect(postgres.dsn("prefect")) as conn:
        assert conn.execute("SELECT to_regclass('flow_run') IS NOT NULL").fetchone() == (True,)


def test_async_flow_run_is_recorded(prefect_server: PrefectServer) -> None:
    assert asyncio.run(add_one(41)) == 42

    async def recorded_states() -> list[str]:
        async with get_client() as client:
            runs = await client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=["stack-smoke-add-one"]))
            )
        return [run.state.type.value for run in runs if run.state is not None]

    assert asyncio.run(recorded_states()) == ["COMPLETED"]


def test_scheduler_creates_runs_for_an_interval_deployment(prefect_server: PrefectServer) -> None:
    deployment = add_one.to_deployment(
        name="every-minute", interval=timedelta(minutes=1), parameters={"number": 1}
    )
    deployment_id: UUID = deployment.apply()

    async def scheduled_count() -> int:
        async with get_client() as client:
            runs = await client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
            )
        return sum(1 for run in runs if run.state is not None and run.state.is_scheduled())

    deadline = time.monotonic() + 30
    while (count := asyncio.run(scheduled_count())) == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert count > 0, "the scheduler service created no runs"
