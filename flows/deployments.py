"""Responsible for the deployments `cogrant up` serves, with their schedules.

Long waits live in the database, not in sleeping processes: sweeps run on a schedule and pick up
whatever is due, and administrators start the panel and award flows from the Prefect UI.
"""

from __future__ import annotations

from prefect.deployments.runner import RunnerDeployment

from flows.award import award, award_decision
from flows.delivery import close_out, milestone_check_ins
from flows.intake import intake
from flows.notifications import send_notifications
from flows.review import panel, review_round

TAGS = ["cogrant"]


def deployments() -> list[RunnerDeployment]:
    return [
        intake.to_deployment(
            name="intake",
            interval=300,
            tags=TAGS,
            description="Screen and acknowledge submitted applications (every 5 minutes)",
        ),
        review_round.to_deployment(
            name="review-round",
            cron="0 7 * * *",
            tags=TAGS,
            description="Assign joint panels and gather reviews in (daily)",
        ),
        panel.to_deployment(
            name="panel",
            tags=TAGS,
            description="Record the co-chaired panel's decisions (run it after the meeting)",
        ),
        award.to_deployment(
            name="award",
            tags=TAGS,
            description="Ask administrators to approve each award, then letters and tranches",
        ),
        award_decision.to_deployment(
            name="award-decision", tags=TAGS, description="One administrator decision on one award"
        ),
        milestone_check_ins.to_deployment(
            name="milestone-check-ins",
            cron="0 8 * * *",
            tags=TAGS,
            description="Reminders, overdue check-ins, tranche releases (daily)",
        ),
        close_out.to_deployment(
            name="close-out",
            cron="0 9 * * *",
            tags=TAGS,
            description="Celebration reports from final reports (daily)",
        ),
        send_notifications.to_deployment(
            name="send-notifications",
            interval=60,
            tags=TAGS,
            description="Send queued e-mails (every minute)",
        ),
    ]
