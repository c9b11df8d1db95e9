"""Responsible for what every portal request needs: the wired App, link signers, and FastAPI dependencies.

Dependencies: `unit_of_work` (one transaction per request, rolled back unless committed), `signed_in`
(the person, or a redirect to sign in), `administrator` (a signed-in administrator; anyone else, signed
in or not, meets the ordinary "not found" page, so the admin area is not revealed), and `posted_form`
(the parsed form, its CSRF token checked by starlette-wtf, multipart included).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette_wtf.csrf import CSRFError, get_csrf_token
from starlette_wtf.util import validate_csrf
from wtforms import ValidationError as CsrfInvalid

from cogrant.composition import App
from models.errors import NotFound
from models.people import Person
from services.people import is_administrator
from services.sign_in import LinkSigner
from services.unit_of_work import UnitOfWork
from storage.documents import DocumentStore
from web.forms import text_values

IntakeStarter = Callable[[int], None]
MAX_FIELDS = 200
MAX_FIELD_BYTES = 64 * 1024


class RequestTooLarge(Exception):
    """The request body is bigger than any upload we accept; refused before it is read."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


@dataclass
class Portal:
    app: App
    sign_in_links: LinkSigner
    invitation_links: LinkSigner
    reviewer_invitation_links: LinkSigner
    download_store: DocumentStore  # signs URLs for the S3 endpoint browsers can reach
    start_intake: IntakeStarter
    max_upload_bytes: int
    csrf_secret: str


def portal_of(request: Request) -> Portal:
    return request.app.state.portal


def unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    with portal_of(request).app.unit_of_work() as uow:
        yield uow


Uow = Annotated[UnitOfWork, Depends(unit_of_work)]


def _session_person(request: Request, uow: UnitOfWork) -> Person | None:
    person_id = request.session.get("person_id")
    return uow.session.get(Person, person_id) if isinstance(person_id, int) else None


def signed_in(request: Request, uow: Uow) -> Person:
    person = _session_person(request, uow)
    if person is None:
        raise SignInRequired(request.url.path)
    return person


CurrentPerson = Annotated[Person, Depends(signed_in)]


def administrator(request: Request, uow: Uow) -> Person:
    person = _session_person(request, uow)
    if person is None or not is_administrator(uow.session, person.id):
        raise NotFound(f"no page {request.url.path}")
    return person


Administrator = Annotated[Person, Depends(administrator)]


def check_declared_size(request: Request, max_bytes: int) -> None:
    """Refuse, before reading it, a body declared bigger than the largest upload plus the other fields."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + 1024 * 1024:
        raise RequestTooLarge(max_bytes)


def check_csrf(request: Request, token: str | None) -> None:
    """Check a posted CSRF token against the session (raises CSRFError, shown as a plain page)."""
    config = request.state.csrf_config
    try:
        validate_csrf(
            request,
            token,
            secret_key=config["csrf_secret"],
            field_name=config["csrf_field_name"],
            time_limit=config["csrf_time_limit"],
        )
    except CsrfInvalid as error:
        raise CSRFError(str(error.args[0])) from error


async def posted_form(request: Request) -> FormData:
    """The request's form, after checking its CSRF token (raises CSRFError, shown as a plain page)."""
    check_declared_size(request, portal_of(request).max_upload_bytes)
    form = await request.form(max_files=1, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    check_csrf(request, await get_csrf_token(request))
    request.state.typed_values = text_values(form)  # for error pages that give back what was typed
    return form


def typed_values(request: Request) -> dict[str, str]:
    """The text fields this request posted (empty if it posted no form)."""
    return getattr(request.state, "typed_values", {})


PostedForm = Annotated[FormData, Depends(posted_form)]
