"""Responsible for taking a synthetic round to a given stage through the services, for flow tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cogrant import synthetic
from cogrant.composition import App
from models import Award, FundingRound
from models.base import utcnow
from models.schemas import AwardDecisionInput, PanelInput
from services.awards import decide_award, propose_awards, set_up_awards
from services.intake import screen_applications
from services.milestones import sweep_check_ins
from services.panel import decide_round
from services.review_round import assign_round, move_reviewed_to_panel

START = dt.date(2031, 1, 15)  # milestones fall due on 15 Feb, 15 Apr, 15 Jul, 15 Oct 2031 and 15 Jan 2032
ACTOR = "test:stages"


def seed(app: App) -> synthetic.SyntheticRound:
    """8 submitted applications (the 8th ineligible), 8 reviewers, a pot big enough to fund every one."""
    with app.unit_of_work() as uow:
        seeded = synthetic.seed_round(uow.session, applications=8, reviewers=8, seed=5)
        uow.session.get(FundingRound, seeded.round_id).pot = Decimal(1_000_000)
        uow.commit()
    return seeded


def screened(app: App) -> synthetic.SyntheticRound:
    seeded = seed(app)
    with app.unit_of_work() as uow:
        screen_applications(uow.session, seeded.application_ids, actor=ACTOR)
        uow.commit()
    return seeded


def proposed(app: App) -> list[int]:
    """Screened, reviewed and recommended by the panel: the ids of the awards awaiting approval."""
    seeded = screened(app)
    with app.unit_of_work() as uow:
        funding_round = uow.session.get(FundingRound, seeded.round_id)
        outcome = assign_round(uow.session, funding_round, now=utcnow(), actor=ACTOR)
        uow.session.flush()
        app.notifier.reviewers_assigned(uow.session, outcome.new_assignments)
        synthetic.submit_reviews(uow.session, round_id=seeded.round_id)
        move_reviewed_to_panel(uow.session, funding_round, actor=ACTOR)
        chairs = PanelInput(
            lived_experience_chair_id=seeded.lived_experience_chair_id,
            scientist_chair_id=seeded.scientist_chair_id,
        )
        decide_round(uow.session, funding_round, chairs, actor=ACTOR)
        uow.commit()
    with app.unit_of_work() as uow:
        awards = propose_awards(uow.session, round_id=seeded.round_id)
        uow.commit()
        return [award.id for award in awards]


def approved(app: App) -> list[int]:
    """As `proposed`, then approved by an administrator; the award ids."""
    award_ids = proposed(app)
    with app.unit_of_work() as uow:
        for award_id in award_ids:
            decide_award(uow.session, award_id, AwardDecisionInput(approve=True), actor=ACTOR)
        uow.commit()
    return award_ids


def in_delivery(app: App) -> list[int]:
    award_ids = approved(app)
    with app.unit_of_work() as uow:
        awards = [uow.session.get(Award, award_id) for award_id in award_ids]
        set_up_awards(uow.session, app.store, awards, start=START, actor=ACTOR)
        uow.commit()
    return award_ids


def closing(app: App) -> list[int]:
    """Every milestone reported, every project moved to close-out and its final report in."""
    award_ids = in_delivery(app)
    with app.unit_of_work() as uow:
        round_id = uow.session.get(Award, award_ids[0]).application.round_id
        synthetic.accept_offers(uow.session, round_id=round_id)
        synthetic.file_check_ins(uow.session, round_id=round_id, due_by=dt.date(2040, 1, 1))
        synthetic.approve_check_ins(uow.session, round_id=round_id, notifier=app.notifier)
        sweep_check_ins(uow.session, today=dt.date(2032, 2, 1), notifier=app.notifier, actor=ACTOR)
        synthetic.file_final_reports(uow.session, round_id=round_id)
        uow.commit()
    return award_ids
