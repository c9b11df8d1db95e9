"""The review-round and panel flows, on SQLite and PostgreSQL with S3 and SMTP servers: the administrators'
artifacts (assignment, both group means side by side, flags), panel attendance paid per day, a fee per
submitted review, and every applicant's summary statement e-mailed exactly once however often the panel
flow runs."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

from prefect import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy import func, select

from cogrant import synthetic
from cogrant.composition import App
from cogrant.stack.smtp import DevSMTPServer
from flows.review import panel, review_round
from models import Application, OutboxMessage, Payment
from models.base import utcnow
from models.enums import PaymentKind
from models.lifecycle import ApplicationStatus
from models.review import PanelAttendance, PanelDecision
from models.rounds import FundingRound
from models.schemas import PanelDayInput, PanelInput
from services.intake import screen_applications
from tests.support.stages import ACTOR, seed


async def _latest_table(key: str) -> Any:
    async with get_client() as client:
        [artifact] = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), limit=1, sort="CREATED_DESC"
        )
    return artifact.data


def _run_review_round(app: App) -> synthetic.SyntheticRound:
    seeded = seed(app)
    with app.unit_of_work() as uow:
        screen_applications(uow.session, seeded.application_ids, actor=ACTOR)
        uow.commit()
    asyncio.run(review_round(round_id=seeded.round_id))
    with app.unit_of_work() as uow:
        synthetic.submit_reviews(uow.session, round_id=seeded.round_id)
        uow.commit()
    asyncio.run(review_round(round_id=seeded.round_id))
    return seeded


def test_review_round_artifacts_and_fees(app: App) -> None:
    seeded = _run_review_round(app)
    assignment = asyncio.run(_latest_table(f"assignment-round-{seeded.round_id}"))
    scores = asyncio.run(_latest_table(f"scores-round-{seeded.round_id}"))
    text = str(assignment) + str(scores)
    for heading in ("reviewer type", "affinity", "lived experience mean", "scientist mean", "flags"):
        assert heading in text
    with app.unit_of_work() as uow:
        reviews = uow.session.scalar(
            select(func.count()).select_from(Payment).where(Payment.review_id.is_not(None))
        )
        at_panel = uow.session.scalar(select(func.count()).select_from(PanelDecision))
    assert at_panel >= 1
    assert reviews == 4 * at_panel  # one fee per submitted review (2 + 2 per application), never twice


def test_panel_pays_each_day_and_sends_each_summary_statement_once(
    app: App, smtp_server: DevSMTPServer
) -> None:
    seeded = _run_review_round(app)
    day = utcnow().date()
    decision = PanelInput(
        lived_experience_chair_id=seeded.lived_experience_chair_id,
        scientist_chair_id=seeded.scientist_chair_id,
        attendance=[
            PanelDayInput(
                day=day, attendee_ids=[seeded.lived_experience_chair_id, seeded.scientist_chair_id]
            ),
            PanelDayInput(
                day=day.replace(day=1) if day.day > 1 else day.replace(day=2),
                attendee_ids=[seeded.scientist_chair_id],
            ),
        ],
    )
    first = asyncio.run(panel(round_id=seeded.round_id, decision=decision))
    again = asyncio.run(panel(round_id=seeded.round_id, decision=decision))
    assert first["attendance"] == again["attendance"] == 3
    assert again["new_fee_records"] == 0
    with app.unit_of_work() as uow:
        session = uow.session
        assert session.scalar(select(func.count()).select_from(PanelAttendance)) == 3
        day_fees = session.scalars(select(Payment).where(Payment.kind == PaymentKind.PANEL_DAY_FEE)).all()
        assert Counter(p.payee_person_id for p in day_fees) == {
            seeded.scientist_chair_id: 2,
            seeded.lived_experience_chair_id: 1,
        }
        assert {p.amount for p in day_fees} == {Decimal("200.00")}
        decided = session.scalars(select(PanelDecision).where(PanelDecision.decided_at.is_not(None))).all()
        assert decided
        statements = list(
            session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.template == "summary_statement")
            )
        )
        references = {session.get(Application, d.application_id).reference for d in decided}
        decided_ids = {str(d.application_id) for d in decided}
    assert {key.split(":")[1] for key in statements} == decided_ids
    assert len(set(statements)) == len(statements)
    delivered = [
        message.parse()
        for message in smtp_server.messages
        if "What the reviewers said" in message.parse()["Subject"]
    ]
    assert len(delivered) == len(statements)
    bodies = " ".join(m.get_body(preferencelist=("plain",)).get_content() for m in delivered)
    assert "People with lived experience gave it" in bodies and "Scientists gave it" in bodies
    assert all(reference in bodies for reference in references)
    payments_table = asyncio.run(_latest_table("reviewer-payments"))
    assert "income (fees and vouchers)" in str(payments_table)


def test_the_applicant_of_a_project_not_funded_gets_the_statement_once_in_the_decision_email(
    app: App, smtp_server: DevSMTPServer
) -> None:
    seeded = _run_review_round(app)
    with app.unit_of_work() as uow:  # a pot for one project at most, so the rest are not funded
        uow.session.get(FundingRound, seeded.round_id).pot = Decimal("1")
        uow.commit()
    asyncio.run(
        panel(
            round_id=seeded.round_id,
            decision=PanelInput(
                lived_experience_chair_id=seeded.lived_experience_chair_id,
                scientist_chair_id=seeded.scientist_chair_id,
            ),
        )
    )
    with app.unit_of_work() as uow:
        session = uow.session
        not_funded = session.scalars(
            select(Application).where(Application.status == ApplicationStatus.NOT_FUNDED)
        ).all()
        assert not_funded
        for application in not_funded:
            to_applicant = Counter(
                template
                for template, key in session.execute(
                    select(OutboxMessage.template, OutboxMessage.dedupe_key).where(
                        OutboxMessage.to_address == application.applicant.email,
                        OutboxMessage.template.in_(["summary_statement", "application_not_funded"]),
                    )
                )
                if str(application.id) in key.split(":")
            )
            assert to_applicant == {"application_not_funded": 1}
            decision_email = session.scalar(
                select(OutboxMessage).where(
                    OutboxMessage.template == "application_not_funded",
                    OutboxMessage.to_address == application.applicant.email,
                )
            )
            assert f"/applications/{application.reference}/summary-statement" in decision_email.body_text
