"""Responsible for driving one synthetic round through every stage's flow, as its people would.

The demo, the lifecycle benchmark and the whole-lifecycle test all use this: applicants submit,
reviewers review, the panel meets, an administrator answers each paused award decision, projects check
in on their milestone dates and send final reports. Only the people are simulated; every stage runs as
the real Prefect flow over the real services.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from cogrant import synthetic
from cogrant.composition import App
from flows.award import AwardSlateDecision, answer_award_decision, award, paused_award_decisions
from flows.delivery import close_out, milestone_check_ins
from flows.intake import intake
from flows.review import panel, review_round
from flows.runtime import install_app, own_code_seconds, reset_own_code_seconds
from models.applications import Application, Document
from models.awards import Award, Milestone
from models.base import utcnow
from models.enums import DocumentPurpose, OutboxStatus
from models.outbox import OutboxMessage
from models.schemas import PanelDayInput, PanelInput
from notifications.relay import RELAY_CONNECTIONS, send_pending
from notifications.standing_relay import wait_until_sent

Progress = Callable[[str], None]
RELAY_WAIT_SECONDS = 600


@dataclass
class RoundSummary:
    round_id: int
    applications: int
    statuses: dict[str, int]
    emails_sent: int
    celebration_keys: list[str]
    stage_seconds: dict[str, float] = field(default_factory=dict)  # the flows of each stage
    own_code_seconds: dict[str, float] = field(default_factory=dict)  # cogrant's code inside those flows
    people_seconds: dict[str, float] = field(default_factory=dict)  # the simulated people, by what they do


async def approve_awards_while(
    running: asyncio.Task[Any], *, note: str = "Approved as the panel recommended"
) -> int:
    """Act as the administrator: approve each paused award slate until the award flow ends."""
    answered: set[Any] = set()
    while not running.done():
        for flow_run in await paused_award_decisions():
            if flow_run.id in answered:
                continue
            try:
                await answer_award_decision(flow_run.id, AwardSlateDecision(note=note))
            except RuntimeError as error:
                # Paused a moment before its form was saved: answer it on the next pass.
                if "schema not found" not in str(error):
                    raise
                continue
            answered.add(flow_run.id)
        await asyncio.sleep(0.3)
    return len(answered)


async def drive_round(
    app: App,
    *,
    applications: int = 24,
    reviewers: int = 16,
    seed: int = 7,
    progress: Progress = lambda message: None,
) -> RoundSummary:
    install_app(app)
    reset_own_code_seconds()
    stages: dict[str, float] = {}

    def timed(stage: str, began: float) -> None:
        stages[stage] = round(stages.get(stage, 0.0) + time.perf_counter() - began, 3)

    began = time.perf_counter()
    with app.unit_of_work() as uow:
        seeded = synthetic.seed_round(uow.session, applications=applications, reviewers=reviewers, seed=seed)
        uow.commit()
    round_id = seeded.round_id
    timed("people:apply", began)
    progress(f"Seeded round {round_id}: {applications} applications submitted, {reviewers} reviewers")

    began = time.perf_counter()
    screened = await intake(round_id=round_id)
    timed("intake", began)
    progress(f"Intake: {screened['eligible']} eligible, {screened['ineligible']} not eligible")

    began = time.perf_counter()
    assigned = await review_round(round_id=round_id)
    timed("review", began)
    began = time.perf_counter()
    with app.unit_of_work() as uow:
        reviews = synthetic.submit_reviews(uow.session, round_id=round_id, seed=seed)
        uow.commit()
    timed("people:review", began)
    began = time.perf_counter()
    scored = await review_round(round_id=round_id)
    timed("review", began)
    progress(
        f"Joint review: {assigned['new_assignments']} assignments, {reviews} reviews, "
        f"{scored['scored']} scored"
    )

    began = time.perf_counter()
    decided = await panel(
        round_id=round_id,
        decision=PanelInput(
            lived_experience_chair_id=seeded.lived_experience_chair_id,
            scientist_chair_id=seeded.scientist_chair_id,
            # The co-chairs' panel day, paid at the round's panel-day rate.
            attendance=[
                PanelDayInput(
                    day=utcnow().date(),
                    attendee_ids=[seeded.lived_experience_chair_id, seeded.scientist_chair_id],
                )
            ],
        ),
    )
    timed("panel", began)
    progress(f"Panel: {len(decided['recommended'])} recommended within the pot")

    began = time.perf_counter()
    award_run = asyncio.ensure_future(award(round_id=round_id, poll_interval_seconds=1))
    await approve_awards_while(award_run)
    awarded = await award_run
    timed("award", began)
    progress(
        f"Award: {awarded['approved']} approved by an administrator, "
        f"{awarded['set_up']} letters and schedules"
    )

    began = time.perf_counter()
    with app.unit_of_work() as uow:
        synthetic.accept_offers(uow.session, round_id=round_id)
        uow.commit()
    timed("people:accept", began)
    for due in _milestone_dates(app, round_id):
        began = time.perf_counter()
        with app.unit_of_work() as uow:
            synthetic.file_check_ins(uow.session, round_id=round_id, due_by=due)
            synthetic.approve_check_ins(uow.session, round_id=round_id, notifier=app.notifier)
            uow.commit()
        timed("people:check-in", began)
        began = time.perf_counter()
        await milestone_check_ins(today=due)
        timed("check-ins", began)
    progress("Check-ins: every milestone reported and every tranche released")

    began = time.perf_counter()
    with app.unit_of_work() as uow:
        synthetic.file_final_reports(uow.session, round_id=round_id)
        uow.commit()
    timed("people:report", began)
    began = time.perf_counter()
    closed = await close_out(round_id=round_id)
    timed("close-out", began)
    progress(f"Close-out: {closed['celebrated']} celebration reports shared")
    began = time.perf_counter()
    if _finish_sending(app):
        progress("E-mail: the relay has sent every e-mail")
    timed("e-mail", began)
    return _summary(app, round_id, applications, stages)


def _finish_sending(app: App) -> bool:
    """Wait for the standing relay to send what the stages queued (or send it here if it has stopped),
    so the summary counts every e-mail. True if there was a standing relay to wait for."""
    if app.standing_relay_running():
        left = wait_until_sent(app.sessions, timeout=RELAY_WAIT_SECONDS)
        if left == 0:
            return True
    send_pending(app.sessions, app.smtp, connections=RELAY_CONNECTIONS)
    return False


def _milestone_dates(app: App, round_id: int) -> list[Any]:
    with app.unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(Milestone.due_on)
                .join(Award)
                .join(Application)
                .where(Application.round_id == round_id)
                .distinct()
                .order_by(Milestone.due_on)
            )
        )


def _summary(app: App, round_id: int, applications: int, stages: dict[str, float]) -> RoundSummary:
    with app.unit_of_work() as uow:
        statuses = dict(
            uow.session.execute(
                select(Application.status, func.count())
                .where(Application.round_id == round_id)
                .group_by(Application.status)
            )
            .tuples()
            .all()
        )
        sent = uow.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT)
        )
        keys = list(
            uow.session.scalars(
                select(Document.key)
                .join(Application)
                .where(
                    Application.round_id == round_id, Document.purpose == DocumentPurpose.CELEBRATION_REPORT
                )
                .order_by(Document.id)
            )
        )
    people = {stage.split(":")[1]: stages.pop(stage) for stage in list(stages) if stage.startswith("people:")}
    return RoundSummary(
        round_id=round_id,
        applications=applications,
        statuses={str(k): v for k, v in sorted(statuses.items())},
        emails_sent=sent or 0,
        celebration_keys=keys,
        stage_seconds=stages,
        people_seconds=people,
        own_code_seconds={k: round(v, 3) for k, v in own_code_seconds().items()},
    )
