"""Responsible for the final report page: the GRIPP2 short form and quotes (correctable until the project
is closed), and each team member's own choice to be named in what is published.

A report sent after the project closed is refused with a page that keeps what was typed, so nothing is
lost; naming is always the signed-in person's own choice, never someone else's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData

from models.applications import Application
from models.awards import CloseOutReport, NamingConsent
from models.errors import AccessDenied, DomainError
from models.lifecycle import ApplicationStatus
from models.people import Person
from models.schemas import FinalReportInput
from services.closeout import GRIPP2_FIELDS, record_naming_consent, submit_final_report
from services.project_team import VIEW_ONLY_MESSAGE, acting_team, project_for
from web.forms import FormRejected, non_empty, plain_message, text_values
from web.pages import redirect, render
from web.portal import CurrentPerson, PostedForm, Uow

router = APIRouter()
QUOTE_SLOTS = 3
STORY_FIELDS = (*GRIPP2_FIELDS, "highlights", "thanks")
NAMING = "may_be_named"


def _saved_values(report: CloseOutReport | None) -> dict[str, str]:
    if report is None:
        return {}
    values = {name: str(report.gripp2.get(name, "")) for name in GRIPP2_FIELDS}
    values |= {"highlights": report.highlights, "thanks": report.thanks}
    for n, quote in enumerate(report.quotes[:QUOTE_SLOTS], start=1):
        values |= {f"quote_{n}_text": quote.get("text", ""), f"quote_{n}_by": quote.get("by", "")}
    return values


def _show(
    request: Request, uow: Uow, application: Application, person: Person, **context: Any
) -> HTMLResponse:
    report = uow.session.scalar(select(CloseOutReport).where(CloseOutReport.application_id == application.id))
    consents = {
        consent.person_id: consent.may_be_named
        for consent in uow.session.scalars(
            select(NamingConsent).where(NamingConsent.application_id == application.id)
        )
    }
    team = acting_team(uow.session, application)
    context.setdefault("values", _saved_values(report))
    context.setdefault("naming_values", {NAMING: {True: "yes", False: "no"}.get(consents.get(person.id), "")})
    return render(
        request,
        "final_report.html",
        application=application,
        report=report,
        team=[(member, consents.get(member.id)) for member in team],
        on_team=person in team,
        view_only_message=VIEW_ONLY_MESSAGE,
        current_name=person.name,
        open_for_report=application.status == ApplicationStatus.CLOSING,
        quote_slots=range(1, QUOTE_SLOTS + 1),
        **context,
    )


@router.get("/applications/{reference}/final-report", response_class=HTMLResponse)
def final_report_page(
    request: Request, reference: str, uow: Uow, person: CurrentPerson, sent: str | None = None
) -> HTMLResponse:
    application = project_for(uow.session, person, reference).application
    return _show(request, uow, application, person, just_sent=sent)


def _acting_on(uow: Uow, person: Person, reference: str) -> Application:
    project = project_for(uow.session, person, reference)
    if not project.may_act:
        raise AccessDenied(VIEW_ONLY_MESSAGE)
    return project.application


def _report(form: FormData) -> FinalReportInput:
    values = text_values(form)
    errors: dict[str, str] = {}
    quotes, slots = [], []
    for n in range(1, QUOTE_SLOTS + 1):
        text, by = values.get(f"quote_{n}_text", ""), values.get(f"quote_{n}_by", "")
        if by and not text:
            errors[f"quote_{n}_text"] = "Write the quote, or leave who said it empty."
        elif text:
            quotes.append({"text": text, "by": by})
            slots.append(n)
    answers = non_empty({name: values.get(name, "") for name in STORY_FIELDS}) | {"quotes": quotes}
    try:
        report = FinalReportInput.model_validate(answers)
    except ValidationError as error:
        for problem in error.errors():
            loc = problem["loc"]
            field = (
                f"quote_{slots[int(loc[1])]}_{loc[2]}" if loc[0] == "quotes" and len(loc) > 2 else str(loc[0])
            )
            errors.setdefault(field, plain_message(problem))
        report = None
    if errors or report is None:
        order = [
            *STORY_FIELDS,
            *[f"quote_{n}_{part}" for n in range(1, QUOTE_SLOTS + 1) for part in ("text", "by")],
        ]
        raise FormRejected({name: errors[name] for name in order if name in errors}, values)
    return report


@router.post("/applications/{reference}/final-report")
def send_final_report(
    request: Request, reference: str, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    application = _acting_on(uow, person, reference)
    try:
        report = _report(form)
        submit_final_report(uow.session, application.id, report, person_id=person.id)
    except FormRejected as rejected:
        return _show(
            request, uow, application, person, status_code=400, errors=rejected.errors, values=rejected.values
        )
    except DomainError as refused:
        return _show(
            request, uow, application, person, status_code=409, refused=str(refused), values=text_values(form)
        )
    uow.commit()
    return redirect(f"/applications/{reference}/final-report?sent=report")


@router.post("/applications/{reference}/final-report/naming")
def choose_naming(
    request: Request, reference: str, form: PostedForm, uow: Uow, person: CurrentPerson
) -> Response:
    application = _acting_on(uow, person, reference)
    choice = form.get(NAMING)
    if choice not in ("yes", "no"):
        errors = {NAMING: "Choose yes if we may use your name, or no if we may not."}
        return _show(request, uow, application, person, status_code=400, errors=errors)
    record_naming_consent(uow.session, application.id, person_id=person.id, may_be_named=choice == "yes")
    uow.commit()
    return redirect(f"/applications/{reference}/final-report?sent=naming")
