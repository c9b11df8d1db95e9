"""Responsible for awards: proposals from the panel, administrators' decisions, letters and tranches."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.applications import Application
from models.awards import Award, Milestone, Payment
from models.base import utcnow
from models.enums import AwardStatus, DocumentPurpose, PaymentKind, Recommendation
from models.errors import DomainError, DuplicateAction, NotFound
from models.lifecycle import ApplicationStatus
from models.review import PanelDecision
from models.schemas import AwardDecisionInput, AwardSlateInput
from models.status_change import change_status, change_statuses
from services.budget_checks import approval_problems, pot_left
from services.documents import RenderedPage, store_pages
from services.project_team import team_loaded
from services.rendering import render_document
from storage.documents import DocumentStore

S = ApplicationStatus
FIRST_TRANCHE_SHARE = Decimal("0.5")


@dataclass(frozen=True)
class PlannedMilestone:
    sequence: int
    title: str
    due_on: dt.date


def propose_awards(session: Session, *, round_id: int) -> list[Award]:
    """One award awaiting approval per application the panel recommends; re-runs add none twice."""
    recommended = session.scalars(
        select(Application)
        .join(PanelDecision, PanelDecision.application_id == Application.id)
        .where(
            Application.round_id == round_id,
            Application.status == S.PANEL,
            PanelDecision.recommendation == Recommendation.FUND,
        )
        .options(selectinload(Application.budget_lines))  # the amounts asked for, read for all at once
        .order_by(PanelDecision.rank)
    ).all()
    existing = set(
        session.scalars(
            select(Award.application_id).where(
                Award.application_id.in_([application.id for application in recommended])
            )
        )
    )
    for application in recommended:
        if application.id not in existing:
            session.add(
                Award(
                    application=application,
                    amount=application.requested_amount,
                    currency=application.round.currency,
                )
            )
    session.flush()
    return list(
        session.scalars(
            select(Award).join(Application).where(Application.round_id == round_id).order_by(Award.id)
        )
    )


def awards_awaiting_approval(session: Session, *, round_id: int) -> list[Award]:
    return list(
        session.scalars(
            select(Award)
            .join(Application)
            .where(Application.round_id == round_id, Award.status == AwardStatus.AWAITING_APPROVAL)
            .order_by(Award.id)
        )
    )


def decide_award(session: Session, award_id: int, decision: AwardDecisionInput, *, actor: str) -> Award:
    """Record an administrator's decision. An award is decided once: a second decision is refused, and an
    approval that breaks a money rule (maximum, pot left, involvement payments, community share) too."""
    award = session.get(Award, award_id)
    if award is None:
        raise NotFound(f"no award with id {award_id}")
    target, reason = _decide(session, award, decision, actor=actor, left_in_pot=None)
    change_status(session, award.application, target, actor=actor, reason=reason)
    session.flush()
    return award


def _decide(
    session: Session, award: Award, decision: AwardDecisionInput, *, actor: str, left_in_pot: Decimal | None
) -> tuple[ApplicationStatus, str]:
    """Record the decision on the award; the application's new status and why, for the caller to move it.
    `left_in_pot` beside every other award, or None to ask the database."""
    application = award.application
    if award.status != AwardStatus.AWAITING_APPROVAL:
        when = f" on {award.decided_at:%-d %B %Y}" if award.decided_at else ""
        raise DuplicateAction(
            f"the award for {application.reference} was already {award.status} by {award.decided_by}{when}; "
            "it cannot be decided again"
        )
    if decision.approve:
        amount = decision.amount if decision.amount is not None else award.amount
        if left_in_pot is None:
            left_in_pot = pot_left(session, application.round, leaving_out_award_ids=[award.id])
        problems = approval_problems(
            application,
            amount=amount,
            left_in_pot=left_in_pot,
            community_partner_amount=decision.community_partner_amount,
        )
        if problems:
            raise DomainError(f"{application.reference} cannot be approved: " + "; ".join(problems))
        award.amount, award.community_partner_amount = amount, decision.community_partner_amount
    award.status = AwardStatus.APPROVED if decision.approve else AwardStatus.DECLINED
    award.decided_by, award.decided_at = actor, utcnow()
    award.conditions, award.decision_note = decision.conditions, decision.note
    return (S.AWARDED if decision.approve else S.NOT_FUNDED), decision.note or str(award.status)


def decide_slate(
    session: Session, award_ids: list[int], slate: AwardSlateInput, *, actor: str
) -> dict[str, int]:
    """Apply an administrator's answer to a slate. A reference that is not on the slate stops it all,
    naming the reference, so a typo never approves or declines the wrong award. Awards decided meanwhile
    (in their own `award-decision` run) are left as they are."""
    awards = load_awards(session, award_ids)
    on_slate = {award.application.reference for award in awards}
    named = (
        set(slate.decline)
        | slate.amounts.keys()
        | slate.conditions.keys()
        | slate.community_partner_amounts.keys()
    )
    unknown = sorted(named - on_slate)
    if unknown:
        raise DomainError(
            f"not on this slate: {', '.join(unknown)}; nothing was decided, please answer again"
        )
    counts = {"approved": 0, "declined": 0, "left": 0}
    to_decide = [
        award
        for award in awards
        if award.status == AwardStatus.AWAITING_APPROVAL
        and (award.application.reference in slate.decline or slate.approve_the_rest)
    ]
    left_in_pot = _pots_left(session, to_decide)
    moves: dict[tuple[ApplicationStatus, str], list[Application]] = {}
    for award in to_decide:
        reference = award.application.reference
        decision = AwardDecisionInput(
            approve=reference not in slate.decline,
            amount=slate.amounts.get(reference),
            conditions=slate.conditions.get(reference, ""),
            note=slate.note,
            community_partner_amount=slate.community_partner_amounts.get(reference),
        )
        round_id = award.application.round_id
        move = _decide(session, award, decision, actor=actor, left_in_pot=left_in_pot[round_id])
        moves.setdefault(move, []).append(award.application)
        if decision.approve:
            left_in_pot[round_id] -= award.amount
        counts["approved" if decision.approve else "declined"] += 1
    for (target, reason), applications in moves.items():  # every award checked before any status moves
        change_statuses(session, applications, target, actor=actor, reason=reason)
    session.flush()
    counts["left"] = len(awards) - len(to_decide)
    return counts


def _pots_left(session: Session, awards: list[Award]) -> dict[int, Decimal]:
    """The pot left in each round of `awards`, beside every award but these (which the slate decides in
    turn, each approval taking its amount from the pot)."""
    rounds = {award.application.round_id: award.application.round for award in awards}
    return {
        round_id: pot_left(session, funding_round, leaving_out_award_ids=[award.id for award in awards])
        for round_id, funding_round in rounds.items()
    }


def plan_milestones(start: dt.date, months: int) -> list[PlannedMilestone]:
    """A start-up meeting in month 1, then a check-in every 3 months, and one at the end."""
    due_dates = [_add_months(start, 1), *[_add_months(start, m) for m in range(3, months, 3)]]
    if due_dates[-1] != _add_months(start, months):
        due_dates.append(_add_months(start, months))
    titles = ["Start-up meeting", *[f"Check-in {n}" for n in range(1, len(due_dates) - 1)], "End of project"]
    return [
        PlannedMilestone(n + 1, title, due)
        for n, (title, due) in enumerate(zip(titles, due_dates, strict=True))
    ]


def split_tranches(amount: Decimal, count: int) -> list[Decimal]:
    """Half up front, the rest evenly over the later milestones; pennies left over go to the last."""
    if count == 1:
        return [amount]
    first = (amount * FIRST_TRANCHE_SHARE).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    each = ((amount - first) / (count - 1)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return [first, *[each] * (count - 2), amount - first - each * (count - 2)]


def _plan_milestones(award: Award, *, start: dt.date) -> None:
    """Dates and milestones for an approved award that has none yet."""
    application = award.application
    if award.status != AwardStatus.APPROVED:
        raise DomainError(f"award {award.id} is {award.status}, not approved")
    if award.start_date is None:
        award.start_date = start
        award.end_date = _add_months(start, application.duration_months)
    if not award.milestones:
        plan = plan_milestones(award.start_date, application.duration_months)
        award.milestones = [Milestone(sequence=m.sequence, title=m.title, due_on=m.due_on) for m in plan]


def _plan_tranches_and_letter(award: Award) -> RenderedPage | None:
    """Tranches for an award whose milestones are saved; its letter (HTML and PDF) if it has none."""
    application = award.application
    if not award.payments:
        amounts = split_tranches(award.amount, len(award.milestones))
        award.payments = [
            Payment(
                milestone_id=milestone.id,
                sequence=milestone.sequence,
                kind=PaymentKind.TRANCHE,
                amount=amount,
                currency=award.currency,
                due_on=award.start_date if n == 0 else milestone.due_on,
            )
            for n, (milestone, amount) in enumerate(zip(award.milestones, amounts, strict=True))
        ]
    if award.letter_document_id is not None:
        return None
    return RenderedPage(
        application,
        DocumentPurpose.AWARD_LETTER,
        f"awards/{application.reference}/award-letter",
        award_letter_html(award),
    )


def award_letter_html(award: Award) -> str:
    """The award letter as a page: the offer, its dates, conditions and payment plan (milestones and tranches
    already planned)."""
    application = award.application
    return render_document(
        "award_letter.html", {"award": award, "application": application, "funding_round": application.round}
    )


def set_up_awards(
    session: Session, store: DocumentStore, awards: list[Award], *, start: dt.date, actor: str
) -> None:
    """Letters, milestones and tranches for approved awards, then delivery starts. Safe to repeat."""
    for award in awards:
        _plan_milestones(award, start=start)
    session.flush()  # every new milestone gets its id at once, for the tranches tied to it
    pages = {award.id: _plan_tranches_and_letter(award) for award in awards}
    to_render = {award_id: page for award_id, page in pages.items() if page is not None}
    letters = dict(zip(to_render, store_pages(session, store, list(to_render.values())), strict=True))
    for award in awards:
        if award.id in letters:
            html, pdf = letters[award.id]
            award.letter_document_id, award.letter_pdf_document_id = html.id, pdf.id
    session.flush()
    starting = [award.application for award in awards if award.application.status == S.AWARDED]
    change_statuses(session, starting, S.IN_DELIVERY, actor=actor, reason="award letter and payments set")


def letters_to_come(session: Session, awards: list[Award], *, start: dt.date) -> list[str]:
    """The letters (HTML) `set_up_awards` would write for these awards, worked out without saving
    anything (the caller rolls back), so their PDFs can be rendered ahead (services.pdfs_ahead)."""
    approved = [award for award in awards if award.status == AwardStatus.APPROVED]
    with session.no_autoflush:
        for award in approved:
            _plan_milestones(award, start=start)
        pages = [_plan_tranches_and_letter(award) for award in approved]
    return [page.html for page in pages if page is not None]


def load_awards(session: Session, award_ids: list[int]) -> list[Award]:
    """The awards with these ids, in that order, with what deciding on them and issuing their letters
    reads (the application, its team and budget, milestones and payments), loaded for all at once."""
    awards = {
        award.id: award
        for award in session.scalars(
            select(Award)
            .where(Award.id.in_(award_ids))
            .options(
                selectinload(Award.milestones),
                selectinload(Award.payments),
                selectinload(Award.application).selectinload(Application.budget_lines),
                *team_loaded(Award.application),
            )
        )
    }
    missing = [award_id for award_id in award_ids if award_id not in awards]
    if missing:
        raise NotFound(f"no award with id {', '.join(map(str, missing))}")
    return [awards[award_id] for award_id in award_ids]


def approved_awards_to_set_up(session: Session, *, round_id: int) -> list[Award]:
    return list(
        session.scalars(
            select(Award)
            .join(Application)
            .where(Application.round_id == round_id, Application.status == S.AWARDED)
            .order_by(Award.id)
        )
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
