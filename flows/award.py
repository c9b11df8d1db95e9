"""Responsible for the award flows: administrators approve in the Prefect UI, then letters and tranches.

`award` pauses once per round with the panel's slate (approve the rest, decline or change some); one
`award-decision` run pauses for a single award (approve or decline, amount, conditions, a note). A
decision already recorded is used without pausing, so either can be re-run until every award is decided.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.flow_runs import apause_flow_run
from prefect.input import RunInput
from prefect.input.actions import aread_flow_run_input
from prefect.runtime import flow_run as current_flow_run

from flows.notifications import deliver_notifications
from flows.runtime import get_app, own_code
from models.enums import AwardStatus
from models.errors import DomainError
from models.schemas import AwardDecisionInput, AwardSlateInput
from services.award_review import award_summary
from services.awards import (
    approved_awards_to_set_up,
    awards_awaiting_approval,
    decide_award,
    decide_slate,
    letters_to_come,
    load_awards,
    propose_awards,
    set_up_awards,
)
from services.pdfs_ahead import render_ahead
from services.rendering import start_pdf_workers

DAY = 24 * 3600
# The portal claims a paused run under this key (with who answered) before resuming it; see web/award_runs.
PORTAL_ANSWER_KEY = "cogrant-portal-answer"


class AwardDecision(RunInput, AwardDecisionInput):
    """The form an administrator fills in on a paused `award-decision` run."""


@task(name="propose-awards", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def propose(round_id: int) -> list[int]:
    app = get_app()
    with own_code("award"), app.unit_of_work() as uow:
        propose_awards(uow.session, round_id=round_id)
        waiting = [award.id for award in awards_awaiting_approval(uow.session, round_id=round_id)]
        uow.commit()
    return waiting


async def _ask_administrator(
    form: type[RunInput], *, key: str, timeout: int, poll_interval: int
) -> tuple[dict[str, Any], str]:
    """Pause this run until an administrator submits `form` in the Prefect UI; their answer, and who."""
    answer = await apause_flow_run(wait_for_input=form, timeout=timeout, poll_interval=poll_interval, key=key)
    claim = await aread_flow_run_input(PORTAL_ANSWER_KEY)
    if isinstance(claim, dict) and claim.get("by"):
        return answer.model_dump(mode="json"), f"{claim['by']} via the portal (run {current_flow_run.id})"
    return answer.model_dump(mode="json"), f"administrator via Prefect UI (run {current_flow_run.id})"


@task(name="describe-award", cache_policy=NO_CACHE)
def describe(award_id: int) -> dict[str, Any]:
    app = get_app()
    with own_code("award"), app.unit_of_work() as uow:
        summary = award_summary(uow.session, award_id)  # what the portal's decision page shows, too
        award, problems, left = summary.awards[0].award, summary.awards[0].problems, summary.pot_left
        application = award.application
        warnings = "".join(f"\n\n- {problem}" for problem in problems)
        return {
            "status": str(award.status),
            "amount": award.amount,
            "description": (
                f"**{application.reference}: {application.title}**\n\n"
                f"Requested {award.amount:,.2f} {award.currency} for {application.duration_months} "
                f"months. Panel recommended funding. {left:,.2f} {award.currency} is left in the pot. "
                f"Approve, change the amount or decline."
                + (f"\n\n**Before approving, note:**{warnings}" if problems else "")
            ),
        }


def _unless_refused(task: Any, task_run: Any, state: Any) -> bool:
    """Retry what failed on the way (the database went away), never a decision the rules refused."""
    try:
        state.result()
    except DomainError:
        return False
    except Exception:
        return True
    return True


@task(
    name="record-award-decision",
    retries=2,
    retry_delay_seconds=5,
    retry_condition_fn=_unless_refused,
    cache_policy=NO_CACHE,
)
def record_decision(award_id: int, decision: AwardDecisionInput, actor: str) -> str:
    app = get_app()
    with own_code("award"), app.unit_of_work() as uow:
        award = decide_award(uow.session, award_id, decision, actor=actor)
        uow.commit()
        return str(award.status)


@flow(name="award-decision", log_prints=True)
async def award_decision(
    award_id: int, pause_timeout_seconds: int = 7 * DAY, poll_interval_seconds: int = 10
) -> str:
    """Wait for an administrator's decision on one award in the Prefect UI, then record it."""
    about = describe(award_id)
    if about["status"] != AwardStatus.AWAITING_APPROVAL:
        return about["status"]
    form = AwardDecision.with_initial_data(
        description=about["description"], approve=True, amount=about["amount"]
    )
    answer, actor = await _ask_administrator(
        form, key=f"award-{award_id}", timeout=pause_timeout_seconds, poll_interval=poll_interval_seconds
    )
    status = record_decision(award_id, AwardDecisionInput.model_validate(answer), actor)
    if status == AwardStatus.APPROVED:
        set_up([award_id], dt.date.today())
    deliver_notifications("award")
    return status


