"""Responsible for deciding which e-mails a domain event causes, and queueing them in the outbox.

Every message has a dedupe key naming its cause, so re-running a flow never queues an e-mail twice.
Inside an outbox `batch` block (notifications.outbox) the messages of a whole pass are checked against
the outbox together when the block ends; a team's messages always are.
Each person's choices (notifications.preferences) decide the language and whether a message waits
for their daily digest (services.digests).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.applications import Application
from models.awards import Award, CheckIn, Milestone, Payment
from models.base import utcnow
from models.lifecycle import ApplicationStatus
from models.people import Person
from models.review import Assignment, PanelDecision
from models.rounds import FundingRound
from models.status_change import StatusChanged
from notifications.outbox import Email, batch, enqueue_later
from notifications.preferences import choices_of
from services.people import administrators
from services.project_team import acting_team

S = ApplicationStatus


@dataclass(frozen=True)
class Notifier:
    funder_name: str
    contact_email: str
    public_url: str

    def _common(self, recipient: Person) -> dict[str, Any]:
        return {
            "recipient_name": recipient.name,
            "funder_name": self.funder_name,
            "contact_email": self.contact_email,
        }

    def send(self, session: Session, template: str, recipient: Person, key: str, **context: Any) -> None:
        """Queue `template` for `recipient`, in their language and, if they chose one, for their digest.

        `key` names the cause within the template (e.g. an application id): the same key is one e-mail.
        Any message of the catalogue can be sent this way, e.g. ``send(session, "sign_in_link", person,
        token_id, sign_in_url=..., expires_minutes=15)``."""
        choices = choices_of(session, recipient.id)
        email = Email(
            template=template,
            to_address=recipient.email,
            context=self._common(recipient) | context,
            dedupe_key=f"{template}:{key}",
            language=choices.language,
            for_digest=choices.wants_digest,
        )
        enqueue_later(session, email)

    def to_team(
        self,
        session: Session,
        application: Application,
        template: str,
        key: str,
        *,
        leaving_out: int | None = None,
        **context: Any,
    ) -> None:
        """`template` to everyone who acts for the project (but person `leaving_out`), once each (dedupe
        key `key:person id`)."""
        with batch(session):
            for person in acting_team(session, application):
                if person.id != leaving_out:
                    self.send(session, template, person, f"{key}:{person.id}", **context)

    def on_event(self, session: Session, event: object) -> None:
        if not isinstance(event, StatusChanged):
            return
        handler = _STATUS_HANDLERS.get(event.to_status)
        if handler is None:
            return
        application = event.application or session.get(Application, event.application_id)
        if application is not None:
            handler(self, session, application)

    def _project(self, application: Application) -> dict[str, Any]:
        return {
            "reference": application.reference,
            "title": application.title,
            "round_name": application.round.name,
        }

    def _received(self, session: Session, application: Application) -> None:
        self.send(
            session,
            "application_received",
            application.applicant,
            str(application.id),
            decision_date=application.round.decision_by,
            **self._project(application),
        )
        application.acknowledged_at = utcnow()

    def _ineligible(self, session: Session, application: Application) -> None:
        eligibility = application.eligibility or {}
        self.send(
            session,
            "application_ineligible",
            application.applicant,
            str(application.id),
            reasons=eligibility.get("reasons", []),
            alternatives=eligibility.get("suggestions", []),
            **self._project(application),
        )

    def _not_funded(self, session: Session, application: Application) -> None:
        decision = session.scalar(select(PanelDecision).where(PanelDecision.application_id == application.id))
        self.send(
            session,
            "application_not_funded",
            application.applicant,
            str(application.id),
            summary_statement=decision.summary_statement if decision else "",
            lived_experience_mean=decision.lived_experience_mean if decision else None,
            scientist_mean=decision.scientist_mean if decision else None,
            statement_url=self._statement_url(application),
            **self._project(application),
        )

    def _in_delivery(self, session: Session, application: Application) -> None:
        award = session.scalar(select(Award).where(Award.application_id == application.id))
        self.to_team(
            session,
            application,
            "award_offered",
            str(application.id),
            amount=award.amount,
            currency=award.currency,
            conditions=[line for line in award.conditions.splitlines() if line.strip()],
            start_date=award.start_date,
            end_date=award.end_date,
            award_letter_url=f"{self.public_url}/applications/{application.reference}/award",
            **self._project(application),
        )

    def _closed(self, session: Session, application: Application) -> None:
        self.to_team(
            session,
            application,
            "celebration_shared",
            str(application.id),
            reference=application.reference,
            project_title=application.title,
            report_url=f"{self.public_url}/celebrations/{application.reference}",
        )

    def reviewers_assigned(self, session: Session, assignments: list[Assignment]) -> None:
        by_reviewer: dict[int, list[Assignment]] = defaultdict(list)
        for assignment in assignments:
            by_reviewer[assignment.reviewer_id].append(assignment)
        if not by_reviewer:
            return
        # Everyone and every round named, each asked for once.
        reviewers = {
            person.id: person
            for person in session.scalars(select(Person).where(Person.id.in_(list(by_reviewer))))
        }
        round_names = dict(
            session.execute(
                select(Application.id, FundingRound.name)
                .join(FundingRound, FundingRound.id == Application.round_id)
                .where(Application.id.in_({tasks[0].application_id for tasks in by_reviewer.values()}))
            )
            .tuples()
            .all()
        )
        for reviewer_id, tasks in sorted(by_reviewer.items()):
            reviewer = reviewers[reviewer_id]
            first = min(task.id for task in tasks)
            self.send(
                session,
                "review_assigned",
                reviewer,
                f"{reviewer_id}:{first}",
                round_name=round_names[tasks[0].application_id],
                application_count=len(tasks),
                due_date=min(task.due_at for task in tasks).date(),
                portal_url=f"{self.public_url}/reviews",
            )

    def summary_statements(self, session: Session, decisions: list[PanelDecision]) -> None:
        """Each decided application's team is told its summary statement is ready, once per person."""
        with batch(session):
            for decision in decisions:
                if decision.decided_at is not None:
                    self._summary_statement(session, decision)

    def _summary_statement(self, session: Session, decision: PanelDecision) -> None:
        application = decision.application
        self.to_team(
            session,
            application,
            "summary_statement",
            str(application.id),
            # The applicant of a project not funded has the statement in the decision e-mail already.
            leaving_out=application.applicant_id if application.status == S.NOT_FUNDED else None,
            project_title=application.title,
            reference=application.reference,
            statement=decision.summary_statement,
            statement_url=self._statement_url(application),
        )

    def _statement_url(self, application: Application) -> str:
        return f"{self.public_url}/applications/{application.reference}/summary-statement"

    def milestone(self, session: Session, template: str, milestone: Milestone, today: dt.date) -> None:
        application = milestone.award.application
        details = {
            "reference": application.reference,
            "project_title": application.title,
            "milestone_title": milestone.title,
            "due_date": milestone.due_on,
        }
        if template == "checkin_reminder":
            self.to_team(
                session,
                application,
                template,
                str(milestone.id),
                checkin_url=f"{self.public_url}/applications/{application.reference}/check-ins",
                **details,
            )
            return
        for admin in administrators(session):
            self.send(
                session,
                template,
                admin,
                f"{milestone.id}:{admin.id}",
                days_overdue=(today - milestone.due_on).days,
                project_url=f"{self.public_url}/admin/applications/{application.reference}",
                **details,
            )

    def tranche_released(self, session: Session, payment: Payment) -> None:
        application = payment.award.application
        milestone = session.get(Milestone, payment.milestone_id) if payment.milestone_id else None
        self.to_team(
            session,
            application,
            "tranche_released",
            str(payment.id),
            project_title=application.title,
            reference=application.reference,
            amount=f"{payment.amount:,.2f} {payment.currency}",
            tranche_number=payment.sequence,
            milestone_title=milestone.title if milestone else "",
        )

    def check_in_changes_requested(self, session: Session, check_in: CheckIn) -> None:
        milestone = check_in.milestone
        application = milestone.award.application
        asked = f"{check_in.changes_requested_at:%Y%m%d%H%M%S%f}"
        self.to_team(
            session,
            application,
            "checkin_changes_requested",
            f"{check_in.id}:{asked}",
            reference=application.reference,
            project_title=application.title,
            milestone_title=milestone.title,
            note=check_in.changes_note,
            checkin_url=f"{self.public_url}/applications/{application.reference}/check-ins",
        )

    def final_report_late(
        self, session: Session, application: Application, *, due_on: dt.date, today: dt.date
    ) -> None:
        """Before the due date a reminder to the team; after it, the administrators are told."""
        details = {
            "project_title": application.title,
            "reference": application.reference,
            "due_date": due_on,
            "report_url": f"{self.public_url}/applications/{application.reference}/final-report",
        }
        if today <= due_on:
            self.to_team(session, application, "final_report_reminder", str(application.id), **details)
            return
        for admin in administrators(session):
            days = (today - due_on).days
            key = f"{application.id}:{admin.id}"
            self.send(session, "final_report_overdue", admin, key, days_overdue=days, **details)

    def final_report_due(self, session: Session, application: Application, due_on: dt.date) -> None:
        self.to_team(
            session,
            application,
            "final_report_due",
            str(application.id),
            project_title=application.title,
            reference=application.reference,
            due_date=due_on,
            report_url=f"{self.public_url}/applications/{application.reference}/final-report",
        )


_STATUS_HANDLERS = {
    S.SUBMITTED: Notifier._received,
    S.INELIGIBLE: Notifier._ineligible,
    S.NOT_FUNDED: Notifier._not_funded,
    S.IN_DELIVERY: Notifier._in_delivery,
    S.CLOSED: Notifier._closed,
}
