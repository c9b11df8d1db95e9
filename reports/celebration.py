"""Responsible for the celebration report's content: the project's story in the team's words, the people
who agreed to be named, what changed, quotes, a timeline (a list drawn as bars) and a few figures, written
for the community.

`celebration_view` reads the records; `celebration_html` only renders, so it can be timed on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.applications import Application
from models.awards import Award, CheckIn, CloseOutReport, Milestone, NamingConsent
from models.enums import PaymentStatus
from models.people import Person
from reports.charts import TimelineEvent, TimelineStep, timeline_steps
from services.project_team import acting_team
from services.rendering import render_document

PROGRESS_WORDS = {
    "completed": "done",
    "in_progress": "going on",
    "not_started": "not started",
    "delayed": "late",
    "dropped": "stopped",
}


@dataclass(frozen=True)
class Figure:
    number: str
    words: str


@dataclass(frozen=True)
class CelebrationView:
    title: str
    reference: str
    round_name: str
    story: dict[str, str]
    highlights: str = ""
    thanks: str = ""
    named_people: list[str] = field(default_factory=list)
    unnamed_people: int = 0
    organisations: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    fed_back: list[str] = field(default_factory=list)
    quotes: list[dict[str, str]] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    @property
    def timeline_steps(self) -> list[TimelineStep]:
        return timeline_steps(self.timeline)


def celebration_view(session: Session, application: Application) -> CelebrationView:
    return celebration_views(session, [application])[application.id]


def celebration_views(session: Session, applications: Sequence[Application]) -> dict[int, CelebrationView]:
    """The celebration report of each application, by id; their records are read for all at once (the
    team too, when the applications were loaded with services.project_team.team_loaded)."""
    if not applications:
        return {}
    ids = [application.id for application in applications]
    reports = {
        report.application_id: report
        for report in session.scalars(select(CloseOutReport).where(CloseOutReport.application_id.in_(ids)))
    }
    awards = {
        award.application_id: award
        for award in session.scalars(
            select(Award)
            .where(Award.application_id.in_(ids))
            .options(
                selectinload(Award.milestones).selectinload(Milestone.check_in), selectinload(Award.payments)
            )
        )
    }
    may_be_named = set(
        session.execute(
            select(NamingConsent.application_id, NamingConsent.person_id).where(
                NamingConsent.application_id.in_(ids), NamingConsent.may_be_named.is_(True)
            )
        ).tuples()
    )
    return {
        application.id: _view(
            application,
            reports.get(application.id),
            awards.get(application.id),
            team={person.id: person for person in acting_team(session, application)},
            may_be_named={person_id for app_id, person_id in may_be_named if app_id == application.id},
        )
        for application in applications
    }


def _view(
    application: Application,
    report: CloseOutReport | None,
    award: Award | None,
    *,
    team: dict[int, Person],
    may_be_named: set[int],
) -> CelebrationView:
    check_ins = [m.check_in for m in award.milestones if m.check_in is not None] if award else []
    named = [team[person_id].name for person_id in sorted(team) if person_id in may_be_named]
    return CelebrationView(
        title=application.title,
        reference=application.reference or "",
        round_name=application.round.name,
        story=dict(report.gripp2) if report else {},
        highlights=report.highlights if report else "",
        thanks=report.thanks if report else "",
        named_people=named,
        unnamed_people=len(team) - len(named),
        organisations=sorted(
            {co_lead.organisation.name for co_lead in application.co_leads if co_lead.organisation}
        ),
        changes=_distinct(check_in.involvement_changed for check_in in check_ins),
        fed_back=_distinct(check_in.fed_back for check_in in check_ins),
        quotes=list(report.quotes) if report else [],
        timeline=_timeline(award, check_ins) if award else [],
        figures=_figures(award, check_ins, people=len(team)) if award else [],
    )


def celebration_html(view: CelebrationView) -> str:
    return render_document("celebration_report.html", {"view": view, "progress_words": PROGRESS_WORDS})


def _distinct(texts: object) -> list[str]:
    return list(dict.fromkeys(text.strip() for text in texts if text and text.strip()))  # type: ignore[attr-defined]


def _timeline(award: Award, check_ins: list[CheckIn]) -> list[TimelineEvent]:
    progress = {check_in.milestone_id: str(check_in.progress) for check_in in check_ins}
    events = [TimelineEvent(award.start_date, "We started", "start")]
    events += [
        TimelineEvent(milestone.due_on, milestone.title, progress.get(milestone.id, "not_started"))
        for milestone in award.milestones
    ]
    if award.end_date and award.end_date > events[-1].day:
        events.append(TimelineEvent(award.end_date, "The end", "end"))
    return events


def _figures(award: Award, check_ins: list[CheckIn], *, people: int) -> list[Figure]:
    paid = sum((p.amount for p in award.payments if p.status == PaymentStatus.RELEASED), Decimal("0"))
    months = _months_between(award.start_date, award.end_date)
    done = sum(1 for check_in in check_ins if check_in.progress == "completed")
    return [
        Figure(f"{award.amount:,.0f} {award.currency}", "given to the project"),
        Figure(f"{paid:,.0f} {award.currency}", "paid so far"),
        Figure(str(months), "months of work together"),
        Figure(str(people), "people leading it together"),
        Figure(f"{done} of {len(award.milestones)}", "steps done"),
    ]


def _months_between(start: dt.date | None, end: dt.date | None) -> int:
    if start is None or end is None:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month
