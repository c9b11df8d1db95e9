"""Responsible for the review-round and panel flows, and the artifacts administrators read in Prefect."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy import select

from flows.notifications import deliver_notifications
from flows.runtime import get_app, own_code
from models.applications import Application
from models.base import utcnow
from models.errors import NotFound
from models.lifecycle import ApplicationStatus
from models.people import Person
from models.review import Assignment, PanelDecision
from models.rounds import FundingRound
from models.schemas import PanelInput
from services.panel import decide_round
from services.panel_days import record_attendance
from services.payment_totals import reviewers_payments, totals_table
from services.project_team import team_loaded
from services.review_round import assign_round, move_reviewed_to_panel, nominated_applications
from services.reviewer_payments import record_round_fees

ACTOR = "flow:review-round"


def _round(session: Any, round_id: int) -> FundingRound:
    funding_round = session.get(FundingRound, round_id)
    if funding_round is None:
        raise NotFound(f"no funding round with id {round_id}")
    return funding_round


@task(name="assign-joint-panels", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def assign_panels(round_id: int) -> dict[str, Any]:
    app = get_app()
    with own_code("review"), app.unit_of_work() as uow:
        outcome = assign_round(uow.session, _round(uow.session, round_id), now=utcnow(), actor=ACTOR)
        uow.session.flush()
        app.notifier.reviewers_assigned(uow.session, outcome.new_assignments)
        uow.commit()
        return {"new": len(outcome.new_assignments), "shortfalls": outcome.shortfall_messages}


@task(name="aggregate-scores", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def aggregate_scores(round_id: int) -> list[dict[str, Any]]:
    app = get_app()
    with own_code("review"), app.unit_of_work() as uow:
        funding_round = _round(uow.session, round_id)
        scores = move_reviewed_to_panel(uow.session, funding_round, actor=ACTOR)
        record_round_fees(uow.session, funding_round)
        uow.commit()
        references = dict(
            uow.session.execute(
                select(Application.id, Application.reference).where(Application.round_id == round_id)
            )
            .tuples()
            .all()
        )
        discussed = set(
            uow.session.scalars(
                select(PanelDecision.application_id).where(
                    PanelDecision.round_id == round_id, PanelDecision.discussed.is_(True)
                )
            )
        )
        nominated = nominated_applications(uow.session, funding_round)
    return [
        {
            "application": references[s.application_id],
            "lived experience mean": s.lived_experience_mean,
            "scientist mean": s.scientist_mean,
            "community mean": s.community_mean,
            "final score": s.final_score,
            "flags": ", ".join(s.flags) or "-",
            "nominated": "yes" if s.application_id in nominated else "-",
            "discuss at panel": "yes" if s.application_id in discussed else "-",
        }
        for s in scores
    ]


def _assignment_table(round_id: int) -> list[dict[str, Any]]:
    app = get_app()
    with own_code("review"), app.unit_of_work() as uow:
        rows = uow.session.execute(
            select(
                Application.reference,
                Assignment.reviewer_type,
                Assignment.reviewer_id,
                Person.name,
                Assignment.source,
                Assignment.affinity,
            )
            .join(Application, Application.id == Assignment.application_id)
            .join(Person, Person.id == Assignment.reviewer_id)
            .where(Assignment.round_id == round_id)
            .order_by(Application.id, Assignment.reviewer_type)
        ).all()
    return [
        {
            "application": ref,
            "reviewer type": str(kind),
            "reviewer id": rid,
            "reviewer": name,
            "how": str(source),
            "affinity": round(aff, 3),
        }
        for ref, kind, rid, name, source, aff in rows
    ]


def _payments_table() -> list[dict[str, Any]]:
    app = get_app()
    with own_code("review"), app.unit_of_work() as uow:
        return totals_table(reviewers_payments(uow.session, app.settings.tax_year_start_month_day))


async def _publish_payments() -> None:
    table = _payments_table()
    if table:
        await acreate_table_artifact(
            key="reviewer-payments",
            table=table,
            description="Reviewers' payments per tax year: income (fees and vouchers) and expenses apart",
        )


def _rounds_in_review() -> list[int]:
    app = get_app()
    with own_code("review"), app.unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(Application.round_id)
                .where(Application.status.in_([ApplicationStatus.IN_REVIEW, ApplicationStatus.PANEL]))
                .distinct()
                .order_by(Application.round_id)
            )
        )


async def _review_one_round(round_id: int) -> dict[str, Any]:
    assigned = assign_panels(round_id)
    scores = aggregate_scores(round_id)
    await acreate_table_artifact(
        key=f"assignment-round-{round_id}",
        table=_assignment_table(round_id),
        description="Joint review panels (lived experience and scientists)",
    )
    if scores:
        await acreate_table_artifact(
            key=f"scores-round-{round_id}",
            table=scores,
            description="Both group means side by side, with disagreement flags",
        )
    if assigned["shortfalls"]:
        await acreate_markdown_artifact(
            key=f"assignment-shortfalls-round-{round_id}",
            markdown="# Reviewer shortfalls\n\n" + "\n".join(f"- {m}" for m in assigned["shortfalls"]),
        )
    return {"new_assignments": assigned["new"], "shortfalls": assigned["shortfalls"], "scored": len(scores)}


@flow(name="review-round", log_prints=True)
async def review_round(round_id: int | None = None) -> dict[str, Any]:
    """Assign joint panels to applications in review, then move those with every review in to panel.

    Run it daily while reviews come in (for one round, or every round with work in review):
    assignments already made stay, and nothing is done twice."""
    totals: dict[str, Any] = {"new_assignments": 0, "shortfalls": [], "scored": 0}
    for one_round in [round_id] if round_id is not None else _rounds_in_review():
        result = await _review_one_round(one_round)
        totals["new_assignments"] += result["new_assignments"]
        totals["shortfalls"] += result["shortfalls"]
        totals["scored"] += result["scored"]
    await _publish_payments()
    deliver_notifications("review")
    return totals


@task(name="record-panel-decisions", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def record_panel(round_id: int, panel_input: PanelInput) -> dict[str, Any]:
    app = get_app()
    with own_code("panel"), app.unit_of_work() as uow:
        funding_round = _round(uow.session, round_id)
        attended = record_attendance(uow.session, funding_round, panel_input.attendance, actor=ACTOR)
        funded = decide_round(uow.session, funding_round, panel_input, actor=ACTOR)
        fees = record_round_fees(uow.session, funding_round)
        decided = uow.session.scalars(
            select(PanelDecision)
            .where(PanelDecision.round_id == round_id, PanelDecision.decided_at.is_not(None))
            .options(*team_loaded(PanelDecision.application))
        ).all()
        app.notifier.summary_statements(uow.session, list(decided))
        uow.commit()
    return {"recommended": funded, "attendance": len(attended), "new_fee_records": len(fees)}


@flow(name="panel", log_prints=True)
async def panel(round_id: int, decision: PanelInput) -> dict[str, Any]:
    """Record the co-chaired panel: who came on which day (each paid a panel-day fee), final scores and
    the ranked recommendation within the pot; then every applicant is sent their summary statement, once."""
    result = record_panel(round_id, decision)
    await _publish_payments()
    deliver_notifications("panel")
    return result
