"""Responsible for the `review-reminders` flow: the daily pass that reminds reviewers of open reviews."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.notifications import deliver_notifications
from flows.runtime import get_app, own_code
from services.review_reminders import DEFAULT_DAYS_BEFORE, send_review_reminders


@task(name="remind-reviewers", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def remind(today: dt.date, days_before: int) -> dict[str, list[int]]:
    app = get_app()
    with own_code("review-reminders"), app.unit_of_work() as uow:
        result = send_review_reminders(
            uow.session, today=today, notifier=app.notifier, days_before=days_before
        )
        uow.commit()
    return asdict(result)


@flow(name="review-reminders", log_prints=True)
async def review_reminders(
    today: dt.date | None = None, days_before: int = DEFAULT_DAYS_BEFORE
) -> dict[str, int]:
    """Remind each reviewer of reviews due within `days_before` days, and once more when they are late.
    Safe to run again: every reminder has its own dedupe key."""
    result = remind(today or dt.date.today(), days_before)
    deliver_notifications("review-reminders")
    return {name: len(ids) for name, ids in result.items()}
