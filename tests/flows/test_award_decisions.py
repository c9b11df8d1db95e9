"""Administrators' answers to paused award runs: one award, a slate with exceptions, a mistyped reference."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from cogrant.composition import App
from flows.award import (
    AwardSlateDecision,
    answer_award_decision,
    award,
    award_decision,
    paused_award_decisions,
)
from models import Award
from models.enums import AwardStatus
from models.lifecycle import ApplicationStatus
from models.schemas import AwardDecisionInput
from tests.support.stages import proposed

S = ApplicationStatus


async def _answer_when_paused(flow_name: str, answer: Any, running: asyncio.Future[Any]) -> None:
    while not running.done():
        for flow_run in await paused_award_decisions(flow_name):
            try:
                await answer_award_decision(flow_run.id, answer)
                return
            except RuntimeError as error:  # paused a moment before its form was saved
                if "schema not found" not in str(error):
                    raise
        await asyncio.sleep(0.2)


async def _run_and_answer(flow_call: Any, flow_name: str, answer: Any) -> Any:
    running = asyncio.ensure_future(flow_call)
    await _answer_when_paused(flow_name, answer, running)
    return await running


def _awards(app: App, award_ids: list[int]) -> list[tuple[str, AwardStatus, Decimal, S, str]]:
    with app.unit_of_work() as uow:
        rows = [uow.session.get(Award, award_id) for award_id in award_ids]
        return [
            (a.application.reference, a.status, a.amount, a.application.status, a.conditions) for a in rows
        ]


def test_one_award_approved_with_a_new_amount_is_set_up_at_once(app: App) -> None:
    award_id = proposed(app)[0]
    answer = AwardDecisionInput(approve=True, amount=Decimal("9000"), conditions="Ethics approval first")

    status = asyncio.run(
        _run_and_answer(award_decision(award_id=award_id, poll_interval_seconds=1), "award-decision", answer)
    )

    [(_, award_status, amount, application_status, conditions)] = _awards(app, [award_id])
    assert status == AwardStatus.APPROVED
    assert (award_status, amount, application_status) == (
        AwardStatus.APPROVED,
        Decimal("9000"),
        S.IN_DELIVERY,
    )
    assert conditions == "Ethics approval first"
    assert asyncio.run(award_decision(award_id=award_id)) == AwardStatus.APPROVED  # decided: no pause


def test_a_slate_declines_the_named_ones_and_approves_the_rest(app: App) -> None:
    award_ids = proposed(app)
    with app.unit_of_work() as uow:
        round_id = uow.session.get(Award, award_ids[0]).application.round_id
        declined = uow.session.get(Award, award_ids[1]).application.reference
    answer = AwardSlateDecision(decline=[declined], note="One declined: overlaps another grant")

    result = asyncio.run(_run_and_answer(award(round_id=round_id, poll_interval_seconds=1), "award", answer))

    assert (result["approved"], result["declined"]) == (len(award_ids) - 1, 1)
    statuses = {
        reference: application_status for reference, _, _, application_status, _ in _awards(app, award_ids)
    }
    assert statuses.pop(declined) == S.NOT_FUNDED
    assert set(statuses.values()) == {S.IN_DELIVERY}


def test_a_mistyped_reference_decides_nothing_and_says_which(app: App) -> None:
    award_ids = proposed(app)
    with app.unit_of_work() as uow:
        round_id = uow.session.get(Award, award_ids[0]).application.round_id
    answer = AwardSlateDecision(decline=["CG-999-99999"])

    state = asyncio.run(
        _run_and_answer(award(round_id=round_id, poll_interval_seconds=1, return_state=True), "award", answer)
    )

    assert state.is_failed()
    with pytest.raises(Exception, match="not on this slate: CG-999-99999"):
        state.result()
    assert {(row[1], row[3]) for row in _awards(app, award_ids)} == {(AwardStatus.AWAITING_APPROVAL, S.PANEL)}
