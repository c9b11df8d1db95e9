"""Close-out and the funder's reports, from a round taken to close-out: the celebration report as a page and
a tagged PDF (text extracted and checked, plain language), the portfolio, and the 360Giving export."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pypdf import PdfReader
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from cogrant.composition import App
from flows.delivery import close_out
from flows.funder_reports import round_reports
from models import Application, Award, CloseOutReport, FundingRound, OutboxMessage, Person
from models.errors import DomainError
from models.lifecycle import ApplicationStatus
from models.schemas import FinalReportInput
from reports.giving360 import grant_package, grant_schema, grants, grants_csv, package_json, package_schema
from reports.portfolio import portfolio, portfolio_html
from services.closeout import record_naming_consent, submit_final_report
from services.readability import reading_age, visible_text
from tests.support.stages import closing

S = ApplicationStatus


def _closed_round(app: App) -> tuple[int, list[int]]:
    award_ids = closing(app)
    with app.unit_of_work() as uow:
        round_id = uow.session.get(Award, award_ids[0]).application.round_id
    asyncio.run(close_out(round_id=round_id))
    return round_id, award_ids


def test_celebration_report_page_and_pdf_name_only_those_who_agreed(app: App) -> None:
    _, award_ids = _closed_round(app)
    with app.unit_of_work() as uow:
        application = uow.session.get(Award, award_ids[0]).application
        report = uow.session.scalar(
            select(CloseOutReport).where(CloseOutReport.application_id == application.id)
        )
        applicant = application.applicant.name  # agreed to be named (synthetic final reports say so)
        co_lead = next(c.person.name for c in application.co_leads if c.person)  # never asked: not named
        html_key = report.celebration_document.key
        pdf_key = html_key.removesuffix(".html") + ".pdf"
        assert report.celebration_pdf_document_id is not None
    html = app.store.get(html_key).decode()
    assert applicant in html and co_lead not in html and "1 person who chose not to be named" in html
    assert "<script" not in html and "I felt heard for the first time." in html
    # The timeline is a list a screen reader reads; its bars are only decoration.
    assert '<ol class="timeline">' in html and '<span class="timeline-bar" aria-hidden="true"' in html

    reader = PdfReader(io.BytesIO(app.store.get(pdf_key)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in (
        "We did it together",
        "Our story",
        "Who made it happen",
        "What changed",
        applicant,
        "In your words",
        "I felt heard for the first time.",
        "Our year, step by step",
        "Start-up meeting",
        "In numbers",
    ):
        assert expected in text
    assert co_lead not in text
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and reader.metadata.title.startswith("We did it together: ")
    assert {"/H1", "/H2", "/H3", "/L", "/LI", "/BlockQuote"} <= _structure_types(root["/StructTreeRoot"])

    words = visible_text(html)
    assert "Start-up meeting" in words and "We met every week" in words
    assert reading_age(words) <= 11, f"reading age {reading_age(words):.1f}"


def _structure_types(node: object) -> set[str]:
    """The kinds of element (H1, L, LI, ...) in a tagged PDF's structure tree."""
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        return set().union(*(_structure_types(child) for child in node))
    if not isinstance(node, dict):
        return set()
    return ({str(node["/S"])} if "/S" in node else set()) | _structure_types(node.get("/K", []))


def test_teams_are_asked_for_the_report_within_60_days_and_a_report_after_close_is_refused(app: App) -> None:
    _, award_ids = _closed_round(app)
    with app.unit_of_work() as uow:
        award = uow.session.get(Award, award_ids[0])
        application = award.application
        application_id, applicant_id = application.id, application.applicant_id
        asked = uow.session.scalars(
            select(OutboxMessage.subject).where(OutboxMessage.template == "final_report_due")
        ).all()
        due = award.end_date + dt.timedelta(days=60)
    assert len(asked) == len(award_ids) * 2  # each applicant and co-lead, once
    assert any(f"{due.day} {due:%B %Y}" in subject for subject in asked)
    late = FinalReportInput(aim="a", methods="b", results="c", outcomes="d", critical_reflection="e")
    with app.unit_of_work() as uow, pytest.raises(DomainError, match=r"is closed .* can no longer be sent"):
        submit_final_report(uow.session, application_id, late, person_id=applicant_id)
    with app.unit_of_work() as uow:
        report = uow.session.scalar(
            select(CloseOutReport).where(CloseOutReport.application_id == application_id)
        )
        assert report.gripp2["aim"] == "To see if meeting up helps people feel less alone."


