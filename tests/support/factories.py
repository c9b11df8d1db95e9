"""Responsible for building valid domain objects in one line for tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from models import Application, FundingRound, Person
from models.enums import BudgetCategory, ReviewerType
from models.lifecycle import ApplicationStatus
from models.people import ReviewerProfile
from models.schemas import ApplicationForm, BudgetLineInput, CoLeadInput
from services.intake import create_draft

_counter = itertools.count(1)


def make_round(session: Session, **overrides: Any) -> FundingRound:
    n = next(_counter)
    now = dt.datetime.now(dt.UTC)
    values: dict[str, Any] = {
        "name": f"Pilot round {n}",
        "slug": f"pilot-round-{n}",
        "opens_at": now - dt.timedelta(days=30),
        "closes_at": now + dt.timedelta(days=30),
        "decision_by": (now + dt.timedelta(days=90)).date(),
        "pot": Decimal("200000"),
        "max_award": Decimal("50000"),
        "currency": "GBP",
    }
    funding_round = FundingRound(**(values | overrides))
    session.add(funding_round)
    session.flush()
    return funding_round


def make_person(session: Session, **overrides: Any) -> Person:
    n = next(_counter)
    person = Person(**({"name": f"Person {n}", "email": f"person{n}@example.org"} | overrides))
    session.add(person)
    session.flush()
    return person


def make_form(**overrides: Any) -> ApplicationForm:
    values: dict[str, Any] = {
        "title": "Walking groups for people with long COVID",
        "summary": "We will test if weekly walking groups help people with long COVID feel less alone.",
        "co_leads": [
            CoLeadInput(name="Sam Carer", email=f"sam{next(_counter)}@example.org", lived_experience=True)
        ],
        "budget": [
            BudgetLineInput(
                category=BudgetCategory.INVOLVEMENT_PAYMENT,
                description="Paying partners",
                amount=Decimal("3000"),
            ),
            BudgetLineInput(
                category=BudgetCategory.STAFF, description="Project worker", amount=Decimal("9000")
            ),
        ],
    }
    return ApplicationForm(**(values | overrides))


def make_application(
    session: Session,
    *,
    status: ApplicationStatus = ApplicationStatus.DRAFT,
    funding_round: FundingRound | None = None,
    **form_overrides: Any,
) -> Application:
    """A valid application put straight into `status` (test set-up only: it skips the guards)."""
    funding_round = funding_round or make_round(session)
    application = create_draft(
        session, funding_round=funding_round, applicant=make_person(session), form=make_form(**form_overrides)
    )
    application.status = status
    session.flush()
    return application


def make_reviewer(session: Session, reviewer_type: ReviewerType, **overrides: Any) -> Person:
    """A reviewer who has set up their profile already (pass onboarded_at=None for a new one)."""
    person = make_person(session)
    values = {"onboarded_at": dt.datetime.now(dt.UTC)} | overrides
    session.add(ReviewerProfile(person=person, reviewer_type=reviewer_type, **values))
    session.flush()
    return person
