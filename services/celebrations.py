"""Responsible for finding published celebration reports: a closed project's report, stored in the
document store when it was shared (services.closeout.publish_celebrations), for its public page.

Only projects that are closed and whose report was stored count as published; anything else is NotFound,
the same as a reference that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from models.applications import Application, Document
from models.awards import CloseOutReport
from models.errors import NotFound
from models.lifecycle import ApplicationStatus
from models.rounds import FundingRound
from storage.documents import DocumentStore

_MAIN = re.compile(r"<main>(.*)</main>", re.DOTALL)


@dataclass(frozen=True)
class PublishedCelebration:
    application: Application
    page: Document
    pdf: Document | None


def _published() -> Select[tuple[CloseOutReport]]:
    return (
        select(CloseOutReport)
        .join(Application, Application.id == CloseOutReport.application_id)
        .where(
            Application.status == ApplicationStatus.CLOSED,
            CloseOutReport.celebration_document_id.is_not(None),
        )
        .options(joinedload(CloseOutReport.application))
    )


def published_celebration(session: Session, reference: str) -> PublishedCelebration:
    report = session.scalar(_published().where(Application.reference == reference))
    if report is None:
        raise NotFound(f"no published celebration report {reference!r}")
    pdf_id = report.celebration_pdf_document_id
    return PublishedCelebration(
        application=report.application,
        page=session.get(Document, report.celebration_document_id),
        pdf=session.get(Document, pdf_id) if pdf_id else None,
    )


def published_celebrations(session: Session, *, round_slug: str | None = None) -> list[Application]:
    """The closed projects with a published celebration report, by round then reference."""
    query = _published()
    if round_slug is not None:
        query = query.join(FundingRound, FundingRound.id == Application.round_id).where(
            FundingRound.slug == round_slug
        )
    reports = session.scalars(query.order_by(Application.round_id, Application.reference))
    return [report.application for report in reports]


def celebration_body(store: DocumentStore, page: Document) -> str:
    """The stored report's content (what is inside its <main>), to show inside the portal's page. It is
    our own rendering of the team's words, escaped when it was made."""
    html = store.get(page.key).decode("utf-8")
    found = _MAIN.search(html)
    return found.group(1) if found else html
