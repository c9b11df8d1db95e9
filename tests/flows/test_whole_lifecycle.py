"""A whole round through every stage's real flow, on SQLite and PostgreSQL, S3 over HTTP and SMTP."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from cogrant.composition import App
from cogrant.driver import drive_round
from cogrant.stack.smtp import DevSMTPServer
from models import Application, AuditEntry, Award, Document, OutboxMessage, Payment
from models.enums import AwardStatus, PaymentStatus
from models.lifecycle import ApplicationStatus

S = ApplicationStatus
pytestmark = pytest.mark.slow


def test_a_round_goes_from_submission_to_celebration(app: App, smtp_server: DevSMTPServer) -> None:
    summary = asyncio.run(drive_round(app, applications=16, reviewers=12, seed=3))

    assert sum(summary.statuses.values()) == 16
    assert summary.statuses[S.INELIGIBLE] == 2  # every eighth has no involvement payments
    assert summary.statuses[S.CLOSED] >= 1
    assert set(summary.statuses) <= {S.INELIGIBLE, S.NOT_FUNDED, S.CLOSED}
    pages = [key for key in summary.celebration_keys if key.endswith(".html")]
    assert len(pages) == summary.statuses[S.CLOSED]  # each as a page and as a PDF
    assert sorted(summary.celebration_keys) == sorted(pages + [key[: -len("html")] + "pdf" for key in pages])
    for key in pages:
        html = app.store.get(key).decode()
        assert "We did it together" in html and "Thank you" in html
    with app.unit_of_work() as uow:
        session = uow.session
        awards = session.scalars(select(Award)).all()
        assert len(awards) == summary.statuses[S.CLOSED]
        assert all(award.status == AwardStatus.APPROVED and award.letter_document_id for award in awards)
        assert (
            session.scalar(
                select(func.count())
                .select_from(Payment)
                .where(Payment.award_id.is_not(None), Payment.status != PaymentStatus.RELEASED)
            )
            == 0
        )
        for award in awards:
            assert sum(p.amount for p in award.payments) == award.amount
        letters = session.scalars(select(Document).where(Document.purpose == "award_letter")).all()
        assert all(app.store.exists(letter.key) for letter in letters)
        closed = session.scalars(select(Application).where(Application.status == S.CLOSED)).all()
        path = [
            entry.to_status
            for entry in session.scalars(
                select(AuditEntry).where(AuditEntry.entity_id == closed[0].id).order_by(AuditEntry.id)
            )
        ]
        assert path == [
            S.SUBMITTED,
            S.SCREENING,
            S.IN_REVIEW,
            S.PANEL,
            S.AWARDED,
            S.IN_DELIVERY,
            S.CLOSING,
            S.CLOSED,
        ]
        queued = session.scalar(select(func.count()).select_from(OutboxMessage))
    assert summary.emails_sent == queued
    received = smtp_server.messages
    assert len(received) == queued
    assert len({message.parse()["Message-ID"] for message in received}) == queued
