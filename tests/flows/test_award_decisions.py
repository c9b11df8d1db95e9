"""Administrators' answers to paused award runs: one award, a slate with exceptions, a mistyped reference."""

from __future__ import annotations

import asyncio
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cogrant.composition import App
from flows.award import (
    AwardSlateDecision,
    answer_award_decision,
    award,
    award_decision,
    paused_award_decisions,
)
from models import Award, OutboxMessage
from models.enums import AwardStatus
from models.errors import DomainError
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


def test_one_award_declined_with_a_note_is_not_funded_and_told_so(app: App) -> None:
    award_id = proposed(app)[0]
    answer = AwardDecisionInput(approve=False, note="It overlaps a grant we already made")

    status = asyncio.run(
        _run_and_answer(award_decision(award_id=award_id, poll_interval_seconds=1), "award-decision", answer)
    )

    assert status == AwardStatus.DECLINED
    with app.unit_of_work() as uow:
        award = uow.session.get(Award, award_id)
        assert award.decision_note == "It overlaps a grant we already made"
        assert award.application.status == S.NOT_FUNDED and award.letter_document_id is None
        assert award.decided_by.startswith("administrator via Prefect UI (run ")
        told = uow.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.template == "application_not_funded")
        )
    assert told == 1


def test_an_amount_above_the_maximum_fails_the_run_and_decides_nothing(app: App) -> None:
    award_id = proposed(app)[0]
    answer = AwardDecisionInput(approve=True, amount=Decimal("75000"))

    state = asyncio.run(
        _run_and_answer(
            award_decision(award_id=award_id, poll_interval_seconds=1, return_state=True),
            "award-decision",
            answer,
        )
    )

    assert state.is_failed()
    with pytest.raises(
        DomainError, match=re.escape("75,000.00 GBP is above this round's maximum award of 25,000.00 GBP")
    ):
        state.result()
    [(_, award_status, _, application_status, _)] = _awards(app, [award_id])
    assert (award_status, application_status) == (AwardStatus.AWAITING_APPROVAL, S.PANEL)


def test_a_slate_with_new_amounts_conditions_and_a_note_puts_them_in_the_letters(app: App) -> None:
    award_ids = proposed(app)
    with app.unit_of_work() as uow:
        round_id = uow.session.get(Award, award_ids[0]).application.round_id
        changed = uow.session.get(Award, award_ids[0]).application.reference
    answer = AwardSlateDecision(
        amounts={changed: Decimal("7500")},
        conditions={changed: "Ethics approval before the first payment"},
        note="Approved at the March meeting",
    )

    result = asyncio.run(_run_and_answer(award(round_id=round_id, poll_interval_seconds=1), "award", answer))

    assert result["approved"] == result["set_up"] == len(award_ids)
    with app.unit_of_work() as uow:
        award_row = uow.session.get(Award, award_ids[0])
        assert award_row.amount == Decimal("7500") and sum(p.amount for p in award_row.payments) == Decimal(
            "7500"
        )
        pdf_key = award_row.letter_pdf.key
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(app.store.get(pdf_key))).pages
    )
    assert "7,500.00 GBP" in text and "Ethics approval before the first payment" in text
    assert "Approved at the March meeting" in text
