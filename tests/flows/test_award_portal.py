"""Award decisions answered in the portal, under prefect_test_harness: the administrators' page lists the
paused `award` and `award-decision` runs with what the Prefect UI shows, and its form resumes a run
through the Prefect API; the run completes with the decision recorded. A run answered already is never
answered twice, and an answer the rules refuse is explained while the run keeps waiting."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prefect.settings import PREFECT_API_URL
from sqlalchemy import select

from cogrant.composition import App
from flows.award import award, award_decision
from models import Award
from models.enums import AwardStatus, Role
from models.lifecycle import ApplicationStatus
from services.people import get_or_create_person, grant_role
from tests.support.stages import proposed
from tests.web.conftest import PUBLIC_URL, Browser, Portal
from web.app import create_app

ADMIN = "alex.admin@example.org"
OTHER = "bea.admin@example.org"
S = ApplicationStatus


@pytest.fixture
def admin(app: App) -> Browser:
    """An administrator signed in to the portal, which reaches the harness's Prefect server."""
    app.prefect_api_url = PREFECT_API_URL.value()
    app.notifier = dataclasses.replace(app.notifier, public_url=PUBLIC_URL)
    with app.unit_of_work() as uow:
        person = get_or_create_person(uow.session, name="Alex Admin", email=ADMIN)
        grant_role(uow.session, person, Role.ADMINISTRATOR)
        uow.commit()
    portal = Portal(app)
    web = create_app(app, start_intake=lambda _: None)
    browser = Browser(TestClient(web, base_url=PUBLIC_URL, follow_redirects=False), portal)
    browser.sign_in(ADMIN)
    return browser


async def _when_listed(browser: Browser, text: str, running: asyncio.Future[Any]) -> str:
    """Wait until the award decisions page lists a paused run showing `text`; that run's path."""
    while not running.done():
        page = await asyncio.to_thread(browser.get, "/admin/awards")
        for row in page.text.split('<tr class="govuk-table__row">')[2:]:  # after the header row
            found = re.search(r'href="(/admin/awards/[0-9a-f-]{36})"', row)
            if found and text in row:
                return found.group(1)
        await asyncio.sleep(0.3)
    raise AssertionError(f"the run ended without pausing: {running.result()}")


async def _answer(browser: Browser, path: str, data: dict[str, str]) -> Any:
    """Post the form; while the run's form is not saved yet, the page says so, and we send it again."""
    while True:
        await asyncio.to_thread(browser.get, path)
        response = await asyncio.to_thread(browser.post, path, data)
        if response.status_code != 503:
            return response
        await asyncio.sleep(0.3)


def _run(flow_call: Awaitable[Any], scenario: Callable[[asyncio.Future[Any]], Awaitable[Any]]) -> Any:
    async def both() -> tuple[Any, Any]:
        running = asyncio.ensure_future(flow_call)
        seen = await scenario(running)
        return seen, await running

    return asyncio.run(both())


def _award(app: App, award_id: int) -> tuple[AwardStatus, Decimal, S, str, str]:
    with app.unit_of_work() as uow:
        a = uow.session.get(Award, award_id)
        return a.status, a.amount, a.application.status, a.conditions, a.decision_note


def test_one_award_is_approved_from_the_portal_and_the_run_completes(app: App, admin: Browser) -> None:
    award_id = proposed(app)[0]
    with app.unit_of_work() as uow:
        reference = uow.session.get(Award, award_id).application.reference

    async def scenario(running: asyncio.Future[Any]) -> tuple[str, Any, Any]:
        path = await _when_listed(admin, reference, running)
        page = await asyncio.to_thread(admin.get, path)
        answer = {f"decision_{award_id}": "approve", f"amount_{award_id}": "9000"}
        answer |= {f"conditions_{award_id}": "Ethics approval first", "note": "Approved in the portal"}
        return page.text, await _answer(admin, path, answer), path

    flow_call = award_decision(award_id=award_id, poll_interval_seconds=1)
    (page, response, path), status = _run(flow_call, scenario)

    assert "Left in the pot" in page and "Decide one award" in page and reference in page
    assert response.status_code == 303, response.text
    assert status == AwardStatus.APPROVED
    assert _award(app, award_id) == (
        AwardStatus.APPROVED,
        Decimal("9000"),
        S.IN_DELIVERY,
        "Ethics approval first",
        "Approved in the portal",
    )

    with app.unit_of_work() as uow:
        decided_by = uow.session.get(Award, award_id).decided_by
    assert decided_by.startswith(f"Alex Admin <{ADMIN}> via the portal (run ")  # who answered, for the audit

    again = admin.post(path, {f"decision_{award_id}": "decline", "note": "Changed my mind"})
    assert again.status_code == 409 and "This run was already answered" in again.text
    assert _award(app, award_id)[0] == AwardStatus.APPROVED


