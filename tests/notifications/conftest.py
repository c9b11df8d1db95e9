"""Responsible for the notifications test fixtures: a SQLite outbox, sample contexts and SMTP servers.

The relay tests talk to real SMTP servers over TCP: the project's dev server
(`cogrant.stack.smtp.DevSMTPServer`), and for refusals a small aiosmtpd server whose handler answers
RCPT for chosen addresses with a chosen reply (the dev server has no hook for that).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from cogrant.stack.ports import DEFAULT_HOST, free_port
from cogrant.stack.smtp import DevSMTPServer, Mailbox
from models import Base
from notifications.relay import SmtpSettings
from services.database import session_factory as migrated_sessions
from tests.conftest import _empty_all_tables, _migrated_engine

FROM_ADDRESS = "Pilot Fund <hello@pilotfund.example>"


def sample_contexts() -> dict[str, dict[str, Any]]:
    """A complete, realistic context for every template (fresh dicts each call)."""
    common = {
        "recipient_name": "Amina",
        "funder_name": "Pilot Fund",
        "contact_email": "help@pilotfund.example",
    }
    per_template: dict[str, dict[str, Any]] = {
        "application_received": {
            "reference": "PF-2026-014",
            "title": "Walking group for carers",
            "round_name": "Spring 2026",
            "decision_date": dt.date(2026, 6, 30),
        },
        "application_ineligible": {
            "reference": "PF-2026-015",
            "title": "Clinic sign-up app",
            "round_name": "Spring 2026",
            "reasons": ["The project runs for 3 years. This round funds up to 12 months."],
            "alternatives": ["Apply to our Autumn round, which funds longer projects."],
        },
        "review_assigned": {
            "round_name": "Spring 2026",
            "application_count": 5,
            "due_date": dt.date(2026, 4, 17),
            "portal_url": "https://portal.pilotfund.example/reviews",
        },
        "application_not_funded": {
            "reference": "PF-2026-016",
            "title": "Memory cafe research",
            "round_name": "Spring 2026",
            "summary_statement": "A caring idea.\n\nThe plan needs more time for partners.",
            "lived_experience_mean": Decimal("4.5"),
            "scientist_mean": 5.25,
            "statement_url": "https://cogrant.example/applications/PF-2026-016/summary-statement",
        },
        "award_offered": {
            "reference": "PF-2026-017",
            "title": "Young carers voices",
            "amount": Decimal("24500"),
            "currency": "GBP",
            "conditions": ["Send us your partner agreement before you start."],
            "start_date": dt.date(2026, 9, 1),
            "end_date": dt.date(2027, 8, 31),
            "award_letter_url": "https://portal.pilotfund.example/awards/17/letter",
        },
        "checkin_reminder": {
            "reference": "PF-2026-017",
            "project_title": "Young carers voices",
            "milestone_title": "First community workshop",
            "due_date": dt.date(2026, 12, 1),
            "checkin_url": "https://portal.pilotfund.example/checkins/41",
        },
        "checkin_overdue": {
            "reference": "PF-2026-017",
            "project_title": "Young carers voices",
            "milestone_title": "First community workshop",
            "due_date": dt.date(2026, 12, 1),
            "days_overdue": 9,
            "project_url": "https://portal.pilotfund.example/admin/projects/17",
        },
        "celebration_shared": {
            "reference": "PF-2026-017",
            "project_title": "Young carers voices",
            "report_url": "https://portal.pilotfund.example/celebrations/17",
        },
        "sign_in_link": {
            "sign_in_url": "https://portal.pilotfund.example/sign-in/Zq81xT",
            "expires_minutes": 15,
        },
        "coapplicant_invitation": {
            "inviter_name": "Sam Okafor",
            "application_title": "Walking group for carers",
            "access": "edit",
            "accept_url": "https://portal.pilotfund.example/invitations/9",
        },
        "reviewer_invitation": {
            "round_name": "Spring 2026",
            "accept_url": "https://portal.pilotfund.example/reviewers/join/4",
        },
        "review_reminder": {
            "round_name": "Spring 2026",
            "due_date": dt.date(2026, 4, 17),
            "tasks_url": "https://portal.pilotfund.example/reviews",
            "open_tasks": 2,
        },
        "review_overdue": {
            "round_name": "Spring 2026",
            "due_date": dt.date(2026, 4, 17),
            "tasks_url": "https://portal.pilotfund.example/reviews",
            "open_tasks": 1,
        },
        "conflict_declared": {
            "reviewer_name": "Dr Lee Park",
            "reference": "PF-2026-016",
            "project_title": "Memory cafe research",
            "how_found": "the reviewer declared it before reading the application",
            "conflict_reason": "I co-wrote a paper with the lead applicant last year.",
            "conflicts_url": "https://portal.pilotfund.example/admin/conflicts",
        },
        "summary_statement": {
            "project_title": "Memory cafe research",
            "reference": "PF-2026-016",
            "statement": "Scores run from 1 (best) to 9.\n"
            "People with lived experience gave it 3.5 on average.\n"
            "Scientists gave it 4.0 on average.\nReviewer 1: A kind plan. Say how you will pay people.",
            "statement_url": "https://portal.pilotfund.example/statements/16",
        },
        "tranche_released": {
            "project_title": "Young carers voices",
            "reference": "PF-2026-017",
            "amount": "£8,000",
            "tranche_number": 2,
            "milestone_title": "First community workshop",
        },
        "final_report_due": {
            "project_title": "Young carers voices",
            "reference": "PF-2026-017",
            "due_date": dt.date(2027, 10, 30),
            "report_url": "https://portal.pilotfund.example/reports/17",
        },
        "final_report_reminder": {
            "project_title": "Young carers voices",
            "reference": "PF-2026-017",
            "due_date": dt.date(2027, 10, 30),
            "report_url": "https://portal.pilotfund.example/reports/17",
        },
        "final_report_overdue": {
            "project_title": "Young carers voices",
            "reference": "PF-2026-017",
            "due_date": dt.date(2027, 10, 30),
            "days_overdue": 3,
            "report_url": "https://portal.pilotfund.example/reports/17",
        },
        "checkin_changes_requested": {
            "reference": "PF-2026-017",
            "project_title": "Young carers voices",
            "milestone_title": "First community workshop",
            "note": "Please add who came to the workshop.",
            "checkin_url": "https://portal.pilotfund.example/checkins/41",
        },
        "daily_digest": {
            "day": dt.date(2026, 12, 1),
            "items": [
                {
                    "subject": "Reminder: please tell us how your project is going",
                    "text": "Hello Amina,\n\nIt is time.",
                },
                {
                    "subject": "We have paid £8,000 for Young carers voices",
                    "text": "Hello Amina,\n\nWe sent it.",
                },
            ],
        },
    }
    return {name: {**common, **context} for name, context in per_template.items()}


@pytest.fixture
def contexts() -> dict[str, dict[str, Any]]:
    return sample_contexts()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_db(request: pytest.FixtureRequest) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """A migrated, empty database on SQLite and on PostgreSQL that other processes can open too:
    (url, sessions). (This directory's `engine` is a private SQLite file made without migrations.)"""
    url = request.getfixturevalue(f"{request.param}_url")
    engine = _migrated_engine(url)
    _empty_all_tables(engine)
    yield url, migrated_sessions(engine)


@pytest.fixture
def smtp_server() -> Iterator[DevSMTPServer]:
    with DevSMTPServer() as server:
        yield server


@pytest.fixture
def smtp_settings() -> Callable[..., SmtpSettings]:
    """`smtp_settings(port, **overrides)`: relay settings for a local test server."""

    def build(port: int, **overrides: Any) -> SmtpSettings:
        values: dict[str, Any] = {"host": DEFAULT_HOST, "port": port, "from_address": FROM_ADDRESS}
        return SmtpSettings(**{**values, "timeout": 5.0, **overrides})

    return build


class RefusingHandler:
    """Accepts mail into a Mailbox, except that RCPT for an address in `replies` gets that reply."""

    def __init__(self, mailbox: Mailbox, replies: dict[str, str]) -> None:
        self.mailbox = mailbox
        self.replies = replies

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.replies:
            return self.replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or b""
        self.mailbox.add(mail_from=envelope.mail_from or "", rcpt_tos=tuple(envelope.rcpt_tos), data=data)
        return "250 Message accepted for delivery"


@pytest.fixture
def refusing_smtp() -> Iterator[Callable[[dict[str, str]], tuple[Mailbox, int]]]:
    """Start a server that refuses chosen recipients: `mailbox, port = refusing_smtp({address: reply})`."""
    controllers: list[Controller] = []

    def start(replies: dict[str, str]) -> tuple[Mailbox, int]:
        mailbox, port = Mailbox(), free_port()
        controller = Controller(
            RefusingHandler(mailbox, replies), hostname=DEFAULT_HOST, port=port, server_hostname="localhost"
        )
        controller.start()
        controllers.append(controller)
        return mailbox, port

    yield start
    for controller in controllers:
        controller.stop()
