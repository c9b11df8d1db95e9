"""Responsible for the portal's side of the paused award runs in Prefect: which `award` (a round's
slate) and `award-decision` (one award) runs wait for an administrator, and resuming one with an answer,
as the form in the Prefect UI does (flows.award.answer_award_decision).

Prefect is asked through its API at the App's `prefect_api_url` (or the ambient Prefect settings). A run
that is no longer paused (answered in the Prefect UI or by another administrator, or timed out) raises
RunNotWaiting and is never resumed. Prefect's server takes two resumes sent at the same moment, so the
portal claims a run before resuming it (see `resume_award_run`)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from flows.award import PORTAL_ANSWER_KEY as CLAIM_KEY
from models.errors import NotFound

AWARD_FLOWS = ("award", "award-decision")
T = TypeVar("T")


class RunNotWaiting(Exception):
    """The run is not paused for an answer any more."""


class RunNotReady(Exception):
    """The run has just paused and Prefect has not saved its form yet: try again in a moment."""


class PrefectUnavailable(Exception):
    """Prefect's API could not be reached."""


@dataclass(frozen=True)
class PausedRun:
    id: UUID
    name: str
    flow_name: str
    parameters: dict[str, Any]
    paused_since: dt.datetime | None

    @property
    def is_slate(self) -> bool:
        return self.flow_name == "award"


@contextlib.contextmanager
def _prefect_at(api_url: str | None) -> Iterator[None]:
    """Prefect's settings pointing at `api_url`; without one, the ambient API URL. With neither, the
    portal says Prefect is unavailable rather than letting the client start a temporary server of its own."""
    from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    url = api_url or PREFECT_API_URL.value()
    if not url:
        raise PrefectUnavailable("no Prefect API URL is set (COGRANT_PREFECT_API_URL)")
    # One retry: an administrator waiting on a page is better told soon that Prefect is away.
    with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_CLIENT_MAX_RETRIES: 1}):
        yield


def _call(api_url: str | None, make: Callable[[], Awaitable[T]]) -> T:
    """Run one Prefect client call from a portal worker thread (which has no event loop of its own)."""
    import httpx

    with _prefect_at(api_url):
        try:
            return asyncio.run(make())  # type: ignore[arg-type]
        except (httpx.ConnectError, httpx.TimeoutException) as error:
            raise PrefectUnavailable(str(error)) from error


def _paused(flow_run: Any, flow_name: str) -> PausedRun:
    state = flow_run.state
    return PausedRun(
        id=flow_run.id,
        name=flow_run.name,
        flow_name=flow_name,
        parameters=dict(flow_run.parameters),
        paused_since=state.timestamp if state is not None else None,
    )


def paused_award_runs(api_url: str | None) -> list[PausedRun]:
    from flows.award import paused_award_decisions

    async def read() -> list[PausedRun]:
        runs = []
        for flow_name in AWARD_FLOWS:
            runs += [_paused(run, flow_name) for run in await paused_award_decisions(flow_name)]
        return runs

    return _call(api_url, read)


def paused_award_run(api_url: str | None, run_id: UUID) -> PausedRun:
    """The award run `run_id` if it waits for an answer; RunNotWaiting if not, NotFound if no such run."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    async def read() -> PausedRun:
        async with get_client() as client:
            try:
                flow_run = await client.read_flow_run(run_id)
            except ObjectNotFound:
                raise NotFound(f"no flow run {run_id}") from None
            flow = await client.read_flow(flow_run.flow_id)
        if flow.name not in AWARD_FLOWS:
            raise NotFound(f"flow run {run_id} is not an award run")
        if flow_run.state is None or not flow_run.state.is_paused():
            raise RunNotWaiting(flow_run.state.name if flow_run.state else "not started")
        return _paused(flow_run, flow.name)

    return _call(api_url, read)


def resume_award_run(api_url: str | None, run_id: UUID, answer: dict[str, Any], *, by: str) -> None:
    """Resume the paused run with `answer` (the RunInput's fields, as JSON), as administrator `by`.

    Prefect's server would take two resumes sent at the same moment, so the portal first claims the run
    with a run input of its own (CLAIM_KEY, unique per run in Prefect): of two administrators answering at
    once, one claims it and the other meets RunNotWaiting. A claim whose resume failed is taken back."""
    import httpx
    from prefect.client.orchestration import get_client
    from prefect.exceptions import FlowPauseTimeout, NotPausedError
    from prefect.flow_runs import aresume_flow_run

    async def resume() -> None:
        async with get_client() as client:
            try:
                await client.create_flow_run_input(run_id, key=CLAIM_KEY, value=json.dumps({"by": by}))
            except httpx.HTTPStatusError as error:
                if error.response.status_code == 409:
                    raise RunNotWaiting("another administrator answered it in the portal") from None
                raise
            try:
                await aresume_flow_run(run_id, run_input=answer)
            except (NotPausedError, FlowPauseTimeout):
                raise RunNotWaiting("not paused") from None
            except BaseException as error:
                await client.delete_flow_run_input(run_id, key=CLAIM_KEY)
                if isinstance(error, RuntimeError) and "schema not found" in str(error).lower():
                    raise RunNotReady(str(error)) from None
                if isinstance(error, RuntimeError) and "cannot resume" in str(error).lower():
                    raise RunNotWaiting(str(error)) from None
                raise

    _call(api_url, resume)
