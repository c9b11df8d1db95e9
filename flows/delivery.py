"""Responsible for the delivery flows: daily milestone check-ins, and close-out with celebration reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from prefect import flow, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.notifications import deliver_notifications
from flows.runtime import get_app, own_code
from services.closeout import celebrations_to_come, publish_celebrations, reports_ready_to_celebrate
from services.milestones import sweep_check_ins
from services.pdfs_ahead import render_ahead
from services.rendering import start_pdf_workers


@task(name="sweep-check-ins", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def sweep(today: dt.date, remind_days: int) -> dict[str, list[int]]:
    app = get_app()
    with own_code("check-ins"), app.unit_of_work() as uow:
        result = sweep_check_ins(
            uow.session,
            today=today,
            notifier=app.notifier,
            remind_days=remind_days,
            actor="flow:milestone-check-ins",
        )
        uow.commit()
    return asdict(result)


@flow(name="milestone-check-ins", log_prints=True)
async def milestone_check_ins(today: dt.date | None = None, remind_days: int = 14) -> dict[str, int]:
    """The daily pass: reminders before due dates, overdue check-ins to administrators, first tranches of
    accepted awards released, projects with every check-in in moved on to close-out and asked for their
    final report, and late final reports chased (the team reminded before the due date, administrators
    told after it, once each). Later tranches are released when an administrator approves each check-in."""
    result = sweep(today or dt.date.today(), remind_days)
    deliver_notifications("check-ins")
    return {name: len(ids) for name, ids in result.items()}


@task(name="publish-celebrations", retries=3, retry_delay_seconds=[2, 10, 30], cache_policy=NO_CACHE)
def publish(application_ids: list[int], render_ahead_ids: list[int] | None = None) -> list[str]:
    """Celebration reports for `application_ids`; first, the PDFs of `render_ahead_ids` (the batches to
    come) are started, so the PDF workers render them while this batch is stored."""
    app = get_app()
    with own_code("close-out"):
        if render_ahead_ids:
            with app.unit_of_work() as uow:  # only reads
                render_ahead(celebrations_to_come(uow.session, render_ahead_ids))
        with app.unit_of_work() as uow:
            keys = publish_celebrations(uow.session, app.store, application_ids, actor="flow:close-out")
            uow.commit()
    return keys


@flow(name="close-out", log_prints=True)
async def close_out(round_id: int | None = None, batch_size: int = 50) -> dict[str, Any]:
    """Turn each final report into a celebration report for the community, store it, close the project."""
    app = get_app()
    with own_code("close-out"), app.unit_of_work() as uow:
        ready = reports_ready_to_celebrate(uow.session, round_id=round_id)
    if ready:
        start_pdf_workers()
    batches = [ready[start : start + batch_size] for start in range(0, len(ready), batch_size)]
    keys = []
    for n, batch in enumerate(batches):  # each starts the next one's PDFs (the first, its own too)
        ahead = batches[n + 1] if n + 1 < len(batches) else []
        keys += publish(batch, [*batch, *ahead] if n == 0 and ahead else ahead)
    deliver_notifications("close-out")
    if keys:
        await acreate_markdown_artifact(
            key=f"celebrations-round-{round_id}" if round_id else "celebrations",
            markdown="# Celebration reports\n\n" + "\n".join(f"- `{key}`" for key in keys),
        )
    return {"celebrated": len(keys), "keys": keys}
