"""Responsible for timing the reports: celebration reports for N closed projects, their award letters and
the round portfolio.

Builds a round of N closed projects (award, five milestones with check-ins, released tranches, a final
report with quotes, consent to be named) in a temporary SQLite database, then times for each project the
celebration report as a page (reading the records and rendering HTML) and as a tagged PDF (WeasyPrint),
the award letters of the first --letters projects as tagged PDFs, and the whole round's portfolio (query
and HTML with its charts), several times. PDFs are rendered in this process, one at a time (one core).
Prints a final JSON line with the medians, the PDFs' sizes and the process's peak memory (resident set
size).

    python benchmarks/reports.py --projects 1000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cogrant import synthetic
from models import (
    Application,
    Award,
    CheckIn,
    CloseOutReport,
    FundingRound,
    Milestone,
    NamingConsent,
    Payment,
    Person,
)
from models.enums import AwardStatus, MilestoneProgress, PaymentKind, PaymentStatus
from models.lifecycle import ApplicationStatus
from reports.celebration import celebration_html, celebration_view
from reports.portfolio import portfolio, portfolio_html
from services.awards import award_letter_html, plan_milestones, split_tranches
from services.database import create_db_engine, migrate, session_factory
from services.intake import create_draft
from services.rendering import render_pdf

START = dt.date(2031, 1, 15)
PROGRESS = [MilestoneProgress.COMPLETED] * 3 + [MilestoneProgress.DELAYED, MilestoneProgress.DROPPED]


def seed_closed_round(session: Session, *, projects: int, seed: int) -> int:
    """A round of `projects` closed projects, as the flows leave them (test set-up: statuses set directly)."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    funding_round = FundingRound(
        name="Community pilots (benchmark)",
        slug=f"community-pilots-bench-{seed}",
        opens_at=now - dt.timedelta(days=400),
        closes_at=now - dt.timedelta(days=360),
        decision_by=(now - dt.timedelta(days=330)).date(),
        pot=Decimal(25000) * projects,
        max_award=Decimal(25000),
        currency="GBP",
    )
    session.add(funding_round)
    for n in range(1, projects + 1):
        applicant = Person(name=f"Applicant {n}", email=f"bench-applicant{n}@example.org")
        session.add(applicant)
        form = synthetic.application_form(n, rng, eligible=True)
        application = create_draft(session, funding_round=funding_round, applicant=applicant, form=form)
        application.reference, application.status = f"CG-B-{n:05d}", ApplicationStatus.CLOSED
        award = Award(
            application=application,
            amount=application.requested_amount,
            currency="GBP",
            status=AwardStatus.APPROVED,
            start_date=START,
            end_date=dt.date(2032, 1, 15),
        )
        session.add(award)
        _deliver(session, award)
        session.add(NamingConsent(application=application, person=applicant, may_be_named=n % 3 != 0))
        session.add(
            CloseOutReport(
                application=application,
                gripp2={
                    "aim": "To see if meeting up helps people feel less alone.",
                    "methods": "We met every week. Partners with lived experience led half the sessions.",
                    "results": "Most people came back. They said they felt more confident.",
                    "outcomes": "The local clinic now runs the group with us.",
                    "critical_reflection": "We met in the day, so some people could not come after work.",
                },
                highlights="A summer picnic with 40 people.",
                thanks="Thank you to every member of the group.",
                quotes=[{"text": "I felt heard for the first time.", "by": "A member of the group"}],
            )
        )
        if n % 200 == 0:
            session.flush()
    session.flush()
    return funding_round.id


def _deliver(session: Session, award: Award) -> None:
    plan = plan_milestones(START, 12)
    amounts = split_tranches(award.amount, len(plan))
    for planned, amount, progress in zip(plan, amounts, PROGRESS, strict=True):
        milestone = Milestone(
            award=award, sequence=planned.sequence, title=planned.title, due_on=planned.due_on
        )
        session.add(milestone)
        session.add(
            CheckIn(
                milestone=milestone,
                progress=progress,
                note="Done, with our partners.",
                involvement_changed="Partners changed the session times so carers could come.",
                fed_back="We shared a short note at the group.",
            )
        )
        session.add(
            Payment(
                award=award,
                sequence=planned.sequence,
                kind=PaymentKind.TRANCHE,
                amount=amount,
                currency="GBP",
                due_on=planned.due_on,
                status=PaymentStatus.RELEASED,
            )
        )


