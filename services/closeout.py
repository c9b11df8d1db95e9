"""Responsible for close-out: the final report and the celebration report shared with the community."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.applications import Application, Document
from models.awards import Award, CheckIn, CloseOutReport, Milestone
from models.base import utcnow
from models.enums import DocumentPurpose
from models.errors import DomainError, NotFound
from models.lifecycle import ApplicationStatus
from models.schemas import FinalReportInput
from models.status_change import change_status
from services.documents import NewDocument, store_documents
from services.rendering import render_document
from storage.documents import DocumentStore

S = ApplicationStatus


def record_final_report(session: Session, application_id: int, report: FinalReportInput) -> CloseOutReport:
    """Save (or correct, until the celebration is published) a project's final report."""
    application = session.get(Application, application_id)
    if application is None:
        raise NotFound(f"no application with id {application_id}")
    if application.status != S.CLOSING:
        raise DomainError(f"a final report is asked for when a project is closing, not {application.status}")
    record = session.scalar(select(CloseOutReport).where(CloseOutReport.application_id == application_id))
    if record is None:
        record = CloseOutReport(application=application)
        session.add(record)
    record.gripp2 = report.model_dump(exclude={"highlights", "thanks"})
    record.highlights, record.thanks = report.highlights, report.thanks
    record.submitted_at = utcnow()
    session.flush()
    return record


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


def _celebration(session: Session, application: Application, report: CloseOutReport) -> NewDocument:
    award = session.scalar(select(Award).where(Award.application_id == application.id))
    check_ins = (
        session.scalars(
            select(CheckIn).join(Milestone).where(Milestone.award_id == award.id).order_by(Milestone.sequence)
        ).all()
        if award
        else []
    )
    html = render_document(
        "celebration_report.html",
        {
            "application": application,
            "report": report,
            "award": award,
            "check_ins": check_ins,
            "co_leads": application.co_leads,
            "funding_round": application.round,
        },
    )
    return NewDocument(
        application=application,
        purpose=DocumentPurpose.CELEBRATION_REPORT,
        key=f"celebrations/{application.reference}/celebration-report.html",
        filename="celebration-report.html",
        data=html.encode(),
        content_type="text/html; charset=utf-8",
    )


def publish_celebrations(
    session: Session, store: DocumentStore, application_ids: list[int], *, actor: str
) -> list[str]:
    """Render each celebration report, store them, close the projects. Returns the document keys."""
    reports = {
        report.application_id: report
        for report in session.scalars(
            select(CloseOutReport).where(CloseOutReport.application_id.in_(application_ids))
        )
    }
    missing = sorted(set(application_ids) - reports.keys())
    if missing:
        raise NotFound(f"applications {missing} have no final report yet")
    to_make = [
        (report, _celebration(session, report.application, report))
        for report in (reports[application_id] for application_id in application_ids)
        if report.celebration_document_id is None
    ]
    stored = store_documents(session, store, [document for _, document in to_make])
    for (report, _), document in zip(to_make, stored, strict=True):
        report.celebration_document_id = document.id
    session.flush()
    keys = []
    for application_id in application_ids:
        report = reports[application_id]
        if report.application.status == S.CLOSING:
            change_status(
                session, report.application, S.CLOSED, actor=actor, reason="celebration report shared"
            )
        keys.append(session.get(Document, report.celebration_document_id).key)
    return keys
