"""Responsible for funded projects the portal tests start from: awarded by the services, letter stored."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from sqlalchemy import select

from models import Application, Award
from models.base import utcnow
from models.enums import AwardStatus
from models.lifecycle import ApplicationStatus
from models.portal import Access, ApplicationAccess
from models.schemas import FinalReportInput
from services.awards import set_up_awards
from services.closeout import publish_celebrations, record_naming_consent, submit_final_report
from services.intake import create_draft
from services.people import get_or_create_person
from tests.support.factories import make_form, make_round
from tests.support.stages import START
from tests.web.conftest import Portal

CONDITIONS = "Tell us if a partner leaves.\nShare what you learn with the people involved."


def funded_project(portal: Portal, email: str, *, name: str = "Amina Lead") -> str:
    """A project in delivery led by `email`: approved award, letter (HTML and PDF) in S3, milestones and
    tranches planned. Returns its reference."""
    with portal.app.unit_of_work() as uow:
        session = uow.session
        lead = get_or_create_person(session, name=name, email=email)
        application = create_draft(
            session, funding_round=make_round(session), applicant=lead, form=make_form(duration_months=9)
        )
        session.flush()
        application.reference = f"CG-{application.round_id:03d}-{application.id:05d}"
        application.status = ApplicationStatus.AWARDED  # test set-up: the review is other tests' business
        award = Award(
            application=application,
            amount=Decimal("12000"),
            currency="GBP",
            status=AwardStatus.APPROVED,
            decided_by="test:admin",
            conditions=CONDITIONS,
        )
        session.add(award)
        session.flush()
        set_up_awards(session, portal.app.store, [award], start=START, actor="test:admin")
        uow.commit()
        return application.reference


def set_status(portal: Portal, reference: str, status: ApplicationStatus) -> None:
    """Test set-up only: put the project straight into `status`."""
    with portal.app.unit_of_work() as uow:
        application = uow.session.scalars(select(Application).where(Application.reference == reference)).one()
        application.status = status
        uow.commit()


def invited(portal: Portal, reference: str, email: str, access: str, *, name: str = "Co Applicant") -> None:
    """Test set-up only: `email` accepted an invitation to the project with `access` ("view" or "edit")."""
    with portal.app.unit_of_work() as uow:
        session = uow.session
        application = session.scalars(select(Application).where(Application.reference == reference)).one()
        person = get_or_create_person(session, name=name, email=email)
        session.flush()
        session.add(
            ApplicationAccess(
                application=application,
                person=person,
                invited_by_id=application.applicant_id,
                access=Access(access),
                nonce_sha256=hashlib.sha256(email.encode()).hexdigest(),
                expires_at=utcnow() + dt.timedelta(days=14),
                accepted_at=utcnow(),
            )
        )
        uow.commit()


def celebrated_project(portal: Portal, email: str, *, publish: bool = True) -> str:
    """A funded project whose final report is in, the lead agreeing to be named and the co-lead not;
    with `publish`, its celebration report is stored and the project closed. Returns its reference."""
    reference = funded_project(portal, email)
    set_status(portal, reference, ApplicationStatus.CLOSING)
    with portal.app.unit_of_work() as uow:
        session = uow.session
        application = session.scalars(select(Application).where(Application.reference == reference)).one()
        report = FinalReportInput(
            aim="To find out if walking together helps carers feel less alone.",
            methods="Carers and nurses planned every walk together.",
            results="People came back each week and brought friends.",
            outcomes="Two carers now lead the walks.",
            critical_reflection="We started late. Next time we would ask carers sooner.",
            quotes=[{"text": "I felt part of something.", "by": "A carer"}],
        )
        submit_final_report(session, application.id, report, person_id=application.applicant_id)
        record_naming_consent(session, application.id, person_id=application.applicant_id, may_be_named=True)
        co_lead = application.co_leads[0].person_id
        record_naming_consent(session, application.id, person_id=co_lead, may_be_named=False)
        if publish:
            publish_celebrations(session, portal.app.store, [application.id], actor="test:close-out")
        uow.commit()
    return reference