@task(name="issue-letter-and-schedule", retries=3, retry_delay_seconds=[2, 10, 30], cache_policy=NO_CACHE)
def set_up(award_ids: list[int], start: dt.date, render_ahead_ids: list[int] | None = None) -> int:
    """Letters and tranches for `award_ids`; first, the letters' PDFs of `render_ahead_ids` (the batches
    to come) are started, so the PDF workers render them while this batch is stored."""
    app = get_app()
    with own_code("award"):
        if render_ahead_ids:
            with app.unit_of_work() as uow:  # only reads: rolled back
                render_ahead(
                    letters_to_come(uow.session, load_awards(uow.session, render_ahead_ids), start=start)
                )
        with app.unit_of_work() as uow:
            awards = load_awards(uow.session, award_ids)
            set_up_awards(uow.session, app.store, awards, start=start, actor="flow:award")
            uow.commit()
    return len(award_ids)


def set_up_in_batches(award_ids: list[int], start: dt.date, *, batch_size: int) -> int:
    """`set_up` a batch at a time, each starting the next one's PDFs (the first, its own too)."""
    batches = [award_ids[i : i + batch_size] for i in range(0, len(award_ids), batch_size)]
    done = 0
    for n, batch in enumerate(batches):
        ahead = batches[n + 1] if n + 1 < len(batches) else []
        done += set_up(batch, start, [*batch, *ahead] if n == 0 and ahead else ahead)
    return done


class AwardSlateDecision(RunInput, AwardSlateInput):
    """The form an administrator fills in on the paused `award` run: the panel's slate, with exceptions."""


@task(name="describe-slate", cache_policy=NO_CACHE)
def describe_slate(award_ids: list[int]) -> str:
    app = get_app()
    with own_code("award"), app.unit_of_work() as uow:
        awards = load_awards(uow.session, award_ids)
        rows = [
            f"| {a.application.reference} | {a.application.title} | {a.amount:,.2f} {a.currency} |"
            for a in awards
        ]
        total = sum(a.amount for a in awards)
    return (
        f"**{len(awards)} awards proposed by the panel, {total:,.2f} in all.** Approve them, or list "
        "references to decline or to change.\n\n| reference | project | amount |\n|---|---|---|\n"
        + "\n".join(rows)
    )


@task(
    name="record-slate-decisions",
    retries=2,
    retry_delay_seconds=5,
    retry_condition_fn=_unless_refused,
    cache_policy=NO_CACHE,
)
def record_slate(award_ids: list[int], answer: dict[str, Any], actor: str) -> dict[str, int]:
    app = get_app()
    with own_code("award"), app.unit_of_work() as uow:
        load_awards(uow.session, award_ids)  # all at once; deciding each finds it loaded
        counts = decide_slate(uow.session, award_ids, AwardSlateInput.model_validate(answer), actor=actor)
        uow.commit()
    return counts


@flow(name="award", log_prints=True)
async def award(
    round_id: int,
    start_date: dt.date | None = None,
    pause_timeout_seconds: int = 7 * DAY,
    poll_interval_seconds: int = 10,
    batch_size: int = 50,
) -> dict[str, Any]:
    """Propose the panel's awards, pause for an administrator to approve the slate in the Prefect UI, then
    issue letters and tranches. Awards decided elsewhere (one `award-decision` run each) are respected."""
    start_pdf_workers()  # the letters' PDFs; started while the administrator decides
    waiting = propose(round_id)
    counts = {"approved": 0, "declined": 0, "left": 0}
    if waiting:
        form = AwardSlateDecision.with_initial_data(description=describe_slate(waiting))
        answer, actor = await _ask_administrator(
            form,
            key=f"award-slate-{round_id}",
            timeout=pause_timeout_seconds,
            poll_interval=poll_interval_seconds,
        )
        counts = record_slate(waiting, answer, actor)
    app = get_app()
    with own_code("award"), app.unit_of_work() as uow:
        to_set_up = [a.id for a in approved_awards_to_set_up(uow.session, round_id=round_id)]
    start = start_date or dt.date.today()
    set_up_count = set_up_in_batches(to_set_up, start, batch_size=batch_size)
    deliver_notifications("award")
    return {"asked": len(waiting), **counts, "set_up": set_up_count}


async def paused_award_decisions(flow_name: str = "award") -> list[Any]:
    """Runs of `award` (a round's slate) or `award-decision` (one award) waiting for an administrator."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    async with get_client() as client:
        return await client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
            ),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
        )


async def answer_award_decision(flow_run_id: Any, answer: AwardDecisionInput | AwardSlateDecision) -> None:
    """Resume a paused award run with an administrator's answer, as the form in the Prefect UI does."""
    from prefect.flow_runs import aresume_flow_run

    await aresume_flow_run(flow_run_id, run_input=answer.model_dump(mode="json"))