def test_portfolio_shows_every_pilot_money_people_and_outcomes(app: App) -> None:
    round_id, award_ids = _closed_round(app)
    with app.unit_of_work() as uow:
        report = portfolio(uow.session, round_id=round_id)
        total = sum(uow.session.get(Award, award_id).amount for award_id in award_ids)
    assert len(report.pilots) == len(award_ids) and report.awarded == report.paid == total
    assert all(pilot.status == "Closed" and pilot.lay_partners >= 1 for pilot in report.pilots)
    assert all(pilot.involvement_budget > 0 for pilot in report.pilots)
    html = portfolio_html(report)
    assert html.count("<svg") == 2 and "The local clinic now runs the group with us." in html
    assert f"{total:,.2f}" in html


def _package_validator() -> Draft202012Validator:
    grant = Resource(contents=grant_schema(), specification=DRAFT202012)  # its $schema lacks https
    # The 1.4.3 package schema still points at the 1.4.2 grant schema's address: both mean the vendored one.
    registry = Registry().with_resources(
        [(grant_schema()["$id"], grant), (package_schema()["properties"]["grants"]["items"]["$ref"], grant)]
    )
    return Draft202012Validator(package_schema(), registry=registry, format_checker=FormatChecker())


def test_360giving_json_validates_and_csv_carries_the_same_grants(app: App) -> None:
    round_id, award_ids = _closed_round(app)
    with app.unit_of_work() as uow:
        led_by_a_person = uow.session.get(Award, award_ids[0]).application
        led_by_a_person.lead_organisation = None
        record_naming_consent(
            uow.session, led_by_a_person.id, person_id=led_by_a_person.applicant_id, may_be_named=True
        )
        unnamed = uow.session.get(Award, award_ids[1]).application
        unnamed.lead_organisation = None
        named_person = uow.session.get(Person, led_by_a_person.applicant_id).name
        record_naming_consent(uow.session, unnamed.id, person_id=unnamed.applicant_id, may_be_named=False)
        uow.commit()
    with app.unit_of_work() as uow:
        grant_list = grants(
            uow.session, round_id=round_id, funder_id="GB-CHC-1234567", funder_name="Seeds Fund"
        )
        references = [a.reference for a in uow.session.scalars(select(Application).order_by(Application.id))]
    package = json.loads(package_json(grant_package(grant_list, title="Seeds Fund pilots")))
    errors = sorted(_package_validator().iter_errors(package), key=str)
    assert not errors, errors[0].message if errors else ""
    grant_validator = Draft202012Validator(grant_schema(), format_checker=FormatChecker())
    assert all(grant_validator.is_valid(grant) for grant in package["grants"])
    assert len(package["grants"]) == len(award_ids)

    by_id = {grant["id"]: grant for grant in package["grants"]}
    first = by_id[f"360G-GB-CHC-1234567-{led_by_a_person.reference}"]
    assert first["recipientIndividual"]["name"] == named_person and "recipientOrganization" not in first
    assert (
        by_id[f"360G-GB-CHC-1234567-{unnamed.reference}"]["recipientIndividual"]["name"]
        == "Individual Recipient"
    )
    assert all(ref in references for ref in (led_by_a_person.reference, unnamed.reference))

    rows = list(csv.DictReader(io.StringIO(grants_csv(package["grants"]))))
    assert [row["Identifier"] for row in rows] == [grant["id"] for grant in package["grants"]]
    row = rows[0]
    assert (
        row["Recipient Ind:Name"] == named_person and float(row["Amount Awarded"]) == first["amountAwarded"]
    )
    assert row["Funding Org:Identifier"] == "GB-CHC-1234567" and row["Currency"] == "GBP"
    assert {"Recipient Org:Identifier", "Planned Dates:Start Date", "Award Date"} <= set(rows[0])


def test_the_round_reports_flow_stores_the_portfolio_and_valid_open_data(app: App) -> None:
    round_id, award_ids = _closed_round(app)
    written = asyncio.run(round_reports(round_id=round_id, funder_org_id="GB-CHC-1234567"))
    assert written["pilots"] == written["grants"] == len(award_ids)
    with app.unit_of_work() as uow:
        slug = uow.session.get(FundingRound, round_id).slug
    package = json.loads(app.store.get(f"reports/{slug}/360giving.json"))
    assert not list(_package_validator().iter_errors(package))
    assert "<svg" in app.store.get(f"reports/{slug}/portfolio.html").decode()
    rows = list(csv.DictReader(io.StringIO(app.store.get(f"reports/{slug}/360giving.csv").decode())))
    assert len(rows) == len(award_ids)
