"""Responsible for the award flow: administrators approve in the Prefect UI, then letters and tranches.

Each proposed award gets its own `award-decision` run, which pauses with a form (approve or decline,
amount, conditions, a note). A decision already recorded elsewhere is used without pausing, so the flow
can be re-run on schedule until every award is decided.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.flow_runs import apause_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run as current_flow_run
from pydantic import Field

from flows.notifications import deliver_notifications
from flows.runtime import get_app, own_code
from models.awards import Award
from models.enums import AwardStatus
from models.errors import NotFound
from models.schemas import AwardDecisionInput
from services.awards import approved_awards_to_set_up, awards_awaiting_approval, decide_award, propose_awards
from services.awards import set_up_award

DAY = 24 * 3600


class AwardDecision(RunInput):
    """The form an administrator fills in on the paused run."""

    approve: bool = Field(description="Approve this award? Untick to decline.")
    amount: Decimal | None = Field(default=None, description="Amount to award; leave as is to keep the request")
    conditions: str = Field(default="", description="Conditions of the award, one per line")
    note: str = Field(default="", description="A note for the record and the award letter")


@task(name="propose-awards", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def propose(round_id: int) -> list[int]:
    app = get_app()
    with own_code("award"), app.unit_of_work() as uow:
        propose_awards(uow.session, round_id=round_id)
        waiting = [award.id for award in awards_awaiting_approval(uow.session, round_id=round_id)]
        uow.commit()
    return waiting


@task(name="describe-award", cache_policy=NO_CACHE)
def describe(award_id: int) -> dict[str, Any]:
    app = get_app()
    with own_code("award"), app.unit_of_work() as uow:
        award = uow.session.get(Award, award_id)
        if award is None:
            raise NotFound(f"no award with id {award_id}")
        application = award.application
        return {
            "status": str(award.status), "amount": award.amount,
            "description": (f"**{application.reference}: {application.title}**\n\n"
                            f"Requested {award.amount:,.2f} {award.currency} for {application.duration_months} "
                            f"months. Panel recommended funding. Approve, change the amount or decline."),
        }


@task(name="record-award-decision", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def record_decision(award_id: int, decision: AwardDecisionInput, actor: str) -> str:
    app = get_app()
    with own_code("award"), app.unit_of_work() as uow:
        award = decide_award(uow.session, award_id, decision, actor=actor)
        uow.commit()
        return str(award.status)


@flow(name="award-decision", log_prints=True)
async def award_decision(award_id: int, pause_timeout_seconds: int = 7 * DAY, poll_interval_seconds: int = 10) -> str:
    """Wait for an administrator's decision on one award in the Prefect UI, then record it."""
    about = describe(award_id)
    if about["status"] != AwardStatus.AWAITING_APPROVAL:
        return about["status"]
    form = AwardDecision.with_initial_data(description=about["description"], approve=True, amount=about["amount"])
    answer = await apause_flow_run(wait_for_input=form, timeout=pause_timeout_seconds,
                                   poll_interval=poll_interval_seconds, key=f"award-{award_id}")
    decision = AwardDecisionInput(approve=answer.approve, amount=answer.amount,
                                  conditions=answer.conditions, note=answer.note)
    return record_decision(award_id, decision, f"administrator via Prefect UI (run {current_flow_run.id})")


@task(name="issue-letter-and-schedule", retries=3, retry_delay_seconds=[2, 10, 30], cache_policy=NO_CACHE)
def set_up(award_ids: list[int], start: dt.date) -> int:
    app = get_app()
    with own_code("award"), app.unit_of_work() as uow:
        for award_id in award_ids:
            set_up_award(uow.session, app.store, uow.session.get(Award, award_id), start=start, actor="flow:award")
        uow.commit()
    return len(award_ids)


@flow(name="award", log_prints=True)
async def award(round_id: int, start_date: dt.date | None = None, pause_timeout_seconds: int = 7 * DAY,
                poll_interval_seconds: int = 10, batch_size: int = 50) -> dict[str, Any]:
    """Propose the panel's awards, wait for administrators' decisions, then issue letters and tranches."""
    waiting = propose(round_id)
    states = await asyncio.gather(*(
        award_decision(award_id=award_id, pause_timeout_seconds=pause_timeout_seconds,
                       poll_interval_seconds=poll_interval_seconds, return_state=True)
        for award_id in waiting
    ))
    undecided = [award_id for award_id, state in zip(waiting, states, strict=True) if not state.is_completed()]
    app = get_app()
    with own_code("award"), app.unit_of_work() as uow:
        to_set_up = [a.id for a in approved_awards_to_set_up(uow.session, round_id=round_id)]
    start = start_date or dt.date.today()
    set_up_count = sum(set_up(to_set_up[i:i + batch_size], start) for i in range(0, len(to_set_up), batch_size))
    deliver_notifications("award")
    return {"asked": len(waiting), "undecided": undecided, "set_up": set_up_count}


async def paused_award_decisions() -> list[Any]:
    """The `award-decision` runs now waiting for an administrator, oldest first."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterState
    from prefect.client.schemas.filters import FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    async with get_client() as client:
        return await client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["award-decision"])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
        )


async def answer_award_decision(flow_run_id: Any, decision: AwardDecisionInput) -> None:
    """Resume a paused `award-decision` run with an administrator's answer (as the UI form does)."""
    from prefect.flow_runs import aresume_flow_run

    await aresume_flow_run(flow_run_id, run_input=decision.model_dump(mode="json"))
