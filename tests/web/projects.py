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
from services.awards import set_up_awards
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