def test_a_slate_is_answered_from_the_portal_declining_one(app: App, admin: Browser) -> None:
    award_ids = proposed(app)
    with app.unit_of_work() as uow:
        round_id = uow.session.get(Award, award_ids[0]).application.round_id
        references = [uow.session.get(Award, n).application.reference for n in award_ids]

    async def scenario(running: asyncio.Future[Any]) -> Any:
        path = await _when_listed(admin, references[-1], running)
        page = await asyncio.to_thread(admin.get, path)
        assert "The panel's slate" in page.text
        assert all(reference in page.text for reference in references)
        answer = {f"decision_{n}": "approve" for n in award_ids} | {f"decision_{award_ids[1]}": "decline"}
        answer |= {f"amount_{award_ids[0]}": "7500", "note": "Decided at the March meeting"}
        return await _answer(admin, path, answer)

    response, result = _run(award(round_id=round_id, poll_interval_seconds=1), scenario)

    assert response.status_code == 303, response.text
    assert (result["approved"], result["declined"]) == (len(award_ids) - 1, 1)
    assert _award(app, award_ids[1])[2] == S.NOT_FUNDED
    assert _award(app, award_ids[0])[:3] == (AwardStatus.APPROVED, Decimal("7500"), S.IN_DELIVERY)
    with app.unit_of_work() as uow:
        statuses = set(uow.session.scalars(select(Award.status).where(Award.id.in_(award_ids))))
    assert statuses == {AwardStatus.APPROVED, AwardStatus.DECLINED}


def test_an_answer_the_rules_refuse_is_explained_and_the_run_keeps_waiting(app: App, admin: Browser) -> None:
    award_id = proposed(app)[0]
    with app.unit_of_work() as uow:
        reference = uow.session.get(Award, award_id).application.reference

    async def scenario(running: asyncio.Future[Any]) -> tuple[Any, Any, Any]:
        path = await _when_listed(admin, reference, running)
        approve = {f"decision_{award_id}": "approve"}
        too_much = await _answer(admin, path, approve | {f"amount_{award_id}": "75000"})
        typo = await _answer(admin, path, approve | {f"amount_{award_id}": "lots"})
        declined = await _answer(admin, path, {f"decision_{award_id}": "decline", "note": "Overlaps a grant"})
        return too_much, typo, declined

    (too_much, typo, declined), status = _run(
        award_decision(award_id=award_id, poll_interval_seconds=1), scenario
    )

    assert too_much.status_code == 409 and "above this round&#39;s maximum award" in too_much.text
    assert "Nothing was decided and the run is still waiting" in too_much.text
    assert typo.status_code == 400 and "Enter the amount for " + reference + " in numbers" in typo.text
    assert declined.status_code == 303 and status == AwardStatus.DECLINED
    assert _award(app, award_id)[::2] == (AwardStatus.DECLINED, S.NOT_FUNDED, "Overlaps a grant")


def test_two_administrators_answering_one_run_at_once_decide_once(app: App, admin: Browser) -> None:
    award_id = proposed(app)[0]
    with app.unit_of_work() as uow:
        reference = uow.session.get(Award, award_id).application.reference
        person = get_or_create_person(uow.session, name="Bea Admin", email=OTHER)
        grant_role(uow.session, person, Role.ADMINISTRATOR)
        uow.commit()
    other = Browser(TestClient(admin.http.app, base_url=PUBLIC_URL, follow_redirects=False), admin.portal)
    other.sign_in(OTHER)
    answers = [
        (admin, {f"decision_{award_id}": "approve", "note": "Approve it"}),
        (other, {f"decision_{award_id}": "decline", "note": "Decline it"}),
    ]

    async def scenario(running: asyncio.Future[Any]) -> list[Any]:
        path = await _when_listed(admin, reference, running)
        await asyncio.sleep(2)  # the run's form is saved
        for browser, _ in answers:
            await asyncio.to_thread(browser.get, path)
        posts = [asyncio.to_thread(browser.post, path, answer) for browser, answer in answers]
        return await asyncio.gather(*posts)

    responses, status = _run(award_decision(award_id=award_id, poll_interval_seconds=1), scenario)

    assert sorted(response.status_code for response in responses) == [303, 409]
    refused = next(response for response in responses if response.status_code == 409)
    assert "This run was already answered" in refused.text
    winner = next(answer for (_, answer), r in zip(answers, responses, strict=True) if r.status_code == 303)
    assert _award(app, award_id)[4] == winner["note"]
    assert status == (AwardStatus.APPROVED if winner["note"] == "Approve it" else AwardStatus.DECLINED)
