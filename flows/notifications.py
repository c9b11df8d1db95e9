"""Responsible for delivering queued e-mails: a task every stage calls, and a scheduled relay flow."""

from __future__ import annotations

from dataclasses import asdict

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.runtime import get_app, own_code
from notifications.relay import send_pending

# Sending waits on the SMTP server's replies; three connections overlap those waits.
RELAY_CONNECTIONS = 3


@task(name="deliver-notifications", retries=3, retry_delay_seconds=[2, 10, 30], cache_policy=NO_CACHE)
def deliver_notifications(stage: str = "notifications") -> dict[str, int]:
    app = get_app()
    with own_code(stage):
        return asdict(send_pending(app.sessions, app.smtp, connections=RELAY_CONNECTIONS))


@flow(name="send-notifications", log_prints=True)
async def send_notifications() -> dict[str, int]:
    """Send every e-mail waiting in the outbox; each is sent once, whoever runs this and however often."""
    return deliver_notifications()
