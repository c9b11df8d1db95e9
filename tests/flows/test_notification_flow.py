"""The send-notifications flow: delivers what is queued, and shows administrators what failed for good."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from dataclasses import replace

from aiosmtpd.controller import Controller
from prefect import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from cogrant.composition import App
from cogrant.stack.ports import DEFAULT_HOST, free_port
from cogrant.stack.smtp import DevSMTPServer, Mailbox
from flows.notifications import (
    FAILED_EMAILS_ARTIFACT,
    LEFT_TO_RELAY,
    daily_digest,
    deliver_notifications,
    send_notifications,
)
from notifications.outbox import enqueue
from notifications.preferences import choose
from tests.notifications.conftest import RefusingHandler, sample_contexts
from tests.support.factories import make_person


async def _failed_email_tables() -> list[object]:
    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[FAILED_EMAILS_ARTIFACT]))
        )
    return [artifact.data for artifact in artifacts]


def test_relay_flow_sends_and_reports_permanent_failures_as_an_artifact(app: App) -> None:
    mailbox, port = Mailbox(), free_port()
    handler = RefusingHandler(mailbox, {"nobody@example.org": "550 5.1.1 No such person here"})
    controller = Controller(handler, hostname=DEFAULT_HOST, port=port, server_hostname="localhost")
    controller.start()
    app.smtp = replace(app.smtp, port=port)
    context = sample_contexts()["celebration_shared"]
    with app.sessions() as session:
        for number, address in enumerate(["amina@example.org", "nobody@example.org", "zoë@example.org"]):
            enqueue(
                session,
                template="celebration_shared",
                to_address=address,
                context=context,
                dedupe_key=f"celebration_shared:flow-test:{number}",
            )
        session.commit()
    before = len(asyncio.run(_failed_email_tables()))

    try:
        result = asyncio.run(send_notifications())
        again = asyncio.run(send_notifications())
    finally:
        controller.stop()

    assert result == {"sent": 2, "failed": 1, "deferred": 0}
    assert again == {"sent": 0, "failed": 0, "deferred": 0}
    assert sorted(m.rcpt_tos[0] for m in mailbox.messages) == ["amina@example.org", "zoë@example.org"]
    tables = asyncio.run(_failed_email_tables())
    assert len(tables) == before + 1  # a run with nothing failed adds no table
    newest = str(tables[0])
    assert "nobody@example.org" in newest and "550 5.1.1 No such person here" in newest


def test_daily_digest_flow_sends_one_digest_per_person_per_day(app: App, smtp_server: DevSMTPServer) -> None:
    with app.unit_of_work() as uow:
        person = make_person(uow.session, name="Dee")
        choose(uow.session, person.id, delivery="daily_digest")
        for number in range(3):
            app.notifier.send(
                uow.session,
                "celebration_shared",
                person,
                f"flow-digest-{number}",
                reference=f"PF-{number}",
                project_title=f"Project {number}",
                report_url="https://p.example/r",
            )
        uow.commit()
    day = dt.date(2026, 12, 1)

    first = asyncio.run(daily_digest(day=day))
    second = asyncio.run(daily_digest(day=day))

    assert first == {"digests": 1, "sent": 1, "failed": 0, "deferred": 0}
    assert second == {"digests": 0, "sent": 0, "failed": 0, "deferred": 0}
    [received] = smtp_server.wait_for(1)
    text = received.parse().get_body(("plain",)).get_content()
    assert received.rcpt_tos == (person.email,) and all(f"Project {n}" in text for n in range(3))


def test_with_a_standing_relay_stages_leave_their_emails_to_it_but_the_scheduled_flow_still_sends(
    app: App, smtp_server: DevSMTPServer
) -> None:
    context = sample_contexts()["celebration_shared"]
    with app.sessions() as session:
        for number in range(2):
            enqueue(
                session,
                template="celebration_shared",
                to_address=f"person{number}@example.org",
                context=context,
                dedupe_key=f"celebration_shared:standing-relay-test:{number}",
            )
        session.commit()
    app.relay_pid = os.getpid()  # a process that runs: the stage takes it for the standing relay

    left = deliver_notifications.fn("close-out")

    assert left == {"sent": 0, "failed": 0, "deferred": 0, LEFT_TO_RELAY: 2}
    assert smtp_server.messages == []
    assert asyncio.run(send_notifications()) == {"sent": 2, "failed": 0, "deferred": 0}
    app.relay_pid = None  # no relay: the stage sends itself (nothing is left now)
    assert deliver_notifications.fn("close-out") == {"sent": 0, "failed": 0, "deferred": 0}


def test_a_relay_run_beside_your_own_services_is_named_in_the_settings(app: App) -> None:
    with app.sessions() as session:
        enqueue(
            session,
            template="celebration_shared",
            to_address="person@example.org",
            context=sample_contexts()["celebration_shared"],
            dedupe_key="celebration_shared:external-relay-test",
        )
        session.commit()
    app.settings = app.settings.model_copy(update={"standing_relay": True})

    assert deliver_notifications.fn("close-out") == {"sent": 0, "failed": 0, "deferred": 0, LEFT_TO_RELAY: 1}
