"""Responsible for what an administrator sees before deciding awards, the same facts the paused runs'
forms show in the Prefect UI: the awards on a slate (or one award), the pot left and any budget
problems; and for trying an answer without keeping it, so a refused one is explained before it is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from models.awards import Award
from models.errors import NotFound
from models.rounds import FundingRound
from models.schemas import AwardDecisionInput, AwardSlateInput
from services.awards import awards_awaiting_approval, decide_award, decide_slate
from services.budget_checks import approval_problems, pot_left


@dataclass(frozen=True)
class AwardToDecide:
    award: Award
    problems: list[str]
    left_in_pot: Decimal  # the pot left beside every other award (this one's amount not counted)


@dataclass(frozen=True)
class DecisionSummary:
    funding_round: FundingRound
    awards: list[AwardToDecide]
    pot_left: Decimal

    @property
    def total(self) -> Decimal:
        return sum((item.award.amount for item in self.awards), Decimal("0"))

    @property
    def asks_community_share(self) -> bool:
        return bool(self.funding_round.review_config.get("community_share_rule"))


def _to_decide(session: Session, award: Award) -> AwardToDecide:
    application = award.application
    left = pot_left(session, application.round, leaving_out_award_ids=[award.id])
    problems = approval_problems(
        application, amount=award.amount, left_in_pot=left, community_partner_amount=None
    )
    return AwardToDecide(award=award, problems=problems, left_in_pot=left)


def slate_summary(session: Session, round_id: int) -> DecisionSummary:
    """The round's awards still awaiting approval, as the paused `award` run's slate shows them."""
    funding_round = session.get(FundingRound, round_id)
    if funding_round is None:
        raise NotFound(f"no round with id {round_id}")
    awards = awards_awaiting_approval(session, round_id=round_id)
    return DecisionSummary(
        funding_round=funding_round,
        awards=[_to_decide(session, award) for award in awards],
        pot_left=pot_left(session, funding_round),
    )


def award_summary(session: Session, award_id: int) -> DecisionSummary:
    """One award, as the paused `award-decision` run shows it (whatever its status now)."""
    award = session.get(Award, award_id)
    if award is None:
        raise NotFound(f"no award with id {award_id}")
    item = _to_decide(session, award)
    return DecisionSummary(funding_round=award.application.round, awards=[item], pot_left=item.left_in_pot)


def try_decision(session: Session, award_id: int, decision: AwardDecisionInput) -> None:
    """Apply the answer as the run will, then undo it: DomainError (already decided, above the maximum
    or the pot left, ...) if the run would refuse it."""
    _undone(session, lambda: decide_award(session, award_id, decision, actor="portal:trial"))


def try_slate(session: Session, award_ids: list[int], slate: AwardSlateInput) -> None:
    """As `try_decision`, for a slate's answer."""
    _undone(session, lambda: decide_slate(session, award_ids, slate, actor="portal:trial"))


def _undone(session: Session, decide: Callable[[], object]) -> None:
    events = list(session.info.get("events", []))
    try:
        decide()
    finally:
        session.rollback()
        session.info["events"] = events
