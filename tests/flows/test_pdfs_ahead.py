"""Batches of award letters and celebration reports keep the PDF workers busy: each batch starts the next
one's PDFs while it is stored, and every PDF is rendered once, for the page it was made from."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import Future

import pytest
from sqlalchemy import func, select

from cogrant.composition import App
from cogrant.stack.smtp import DevSMTPServer
from flows.award import award
from flows.delivery import close_out
from models import Application, Document, FundingRound
from models.lifecycle import ApplicationStatus
from services import pdfs_ahead
from tests.support.stages import START, approved, closing


@pytest.fixture
def pdfs_started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every page whose PDF is handed to the worker processes (two of them), in order."""
    monkeypatch.setenv("COGRANT_PDF_WORKERS", "2")
    started: list[str] = []
    real = pdfs_ahead.pdf_futures

    def counting(htmls: Sequence[str]) -> list[Future[bytes]] | None:
        started.extend(htmls)
        return real(htmls)

    monkeypatch.setattr(pdfs_ahead, "pdf_futures", counting)
    return started


def _round_and_documents(app: App) -> tuple[int, int]:
    with app.unit_of_work() as uow:
        round_id = uow.session.scalars(select(FundingRound.id)).one()
        return round_id, uow.session.scalar(select(func.count()).select_from(Document)) or 0


def test_letters_in_batches_render_each_pdf_once_ahead_of_its_batch(
    app: App, smtp_server: DevSMTPServer, pdfs_started: list[str]
) -> None:
    assert len(approved(app)) == 7
    round_id, _ = _round_and_documents(app)

    assert asyncio.run(award(round_id=round_id, start_date=START, batch_size=3))["set_up"] == 7

    assert len(pdfs_started) == len(set(pdfs_started)) == 7  # none rendered twice
    assert not pdfs_ahead._ahead  # every PDF started ahead was used by its own letter
    with app.unit_of_work() as uow:
        statuses = uow.session.scalars(select(Application.status)).all()
    assert statuses.count(ApplicationStatus.IN_DELIVERY) == 7
    assert _round_and_documents(app)[1] == 7 * 2


def test_celebrations_in_batches_render_each_pdf_once_ahead_of_its_batch(
    app: App, smtp_server: DevSMTPServer, pdfs_started: list[str]
) -> None:
    closing(app)
    round_id, letters = _round_and_documents(app)
    pdfs_started.clear()  # the letters' PDFs

    assert asyncio.run(close_out(round_id=round_id, batch_size=3))["celebrated"] == 7

    assert len(pdfs_started) == len(set(pdfs_started)) == 7
    assert not pdfs_ahead._ahead
    assert _round_and_documents(app)[1] == letters + 7 * 2
