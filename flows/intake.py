"""Responsible for the intake flow: screen submitted applications for eligibility and acknowledge them."""

from __future__ import annotations

from dataclasses import asdict

from prefect import flow, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.notifications import LEFT_TO_RELAY, deliver_notifications
from flows.runtime import get_app, own_code
from services.intake import applications_awaiting_screening, screen_applications

ACTOR = "flow:intake"


@task(name="screen-applications", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def screen_batch(application_ids: list[int]) -> dict[str, object]:
    app = get_app()
    with own_code("intake"), app.unit_of_work() as uow:
        report = screen_applications(uow.session, application_ids, actor=ACTOR)
        uow.commit()
    return asdict(report)


@flow(name="intake", log_prints=True)
async def intake(
    round_id: int | None = None, application_ids: list[int] | None = None, batch_size: int = 250
) -> dict[str, int]:
    """Screen every submitted application (of one round, or just those named). Safe to run again."""
    app = get_app()
    with own_code("intake"), app.unit_of_work() as uow:
        waiting = applications_awaiting_screening(
            uow.session, round_id=round_id, application_ids=application_ids
        )
    eligible = ineligible = 0
    for start in range(0, len(waiting), batch_size):
        report = screen_batch(waiting[start : start + batch_size])
        eligible += len(report["eligible"])
        ineligible += len(report["ineligible"])
    delivered = deliver_notifications("intake")
    await acreate_markdown_artifact(
        key=f"intake-round-{round_id}" if round_id else "intake",
        markdown=f"# Intake, round {round_id or 'all'}\n\n"
        "| screened | eligible | not eligible | e-mails |\n"
        f"|---|---|---|---|\n| {len(waiting)} | {eligible} | {ineligible} | {_emails(delivered)} |\n",
        description="Eligibility screening results",
    )
    return {"screened": len(waiting), "eligible": eligible, "ineligible": ineligible}


def _emails(delivered: dict[str, int]) -> str:
    if LEFT_TO_RELAY in delivered:
        return f"{delivered[LEFT_TO_RELAY]} being sent by the mail relay"
    return f"{delivered['sent']} sent"
