"""Responsible for a synthetic funding round and its people's actions, for the demo, benchmarks and tests.

Everything is deterministic for a given seed. The people act through the same services the portal uses.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from models.applications import Application
from models.awards import Award, CheckIn, Milestone
from models.base import utcnow
from models.enums import BudgetCategory, MilestoneProgress, OrganisationKind, ReviewerType, Role
from models.lifecycle import ApplicationStatus
from models.people import Person, ReviewerProfile
from models.review import Assignment
from models.rounds import DEFAULT_REVIEW_CONFIG, FundingRound
from models.schemas import (
    CRITERIA_KEYS,
    ApplicationForm,
    BudgetLineInput,
    CheckInInput,
    CoLeadInput,
    FinalReportInput,
    QuoteInput,
    ReviewInput,
)
from notifications.outbox import batch
from services.closeout import record_naming_consent, submit_final_report
from services.intake import create_drafts, submit
from services.milestones import DeliveryNotifier, approve_check_in, submit_check_in
from services.people import get_or_create_organisation, get_or_create_person, grant_role, remember_stored
from services.project_team import team_loaded
from services.review_round import ReviewSave, save_reviews
from services.tranches import accept_terms

S = ApplicationStatus
TOPICS = [
    "long COVID",
    "dementia",
    "sickle cell",
    "diabetes",
    "mental health",
    "stroke",
    "asthma",
    "chronic pain",
    "autism",
    "cancer care",
    "loneliness",
    "maternity care",
]
GROUPS = [
    "young carers",
    "older people living alone",
    "refugees",
    "deaf people",
    "farm workers",
    "people who are homeless",
    "new parents",
    "people with learning disabilities",
]
ACTIVITIES = [
    "peer support groups",
    "a community cafe",
    "a phone buddy scheme",
    "art workshops",
    "walking groups",
    "a cooking club",
    "a podcast made by patients",
    "a shared care plan",
]
DOMAIN = "example.org"


@dataclass(frozen=True)
class SyntheticRound:
    round_id: int
    administrator_id: int
    lived_experience_chair_id: int
    scientist_chair_id: int
    application_ids: list[int]


def _round(session: Session, *, applications: int, now: dt.datetime, label: str) -> FundingRound:
    funding_round = FundingRound(
        name=f"Community pilots {label}",
        slug=f"community-pilots-{label}",
        description="Small grants for projects that patients, carers and scientists run together.",
        who_can_apply="Community groups, charities, patients and carers, with a research or NHS partner.",
        opens_at=now - dt.timedelta(days=40),
        closes_at=now + dt.timedelta(days=5),
        decision_by=(now + dt.timedelta(days=60)).date(),
        pot=Decimal(15000) * max(2, applications // 3),
        max_award=Decimal("25000"),
        currency="GBP",
        review_config=dict(DEFAULT_REVIEW_CONFIG),
    )
    session.add(funding_round)
    session.flush()
    return funding_round


def _reviewer_home(n: int) -> tuple[str, OrganisationKind]:
    """Where the n-th synthetic reviewer works: even ones (lived experience) in a circle, odd ones at a
    university."""
    if n % 2 == 0:
        return f"Circle {n % 5}", OrganisationKind.CHARITY
    return f"Reviewer home {n % 7}", OrganisationKind.UNIVERSITY


def _reviewers(session: Session, *, count: int, load: int, rng: random.Random) -> list[Person]:
    remember_stored(
        session,
        emails=[f"reviewer{n + 1}@{DOMAIN}" for n in range(count)] + [f"admin@{DOMAIN}"],
        organisation_names=[_reviewer_home(n)[0] for n in range(count)],
    )
    people = []
    for n in range(count):
        reviewer_type = ReviewerType.LIVED_EXPERIENCE if n % 2 == 0 else ReviewerType.SCIENTIST
        home, kind = _reviewer_home(n)
        organisation = get_or_create_organisation(session, home, kind=kind)
        person = get_or_create_person(
            session, name=f"Reviewer {n + 1}", email=f"reviewer{n + 1}@{DOMAIN}", organisation=organisation
        )
        topics = rng.sample(TOPICS, 2)
        if person.reviewer_profile is not None:  # a reviewer from an earlier synthetic round
            person.reviewer_profile.max_load = max(person.reviewer_profile.max_load, load)
            people.append(person)
            continue
        session.add(
            ReviewerProfile(
                person=person,
                reviewer_type=reviewer_type,
                topics=topics,
                max_load=load,
                training_completed=True,
                onboarded_at=utcnow(),  # a synthetic profile is complete: no onboarding page
                statement=f"I care about {topics[0]} and {rng.choice(GROUPS)}.",
                lived_experience_areas=[topics[0]] if reviewer_type == ReviewerType.LIVED_EXPERIENCE else [],
            )
        )
        grant_role(
            session,
            person,
            Role.LIVED_EXPERIENCE_REVIEWER
            if reviewer_type == ReviewerType.LIVED_EXPERIENCE
            else Role.SCIENTIST_REVIEWER,
        )
        people.append(person)
    session.flush()
    return people


def application_form(n: int, rng: random.Random, *, eligible: bool) -> ApplicationForm:
    topic, group, activity = rng.choice(TOPICS), rng.choice(GROUPS), rng.choice(ACTIVITIES)
    budget = [
        BudgetLineInput(
            category=BudgetCategory.STAFF,
            description="Project worker, two days a week",
            amount=Decimal(rng.randrange(6000, 14000, 500)),
        ),
        BudgetLineInput(
            category=BudgetCategory.ACCESS_COSTS,
            description="Interpreters and accessible rooms",
            amount=Decimal(rng.randrange(500, 2000, 100)),
        ),
    ]
    if eligible:
        budget.append(
            BudgetLineInput(
                category=BudgetCategory.INVOLVEMENT_PAYMENT,
                description="Paying partners with lived experience for their time",
                amount=Decimal(rng.randrange(1500, 4000, 100)),
            )
        )
    return ApplicationForm(
        title=f"{activity.capitalize()} for {group} with {topic}",
        summary=(
            f"We will try {activity} for {group} living with {topic}. People with lived experience "
            f"will plan it with us, run it with us and tell us if it helps."
        ),
        lead_organisation=f"Community group {n % 9}",
        sections={
            "aims": f"Find out if {activity} helps {group} with {topic}.",
            "methods": "Short interviews and a diary, planned with our partners.",
        },
        coproduction_answers={key: f"Our answer about {key.replace('_', ' ')}." for key in CRITERIA_KEYS},
        duration_months=12,
        co_leads=[
            CoLeadInput(
                name=f"Partner {n}",
                email=f"partner{n}@{DOMAIN}",
                lived_experience=True,
                role_title="Co-lead with lived experience",
            )
        ],
        budget=budget,
    )


def seed_round(
    session: Session,
    *,
    applications: int = 24,
    reviewers: int = 16,
    seed: int = 7,
    label: str | None = None,
    now: dt.datetime | None = None,
) -> SyntheticRound:
    """A round with reviewers, two co-chairs, an administrator and submitted applications.

    Every eighth application has no involvement payments, so screening turns it away."""
    rng = random.Random(seed)
    now = now or dt.datetime.now(dt.UTC)
    funding_round = _round(
        session, applications=applications, now=now, label=label or now.strftime("%Y%m%d%H%M%S")
    )
    load = max(DEFAULT_REVIEW_CONFIG["max_load"], -(-applications * 2 // max(1, reviewers // 2)))
    people = _reviewers(session, count=reviewers, load=load, rng=rng)
    admin = get_or_create_person(session, name="Alex Admin", email=f"admin@{DOMAIN}")
    grant_role(session, admin, Role.ADMINISTRATOR)
    forms = [application_form(n, rng, eligible=n % 8 != 7) for n in range(applications)]
    emails = [f"applicant{n + 1}@{DOMAIN}" for n in range(applications)]
    remember_stored(session, emails=emails)
    applicants = [
        get_or_create_person(session, name=f"Applicant {n + 1}", email=email)
        for n, email in enumerate(emails)
    ]
    drafts = create_drafts(
        session, funding_round=funding_round, drafts=list(zip(applicants, forms, strict=True))
    )
    for application in drafts:
        submit(session, application, actor=f"person:{application.applicant_id}")
    ids = [application.id for application in drafts]
    session.flush()
    return SyntheticRound(funding_round.id, admin.id, people[0].id, people[1].id, ids)


def submit_reviews(session: Session, *, round_id: int, seed: int = 7) -> int:
    """Every assigned reviewer scores and submits; scores lean on a hidden quality per application."""
    rng = random.Random(seed)
    assignments = session.scalars(
        select(Assignment)
        .where(Assignment.round_id == round_id)
        .options(selectinload(Assignment.review), selectinload(Assignment.application))
        .order_by(Assignment.id)
    ).all()
    saves = []
    for assignment in assignments:
        if assignment.review is not None and assignment.review.submitted_at is not None:
            continue
        quality = 2 + assignment.application_id * 7919 % 6
        scores = {key: min(9, max(1, quality + rng.randint(-1, 1))) for key in CRITERIA_KEYS}
        review = ReviewInput(
            scores=scores,
            overall=min(9, max(1, quality + rng.randint(-1, 1))),
            comment_for_applicant="Clear plan. Say more about how partners share decisions.",
            comment_for_panel="Good fit for the round.",
            # Lay reviewers ask the panel to talk about the weaker ones, so the demo shows nominations.
            nominated_for_discussion=quality >= 7
            and assignment.reviewer_type == ReviewerType.LIVED_EXPERIENCE,
        )
        saves.append(ReviewSave(assignment.id, assignment.reviewer_id, review))
    save_reviews(session, saves, submit=True)
    return len(saves)


def file_check_ins(session: Session, *, round_id: int, due_by: dt.date) -> int:
    """Project teams report on every milestone due by `due_by` that has no check-in yet."""
    milestones = session.scalars(
        select(Milestone)
        .join(Award)
        .join(Application)
        .where(
            Application.round_id == round_id,
            Application.status == S.IN_DELIVERY,
            Milestone.due_on <= due_by,
            ~Milestone.check_in.has(),
        )
        .options(
            selectinload(Milestone.check_in),
            selectinload(Milestone.award).selectinload(Award.milestones),
            selectinload(Milestone.award).options(*team_loaded(Award.application)),
        )
        .order_by(Milestone.id)
    ).all()
    for milestone in milestones:
        submit_check_in(
            session,
            milestone.id,
            person_id=milestone.award.application.applicant_id,
            form=CheckInInput(
                progress=MilestoneProgress.COMPLETED,
                note=f"{milestone.title}: done, with our partners.",
                involvement_changed="Partners changed the session times so carers could come.",
                still_missing="Men under 30.",
                fed_back="We shared a short note at the group.",
            ),
        )
    return len(milestones)


def accept_offers(session: Session, *, round_id: int) -> int:
    """Each applicant accepts the terms of their award letter."""
    awards = session.scalars(
        select(Award)
        .join(Application)
        .where(
            Application.round_id == round_id,
            Application.status == S.IN_DELIVERY,
            Award.terms_accepted_at.is_(None),
        )
        .options(*team_loaded(Award.application))
        .order_by(Award.id)
    ).all()
    for award in awards:
        accept_terms(session, award.id, person_id=award.application.applicant_id)
    return len(awards)


def approve_check_ins(session: Session, *, round_id: int, notifier: DeliveryNotifier) -> int:
    """An administrator approves every check-in not yet approved, releasing their tranches."""
    waiting = session.scalars(
        select(CheckIn)
        .join(Milestone)
        .join(Award)
        .join(Application)
        .where(Application.round_id == round_id, CheckIn.approved_at.is_(None))
        .options(
            joinedload(CheckIn.milestone)
            .joinedload(Milestone.award)
            .options(selectinload(Award.payments), *team_loaded(Award.application))
        )
        .order_by(CheckIn.id)
    ).all()
    with batch(session):  # the tranches' e-mails are checked against the outbox together
        for check_in in waiting:
            approve_check_in(session, check_in.id, actor="synthetic:administrator", notifier=notifier)
    return len(waiting)


def file_final_reports(session: Session, *, round_id: int) -> int:
    closing = session.scalars(
        select(Application)
        .where(Application.round_id == round_id, Application.status == S.CLOSING)
        .options(selectinload(Application.co_leads))
        .order_by(Application.id)
    ).all()
    for application in closing:
        application_id, applicant_id = application.id, application.applicant_id
        record_naming_consent(session, application_id, person_id=applicant_id, may_be_named=True)
        submit_final_report(
            session,
            application_id,
            person_id=applicant_id,
            report=FinalReportInput(
                aim="To see if meeting up helps people feel less alone.",
                methods="We met every week. Partners with lived experience led half the sessions.",
                results="Most people came back. They said they felt more confident.",
                outcomes="The local clinic now runs the group with us.",
                critical_reflection="We started late in the day; some people could not come after work.",
                highlights="A summer picnic with 40 people.",
                thanks="Thank you to every member of the group.",
                quotes=[QuoteInput(text="I felt heard for the first time.", by="A member of the group")],
            ),
        )
    return len(closing)
