"""Responsible for delivering queued e-mails: a task every stage calls, and a scheduled relay flow.

When the stack runs a standing relay (`cogrant relay`, see `notifications.standing_relay`), the stages
leave their e-mails to it and do not wait for the SMTP server; otherwise each stage sends its own before
it ends. The scheduled flow always sends: it is the safety net if the standing relay has stopped.

Messages the relay gives up on (refused for good, or refused too often) are shown to administrators
as a table artifact of the run, with the server's reason, so a wrong address is fixed by a person.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.runtime import get_app, own_code
from models.base import utcnow
from notifications.relay import RELAY_CONNECTIONS, RelayReport, send_pending
from notifications.retry import DEFERRED, FAILED, SENT
from notifications.standing_relay import waiting_to_send
from services.digests import queue_daily_digests

FAILED_EMAILS_ARTIFACT = "failed-emails"
LEFT_TO_RELAY = "left_to_relay"


@task(name="deliver-notifications", retries=3, retry_delay_seconds=[2, 10, 30], cache_policy=NO_CACHE)
def deliver_notifications(
    stage: str = "notifications", even_with_standing_relay: bool = False
) -> dict[str, int]:
    app = get_app()
    if app.standing_relay_running() and not even_with_standing_relay:
        with own_code(stage), app.sessions() as session:
            return {SENT: 0, FAILED: 0, DEFERRED: 0, LEFT_TO_RELAY: waiting_to_send(session)}
    with own_code(stage):
        report = send_pending(app.sessions, app.smtp, connections=RELAY_CONNECTIONS)
    if report.failures:
        show_failures(report)
    return report.counts()


def show_failures(report: RelayReport) -> None:
    """A table artifact of the e-mails this run could not deliver, for administrators to act on."""
    create_table_artifact(
        key=FAILED_EMAILS_ARTIFACT,
        table=[
            {"outbox id": f.id, "to": f.to_address, "e-mail": f.template, "why it failed": f.reason}
            for f in report.failures
        ],
        description=(
            f"{len(report.failures)} e-mail(s) could not be delivered and will not be retried. "
            "Check each address with the person, then queue the e-mail again."
        ),
    )


@flow(name="send-notifications", log_prints=True)
async def send_notifications() -> dict[str, int]:
    """Send every e-mail waiting in the outbox; each is sent once, whoever runs this and however often."""
    return deliver_notifications(even_with_standing_relay=True)


@flow(name="daily-digest", log_prints=True)
async def daily_digest(day: dt.date | None = None) -> dict[str, int]:
    """Gather each person's held messages into one e-mail for `day` (today by default), then send them.

    Safe to run again: each person gets at most one digest per day."""
    app = get_app()
    with own_code("digest"), app.unit_of_work() as uow:
        queued = queue_daily_digests(uow.session, app.notifier, day=day or utcnow().date())
        uow.commit()
    return {"digests": queued, **deliver_notifications("digest")}
