"""Responsible for the deployments `cogrant up` serves, with their schedules.

Long waits live in the database, not in sleeping processes: sweeps run on a schedule and pick up
whatever is due, and administrators start the panel and award flows from the Prefect UI.
"""

from __future__ import annotations

from prefect.deployments.runner import RunnerDeployment
from prefect.types.entrypoint import EntrypointType

from flows.award import award, award_decision
from flows.delivery import close_out, milestone_check_ins
from flows.funder_reports import round_reports
from flows.intake import intake
from flows.notifications import daily_digest, send_notifications
from flows.review import panel, review_round
from flows.review_reminders import review_reminders

TAGS = ["cogrant"]
# Module paths ("flows.award.award"), not file paths: runs load the installed package from any directory.
BY_MODULE = {"entrypoint_type": EntrypointType.MODULE_PATH, "tags": TAGS}


def deployments() -> list[RunnerDeployment]:
    return [
        intake.to_deployment(
            name="intake",
            interval=300,
            **BY_MODULE,
            description="Screen and acknowledge submitted applications (every 5 minutes)",
        ),
        review_round.to_deployment(
            name="review-round",
            cron="0 7 * * *",
            **BY_MODULE,
            description="Assign joint panels and gather reviews in (daily)",
        ),
        review_reminders.to_deployment(
            name="review-reminders",
            cron="30 7 * * *",
            **BY_MODULE,
            description="Remind reviewers 3 days before reviews are due, and once when late (daily)",
        ),
        panel.to_deployment(
            name="panel",
            **BY_MODULE,
            description="Record the co-chaired panel's decisions (run it after the meeting)",
        ),
        award.to_deployment(
            name="award",
            **BY_MODULE,
            description="Ask administrators to approve each award, then letters and tranches",
        ),
        award_decision.to_deployment(
            name="award-decision", **BY_MODULE, description="One administrator decision on one award"
        ),
        milestone_check_ins.to_deployment(
            name="milestone-check-ins",
            cron="0 8 * * *",
            **BY_MODULE,
            description="Reminders, overdue check-ins, tranche releases (daily)",
        ),
        close_out.to_deployment(
            name="close-out",
            cron="0 9 * * *",
            **BY_MODULE,
            description="Celebration reports from final reports (daily)",
        ),
        round_reports.to_deployment(
            name="round-reports",
            **BY_MODULE,
            description="The round's portfolio and its 360Giving open data, stored in S3 (by hand)",
        ),
        send_notifications.to_deployment(
            name="send-notifications",
            interval=60,
            **BY_MODULE,
            description="Send queued e-mails (every minute)",
        ),
        daily_digest.to_deployment(
            name="daily-digest",
            cron="0 17 * * *",
            **BY_MODULE,
            description="One e-mail a day for people who chose a digest (daily, 17:00)",
        ),
    ]