def time_celebrations(session: Session, round_id: int) -> tuple[list[float], list[float], list[int]]:
    html_seconds, pdf_seconds, pdf_bytes = [], [], []
    applications = session.scalars(
        select(Application).where(Application.round_id == round_id).order_by(Application.id)
    ).all()
    for application in applications:
        began = time.perf_counter()
        html = celebration_html(celebration_view(session, application))
        rendered = time.perf_counter()
        pdf = render_pdf(html)
        html_seconds.append(rendered - began)
        pdf_seconds.append(time.perf_counter() - rendered)
        pdf_bytes.append(len(pdf))
        assert pdf.startswith(b"%PDF") and application.title in html
    return html_seconds, pdf_seconds, pdf_bytes


def time_award_letters(session: Session, round_id: int, *, letters: int) -> tuple[list[float], list[int]]:
    """The award letters of the round's first `letters` projects, each as a tagged PDF."""
    awards = session.scalars(
        select(Award)
        .join(Application)
        .where(Application.round_id == round_id)
        .order_by(Award.id)
        .limit(letters)
    ).all()
    seconds, pdf_bytes = [], []
    for award in awards:
        html = award_letter_html(award)
        began = time.perf_counter()
        pdf = render_pdf(html)
        seconds.append(time.perf_counter() - began)
        pdf_bytes.append(len(pdf))
        assert pdf.startswith(b"%PDF") and award.application.reference in html
    return seconds, pdf_bytes


def time_portfolio(session: Session, round_id: int, *, repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        session.expire_all()
        began = time.perf_counter()
        html = portfolio_html(portfolio(session, round_id=round_id))
        seconds.append(time.perf_counter() - began)
        assert html.count("<tr>") > 0
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--letters", type=int, default=300, help="how many award letters to time")
    parser.add_argument("--portfolio-repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cogrant-reports-bench-") as scratch:
        url = f"sqlite:///{scratch}/bench.db"
        migrate(url)
        engine = create_db_engine(url)
        sessions = session_factory(engine)
        began = time.perf_counter()
        with sessions() as session:
            round_id = seed_closed_round(session, projects=args.projects, seed=args.seed)
            session.commit()
        seed_seconds = time.perf_counter() - began
        with sessions() as session:
            html_seconds, pdf_seconds, pdf_bytes = time_celebrations(session, round_id)
        with sessions() as session:
            letter_seconds, letter_bytes = time_award_letters(session, round_id, letters=args.letters)
        with sessions() as session:
            portfolio_seconds = time_portfolio(session, round_id, repeats=args.portfolio_repeats)
        engine.dispose()
    with_pdf = [h + p for h, p in zip(html_seconds, pdf_seconds, strict=True)]
    print(
        json.dumps(
            {
                "projects": args.projects,
                "seed_seconds": round(seed_seconds, 2),
                "celebration_html_seconds_median": round(statistics.median(html_seconds), 4),
                "celebration_pdf_seconds_median": round(statistics.median(pdf_seconds), 4),
                "celebration_with_pdf_seconds_median": round(statistics.median(with_pdf), 4),
                "celebration_with_pdf_seconds_p95": round(statistics.quantiles(with_pdf, n=20)[-1], 4),
                "celebrations_total_seconds": round(sum(with_pdf), 1),
                "celebration_pdf_kb_median": round(statistics.median(pdf_bytes) / 1024, 1),
                "award_letters": len(letter_seconds),
                "award_letter_pdf_seconds_median": round(statistics.median(letter_seconds), 4),
                "award_letter_pdf_seconds_p95": round(statistics.quantiles(letter_seconds, n=20)[-1], 4),
                "award_letter_pdf_kb_median": round(statistics.median(letter_bytes) / 1024, 1),
                "portfolio_seconds_median": round(statistics.median(portfolio_seconds), 3),
                "portfolio_runs": len(portfolio_seconds),
                "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "targets": {"celebration_with_pdf_seconds": 0.3, "portfolio_seconds": 10},
            }
        )
    )


if __name__ == "__main__":
    main()
