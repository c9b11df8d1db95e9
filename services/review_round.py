"""Responsible for the joint review round: assigning panels, taking reviews in, equal-voice aggregation."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from models.applications import Application
from models.base import utcnow
from models.enums import AssignmentSource, ReviewerType, ReviewStatus
from models.errors import AccessDenied, ConcurrentEdit, DomainError, NotFound
from models.lifecycle import ApplicationStatus
from models.people import Person, ReviewerProfile
from models.review import Assignment, Conflict, PanelDecision, Review, unwaived_conflict
from models.rounds import FundingRound
from models.schemas import ReviewDraftInput, ReviewInput
from models.status_change import change_statuses
from reviewers.affinity import ReviewerWords, affinity_table, words
from reviewers.assignment import AssignmentResult, assign_reviewers
from reviewers.roles import ApplicationSlot, ReviewerSlot
from reviewers.scoring import ApplicationScore, ReviewScore, discussion_list, score_application
from services.assignment_changes import removed_pairs
from services.round_conflicts import gather_conflicts

S = ApplicationStatus


@dataclass
class AssignmentOutcome:
    new_assignments: list[Assignment] = field(default_factory=list)
    result: AssignmentResult | None = None

    @property
    def shortfall_messages(self) -> list[str]:
        return [shortfall.reason for shortfall in self.result.shortfalls] if self.result else []


def _slots(
    session: Session, applications: list[Application]
) -> tuple[list[ApplicationSlot], list[ReviewerSlot]]:
    application_slots = [
        ApplicationSlot(
            id=application.id,
            organisation=application.lead_organisation.name if application.lead_organisation else None,
            co_applicant_ids=frozenset(
                {application.applicant_id} | {c.person_id for c in application.co_leads if c.person_id}
            ),
        )
        for application in applications
    ]
    profiles = session.scalars(
        select(ReviewerProfile)
        .where(ReviewerProfile.available.is_(True))
        .options(selectinload(ReviewerProfile.person).selectinload(Person.organisation))
        .order_by(ReviewerProfile.person_id)
    ).all()
    reviewer_slots = [
        ReviewerSlot(
            id=profile.person_id,
            type=str(profile.reviewer_type),
            organisation=profile.person.organisation.name if profile.person.organisation else None,
            max_load=profile.max_load,
            min_load=min(profile.min_load, profile.max_load),
        )
        for profile in profiles
    ]
    return application_slots, reviewer_slots


def _affinities(session: Session, applications: list[Application]) -> dict[tuple[int, int], float]:
    profiles = session.scalars(select(ReviewerProfile).where(ReviewerProfile.available.is_(True))).all()
    reviewers = [(p.person_id, ReviewerWords.of(topics=p.topics, statement=p.statement)) for p in profiles]
    texts = [(application.id, words(_reviewable_text(application))) for application in applications]
    return affinity_table(texts, reviewers)


def _reviewable_text(application: Application) -> str:
    return " ".join([application.title, application.summary, *map(str, application.sections.values())])


def assign_round(
    session: Session, funding_round: FundingRound, *, now: dt.datetime, actor: str
) -> AssignmentOutcome:
    """Give each application in review its joint panel. Existing assignments (solver's or pinned by hand)
    are kept as they are, and pairs an administrator removed are never given again."""
    applications = list(
        session.scalars(
            select(Application)
            .where(Application.round_id == funding_round.id, Application.status == S.IN_REVIEW)
            .options(selectinload(Application.co_leads), selectinload(Application.lead_organisation))
            .order_by(Application.id)
        )
    )
    if not applications:
        return AssignmentOutcome()
    application_slots, reviewer_slots = _slots(session, applications)
    conflicts = gather_conflicts(session, funding_round, application_slots, reviewer_slots)
    existing = set(conflicts.seated)
    if _every_panel_full(funding_round, applications, conflicts.seated):
        return AssignmentOutcome()
    affinities = _affinities(session, applications)
    result = assign_reviewers(
        application_slots,
        reviewer_slots,
        panel_makeup=funding_round.panel_makeup(),
        conflicts=conflicts.declared,
        waived=conflicts.waived,
        affinities=affinities,
        fixed=existing,
        forbidden=removed_pairs(session, funding_round),
    )
    types = {slot.id: slot.type for slot in reviewer_slots}
    due_at = now + dt.timedelta(days=int(funding_round.review_config.get("review_days", 21)))
    outcome = AssignmentOutcome(result=result)
    for application_id, reviewer_id in result.pairs:
        if (application_id, reviewer_id) in existing:
            continue
        assignment = Assignment(
            round_id=funding_round.id,
            application_id=application_id,
            reviewer_id=reviewer_id,
            reviewer_type=ReviewerType(types[reviewer_id]),
            source=AssignmentSource.SOLVER,
            affinity=affinities.get((application_id, reviewer_id), 0.0),
            due_at=due_at,
        )
        session.add(assignment)
        outcome.new_assignments.append(assignment)
    session.flush()
    return outcome


def _every_panel_full(
    funding_round: FundingRound, applications: list[Application], seated: dict[tuple[int, int], str]
) -> bool:
    """True when a re-run has nothing to add: every application has its whole panel already."""
    counts = Counter((application_id, kind) for (application_id, _), kind in seated.items())
    makeup = funding_round.panel_makeup()
    return all(
        counts[(application.id, kind)] >= need
        for application in applications
        for kind, need in makeup.items()
    )


@dataclass(frozen=True)
class ReviewSave:
    """One reviewer's draft or review for one of their review tasks."""

    assignment_id: int
    reviewer_id: int
    review: ReviewDraftInput
    expected_version: int | None = None


def save_review(
    session: Session,
    assignment_id: int,
    review: ReviewDraftInput,
    *,
    reviewer_id: int,
    submit: bool,
    expected_version: int | None = None,
) -> Review:
    """Save a reviewer's draft or submit it. Only the assigned, unconflicted reviewer may, while in review.

    `expected_version` is the review's version when the reviewer opened it (0 before the first save); a
    save made from an older copy raises ConcurrentEdit and changes nothing.
    """
    save = ReviewSave(assignment_id, reviewer_id, review, expected_version)
    return save_reviews(session, [save], submit=submit)[0]


def save_reviews(session: Session, saves: list[ReviewSave], *, submit: bool) -> list[Review]:
    """`save_review` for many review tasks at once (e.g. reviews brought in together): the tasks and
    their conflicts are read in one go and the reviews written in one flush. Every save is checked
    before any is written, so the first one refused raises its error and none is changed."""
    if not saves:
        return []
    assignments = {
        assignment.id: assignment
        for assignment in session.scalars(
            select(Assignment)
            .where(Assignment.id.in_([save.assignment_id for save in saves]))
            .options(selectinload(Assignment.review), selectinload(Assignment.application))
        )
    }
    conflicts = {
        (conflict.application_id, conflict.reviewer_id): conflict
        for conflict in session.scalars(
            select(Conflict).where(
                Conflict.application_id.in_({a.application_id for a in assignments.values()})
            )
        )
    }
    checked = []
    for save in saves:
        assignment = assignments.get(save.assignment_id)
        if assignment is None:
            raise NotFound(f"no review task with id {save.assignment_id}")
        conflict = conflicts.get((assignment.application_id, save.reviewer_id))
        checked.append((assignment, _checked_review(assignment, save, conflict, submit=submit)))
    records = [_write_review(assignment, review, submit=submit) for assignment, review in checked]
    session.add_all(records)
    try:
        session.flush()
    except StaleDataError as stale:  # another transaction saved it between our read and our write
        raise ConcurrentEdit("this review was saved somewhere else at the same moment") from stale
    return records


def _checked_review(
    assignment: Assignment, save: ReviewSave, conflict: Conflict | None, *, submit: bool
) -> ReviewDraftInput:
    """The review to write, once this reviewer may save it now; a domain error otherwise."""
    if assignment.reviewer_id != save.reviewer_id:
        raise AccessDenied("this review task belongs to another reviewer")
    if conflict is not None and not conflict.waived:
        raise AccessDenied("you have a conflict of interest with this application")
    if assignment.application.status != S.IN_REVIEW:
        raise DomainError("reviews can only be changed while the application is in review")
    record = assignment.review
    if record is not None and record.status == ReviewStatus.SUBMITTED:
        raise DomainError("this review was already submitted and can no longer be changed")
    if save.expected_version is not None and save.expected_version != ((record and record.version) or 0):
        raise ConcurrentEdit("this review was saved somewhere else after you opened it")
    # A draft may be partial; a review may not.
    return ReviewInput.model_validate(save.review.model_dump()) if submit else save.review


def _write_review(assignment: Assignment, review: ReviewDraftInput, *, submit: bool) -> Review:
    record = assignment.review or Review(assignment=assignment)
    record.scores = {key: value for key, value in review.scores.items()}
    record.overall = review.overall
    record.comment_for_applicant = review.comment_for_applicant
    record.comment_for_panel = review.comment_for_panel
    record.nominated_for_discussion = review.nominated_for_discussion
    record.nomination_reason = review.nomination_reason if review.nominated_for_discussion else ""
    if submit:
        record.status, record.submitted_at = ReviewStatus.SUBMITTED, utcnow()
    return record


def score_round(session: Session, funding_round: FundingRound) -> list[ApplicationScore]:
    """Equal-voice scores of every application with a review in; nothing is changed."""
    rows = session.execute(
        select(Assignment.application_id, Assignment.reviewer_id, Assignment.reviewer_type, Review.overall)
        .join(Review, Review.assignment_id == Assignment.id)
        .where(
            Assignment.round_id == funding_round.id,
            Review.status == ReviewStatus.SUBMITTED,
            ~unwaived_conflict(Assignment.application_id, Assignment.reviewer_id),
        )
        .order_by(Assignment.application_id, Assignment.reviewer_id)
    ).all()
    by_application: dict[int, list[ReviewScore]] = defaultdict(list)
    for application_id, reviewer_id, reviewer_type, overall in rows:
        by_application[application_id].append(ReviewScore(reviewer_id, str(reviewer_type), overall))
    return [score_application(app_id, scores) for app_id, scores in sorted(by_application.items())]


def nominated_applications(session: Session, funding_round: FundingRound) -> set[int]:
    """Applications a reviewer nominated for panel discussion in a submitted review."""
    return set(
        session.scalars(
            select(Assignment.application_id)
            .join(Review, Review.assignment_id == Assignment.id)
            .where(
                Assignment.round_id == funding_round.id,
                Review.status == ReviewStatus.SUBMITTED,
                Review.nominated_for_discussion.is_(True),
            )
        )
    )


def move_reviewed_to_panel(
    session: Session, funding_round: FundingRound, *, actor: str
) -> list[ApplicationScore]:
    """Record preliminary scores and flags; applications with every review in go to panel. Re-runnable."""
    scores = {score.application_id: score for score in score_round(session, funding_round)}
    in_review = session.scalars(
        select(Application)
        .where(Application.round_id == funding_round.id, Application.status == S.IN_REVIEW)
        .order_by(Application.id)
    ).all()
    makeup = funding_round.panel_makeup()
    complete = [
        application
        for application in in_review
        if application.id in scores
        and all(scores[application.id].counts.get(kind, 0) >= need for kind, need in makeup.items())
    ]
    decisions = {
        decision.application_id: decision
        for decision in session.scalars(
            select(PanelDecision).where(PanelDecision.application_id.in_([a.id for a in complete]))
        )
    }
    for application in complete:
        score = scores[application.id]
        decision = decisions.get(application.id)
        if decision is None:
            decision = PanelDecision(application_id=application.id, round_id=funding_round.id)
            session.add(decision)
        decision.lived_experience_mean = score.lived_experience_mean
        decision.scientist_mean = score.scientist_mean
        decision.community_mean = score.community_mean
        decision.preliminary_score = score.final_score
        decision.flags = list(score.flags)
    change_statuses(session, complete, S.PANEL, actor=actor, reason="every review is in")
    session.flush()
    at_panel = session.scalars(select(PanelDecision).where(PanelDecision.round_id == funding_round.id)).all()
    scored = [scores[d.application_id] for d in at_panel if d.application_id in scores]
    nominated = nominated_applications(session, funding_round) & {s.application_id for s in scored}
    to_discuss = set(discussion_list(scored, nominated=nominated))
    for decision in at_panel:
        decision.discussed = decision.application_id in to_discuss
    return sorted(
        scores.values(), key=lambda s: (s.final_score is None, s.final_score or 0, s.application_id)
    )
