"""Responsible for close-out: the final report (GRIPP2 short form), consent to be named, and the
celebration report (a page and a tagged PDF) shared with the community."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.applications import Application, CoLead, Document
from models.awards import Award, CloseOutReport, NamingConsent
from models.base import utcnow
from models.enums import DocumentPurpose
from models.errors import DomainError, NotFound
from models.lifecycle import ApplicationStatus
from models.schemas import FinalReportInput
from models.status_change import change_statuses
from reports.celebration import celebration_html, celebration_views
from services.documents import RenderedPage, store_pages
from services.project_team import ensure_may_act, team_loaded
from storage.documents import DocumentStore

S = ApplicationStatus
FINAL_REPORT_DAYS = 60
GRIPP2_FIELDS = ("aim", "methods", "results", "outcomes", "critical_reflection")


def final_report_due_on(award: Award) -> dt.date:
    """The final report is due within 60 days of the project's end."""
    return award.end_date + dt.timedelta(days=FINAL_REPORT_DAYS)


def submit_final_report(
    session: Session, application_id: int, report: FinalReportInput, *, person_id: int | None
) -> CloseOutReport:
    """Save (or correct, until the project is closed) a project's final report. `person_id` is the team
    member sending it; None only for staff entering a report they were given another way."""
    application = session.get(Application, application_id)
    if application is None:
        raise NotFound(f"no application with id {application_id}")
    if person_id is not None:
        ensure_may_act(session, application, person_id, doing="send its final report")
    if application.status == S.CLOSED:
        raise DomainError(
            f"{application.reference} is closed and its celebration report is out; "
            "the final report can no longer be sent or changed"
        )
    if application.status != S.CLOSING:
        raise DomainError(
            f"a final report is asked for once every check-in is in; {application.reference} is "
            f"{application.status}"
        )
    record = session.scalar(select(CloseOutReport).where(CloseOutReport.application_id == application_id))
    if record is None:
        record = CloseOutReport(application=application)
        session.add(record)
    record.gripp2 = report.model_dump(include=set(GRIPP2_FIELDS))
    record.highlights, record.thanks = report.highlights, report.thanks
    record.quotes = [quote.model_dump() for quote in report.quotes]
    record.submitted_at = utcnow()
    session.flush()
    return record


def record_naming_consent(
    session: Session, application_id: int, *, person_id: int, may_be_named: bool
) -> None:
    """A team member says whether they may be named in the celebration report and the open data."""
    application = session.get(Application, application_id)
    if application is None:
        raise NotFound(f"no application with id {application_id}")
    ensure_may_act(session, application, person_id, doing="be named in its reports")
    consent = session.scalar(
        select(NamingConsent).where(
            NamingConsent.application_id == application_id, NamingConsent.person_id == person_id
        )
    )
    if consent is None:
        consent = NamingConsent(application_id=application_id, person_id=person_id)
        session.add(consent)
    consent.may_be_named = may_be_named
    session.flush()


def reports_ready_to_celebrate(session: Session, *, round_id: int | None = None) -> list[int]:
    """Closing projects whose final report is in: of one round, or of every round."""
    query = (
        select(Application.id)
        .join(CloseOutReport, CloseOutReport.application_id == Application.id)
        .where(Application.status == S.CLOSING)
    )
    if round_id is not None:
        query = query.where(Application.round_id == round_id)
    return list(session.scalars(query.order_by(Application.id)))


def _celebrations(session: Session, applications: list[Application]) -> list[RenderedPage]:
    views = celebration_views(session, applications)
    return [
        RenderedPage(
            application,
            DocumentPurpose.CELEBRATION_REPORT,
            f"celebrations/{application.reference}/celebration-report",
            celebration_html(views[application.id]),
        )
        for application in applications
    ]


def _for_celebration() -> tuple[Any, ...]:
    """Loader options for what a celebration report reads of its project, for a batch at once."""
    co_leads = selectinload(CloseOutReport.application).selectinload(Application.co_leads)
    return (*team_loaded(CloseOutReport.application), co_leads.selectinload(CoLead.organisation))


def celebrations_to_come(session: Session, application_ids: list[int]) -> list[str]:
    """The celebration reports (HTML) `publish_celebrations` would write for these projects, so their
    PDFs can be rendered ahead (services.pdfs_ahead). Reads only."""
    reports = session.scalars(
        select(CloseOutReport)
        .where(
            CloseOutReport.application_id.in_(application_ids),
            CloseOutReport.celebration_document_id.is_(None),
        )
        .options(*_for_celebration())
        .order_by(CloseOutReport.application_id)
    )
    return [page.html for page in _celebrations(session, [report.application for report in reports])]


def publish_celebrations(
    session: Session, store: DocumentStore, application_ids: list[int], *, actor: str
) -> list[str]:
    """Render each celebration report, store them, close the projects. Returns the document keys."""
    reports = {
        report.application_id: report
        for report in session.scalars(
            select(CloseOutReport)
            .where(CloseOutReport.application_id.in_(application_ids))
            .options(*_for_celebration())
        )
    }
    missing = sorted(set(application_ids) - reports.keys())
    if missing:
        raise NotFound(f"applications {missing} have no final report yet")
    to_make = [reports[i] for i in application_ids if reports[i].celebration_document_id is None]
    pages = _celebrations(session, [report.application for report in to_make])
    stored = store_pages(session, store, pages)  # kept, so the keys below are read from them
    for report, (html, pdf) in zip(to_make, stored, strict=True):
        report.celebration_document_id, report.celebration_pdf_document_id = html.id, pdf.id
    session.flush()
    closing = [reports[i].application for i in application_ids if reports[i].application.status == S.CLOSING]
    change_statuses(session, closing, S.CLOSED, actor=actor, reason="celebration report shared")
    return [session.get(Document, reports[i].celebration_document_id).key for i in application_ids]
