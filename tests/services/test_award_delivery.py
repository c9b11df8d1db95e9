"""Awards, tranches and check-ins through the services the portal calls: refusals and exactly-once effects."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cogrant.composition import App
from models import Application, Award, CheckIn, OutboxMessage, Payment
from models.enums import AwardStatus, BudgetCategory, MilestoneProgress, PaymentStatus
from models.errors import AccessDenied, DomainError, DuplicateAction
from models.schemas import AwardDecisionInput, CheckInInput
from services.awards import decide_award
from services.milestones import Upload, approve_check_in, submit_check_in
from services.tranches import accept_terms, release_first_tranches, release_tranche
from tests.support.factories import make_person
from tests.support.stages import START, in_delivery, proposed


def _decide(app: App, award_id: int, decision: AwardDecisionInput) -> None:
    with app.unit_of_work() as uow:
        decide_award(uow.session, award_id, decision, actor="test:admin")
        uow.commit()


def test_approving_twice_is_refused_and_keeps_the_first_decision(app: App) -> None:
    award_id = proposed(app)[0]
    _decide(app, award_id, AwardDecisionInput(approve=True, note="Strong community support"))
    with pytest.raises(DuplicateAction, match=r"already approved by test:admin .* cannot be decided again"):
        _decide(app, award_id, AwardDecisionInput(approve=True, amount=Decimal("100")))
    with app.unit_of_work() as uow:
        award = uow.session.get(Award, award_id)
        assert award.status == AwardStatus.APPROVED and award.decision_note == "Strong community support"
        assert award.amount == award.application.requested_amount


def test_amounts_above_the_maximum_or_the_pot_left_are_refused(app: App) -> None:
    first, second, *_ = proposed(app)
    with app.unit_of_work() as uow:
        funding_round = uow.session.get(Award, first).application.round
        funding_round.max_award, funding_round.pot = Decimal("50000"), Decimal("20000")
        uow.commit()
    with pytest.raises(
        DomainError, match=r"60,000.00 GBP is above this round's maximum award of 50,000.00 GBP"
    ):
        _decide(app, first, AwardDecisionInput(approve=True, amount=Decimal("60000")))
    _decide(app, first, AwardDecisionInput(approve=True, amount=Decimal("15000")))
    with pytest.raises(DomainError, match=r"6,000.00 GBP is more than the 5,000.00 GBP left in the pot"):
        _decide(app, second, AwardDecisionInput(approve=True, amount=Decimal("6000")))
    with app.unit_of_work() as uow:
        assert uow.session.get(Award, second).status == AwardStatus.AWAITING_APPROVAL


def test_budget_rules_involvement_payments_and_the_community_share(app: App) -> None:
    first, second, *_ = proposed(app)
    with app.unit_of_work() as uow:
        application = uow.session.get(Award, first).application
        for line in application.budget_lines:
            if line.category == BudgetCategory.INVOLVEMENT_PAYMENT:
                line.category = BudgetCategory.STAFF
        funding_round = application.round
        funding_round.review_config = {**funding_round.review_config, "community_share_rule": True}
        uow.commit()
    with pytest.raises(DomainError, match="no involvement payments for its 1 lay partner"):
        _decide(app, first, AwardDecisionInput(approve=True, community_partner_amount=Decimal("1")))
    with pytest.raises(DomainError, match="at least half the money goes to the community partner"):
        _decide(app, second, AwardDecisionInput(approve=True))
    with pytest.raises(DomainError, match=r"only 1,000.00 of 10,000.00 GBP goes to the community partner"):
        _decide(
            app,
            second,
            AwardDecisionInput(
                approve=True, amount=Decimal("10000"), community_partner_amount=Decimal("1000")
            ),
        )
    _decide(
        app,
        second,
        AwardDecisionInput(approve=True, amount=Decimal("10000"), community_partner_amount=Decimal("5000")),
    )
    _decide(app, first, AwardDecisionInput(approve=False, note="No pay for lay partners"))


def test_the_letter_is_a_page_and_a_tagged_pdf_in_s3(app: App) -> None:
    award_id = in_delivery(app)[0]
    with app.unit_of_work() as uow:
        award = uow.session.get(Award, award_id)
        html_key, pdf_key, reference = award.letter.key, award.letter_pdf.key, award.application.reference
        amount = f"{award.amount:,.2f}"
    assert "Your project has been funded" in app.store.get(html_key).decode()
    reader = PdfReader(io.BytesIO(app.store.get(pdf_key)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Your project has been funded" in text and reference in text and amount in text
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root and root["/Lang"] == "en"


def test_terms_release_the_first_tranche_then_each_approved_check_in_releases_its_own_once(app: App) -> None:
    award_id = in_delivery(app)[0]
    with app.unit_of_work() as uow:
        award = uow.session.get(Award, award_id)
        applicant_id, stranger_id = award.application.applicant_id, synthetic_stranger(uow.session)
        milestones = [m.id for m in award.milestones]
        uow.commit()

    with app.unit_of_work() as uow, pytest.raises(AccessDenied, match="only the team of"):
        accept_terms(uow.session, award_id, person_id=stranger_id)
    with app.unit_of_work() as uow:
        accept_terms(uow.session, award_id, person_id=applicant_id)
        assert release_first_tranches(uow.session, today=START, notify=app.notifier.tranche_released)
        uow.commit()
    with app.unit_of_work() as uow, pytest.raises(DuplicateAction, match="already accepted"):
        accept_terms(uow.session, award_id, person_id=applicant_id)

    form = CheckInInput(
        progress=MilestoneProgress.COMPLETED,
        note="We met. Eight people came.",
        involvement_changed="Partners moved the meetings to the library.",
        still_missing="Young dads.",
        fed_back="A short note at the group.",
        milestone_progress={2: MilestoneProgress.IN_PROGRESS, 5: MilestoneProgress.NOT_STARTED},
    )
    with app.unit_of_work() as uow, pytest.raises(AccessDenied, match="only the team of"):
        submit_check_in(uow.session, milestones[1], form, person_id=stranger_id)
    with app.unit_of_work() as uow, pytest.raises(DomainError, match="there is no milestone 9"):
        bad = form.model_copy(update={"milestone_progress": {9: MilestoneProgress.DELAYED}})
        submit_check_in(uow.session, milestones[1], bad, person_id=applicant_id)
    with app.unit_of_work() as uow:
        check_in = submit_check_in(
            uow.session,
            milestones[1],
            form,
            person_id=applicant_id,
            uploads=[Upload("photo of the group.jpg", b"\xff\xd8 not really a jpeg", "image/jpeg")],
            store=app.store,
        )
        assert check_in.milestone_progress == {
            "1": "not_started",
            "2": "completed",
            "3": "not_started",
            "4": "not_started",
            "5": "not_started",
        }
        check_in_id = check_in.id
        uow.commit()
    with app.unit_of_work() as uow, pytest.raises(DuplicateAction, match="already received"):
        submit_check_in(uow.session, milestones[1], form, person_id=applicant_id)

    with app.unit_of_work() as uow:
        tranche = approve_check_in(uow.session, check_in_id, actor="test:admin", notifier=app.notifier)
        assert tranche is not None and tranche.sequence == 2 and tranche.status == PaymentStatus.RELEASED
        uow.commit()
    with app.unit_of_work() as uow, pytest.raises(DuplicateAction, match="already approved by test:admin"):
        approve_check_in(uow.session, check_in_id, actor="test:admin", notifier=app.notifier)
    with (
        app.unit_of_work() as uow,
        pytest.raises(DuplicateAction, match=r"tranche 2 of CG-.* already released"),
    ):
        paid = uow.session.scalars(
            select(Payment).where(Payment.award_id == award_id, Payment.sequence == 2)
        ).one()
        release_tranche(uow.session, paid, notify=app.notifier.tranche_released)

    with app.unit_of_work() as uow:
        released = uow.session.scalars(
            select(Payment.sequence).where(
                Payment.award_id == award_id, Payment.status == PaymentStatus.RELEASED
            )
        ).all()
        emails = uow.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.template == "tranche_released")
        )
        upload_ids = uow.session.get(CheckIn, check_in_id).upload_document_ids
    assert sorted(released) == [1, 2]
    assert emails == 2 * 2  # two tranches, each to the applicant and the co-lead
    assert len(upload_ids) == 1


def synthetic_stranger(session: Session) -> int:
    return make_person(session).id


def test_check_ins_are_refused_once_the_project_is_not_in_delivery(app: App) -> None:
    award_id = in_delivery(app)[0]
    with app.unit_of_work() as uow:
        award = uow.session.get(Award, award_id)
        milestone_id, applicant_id = award.milestones[0].id, award.application.applicant_id
        uow.session.execute(
            Application.__table__.update()
            .where(Application.id == award.application_id)
            .values(status="closed")
        )
        uow.commit()
    form = CheckInInput(progress=MilestoneProgress.DELAYED, note="Late.")
    with (
        app.unit_of_work() as uow,
        pytest.raises(DomainError, match="check-ins are for projects in delivery"),
    ):
        submit_check_in(uow.session, milestone_id, form, person_id=applicant_id)
