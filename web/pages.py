"""Responsible for rendering the portal's Jinja2 pages with what every page needs (CSRF token, labels,
whether to show the administrators' link)."""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from starlette_wtf.csrf import csrf_token

from cogrant.composition import App
from models.lifecycle import applicant_label
from models.people import ReviewerProfile
from notifications.rendering import long_date
from services.people import is_administrator
from services.readability import ADVISED_MAX_READING_AGE

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def money(amount: Decimal | int, currency: str = "") -> str:
    text = f"{Decimal(amount):,.2f}".removesuffix(".00")
    return f"{text} {currency}".strip()


@functools.cache
def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=str(TEMPLATES_DIR))
    found.env.filters.update(long_date=long_date, money=money, applicant_label=applicant_label)
    found.env.globals["ADVISED_MAX_READING_AGE"] = ADVISED_MAX_READING_AGE
    return found


def render(request: Request, name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context["csrf_token"] = csrf_token(request)
    person_id = request.session.get("person_id")
    context["signed_in"] = person_id is not None
    app = request.app.state.portal.app
    roles = _roles(app, person_id) if isinstance(person_id, int) else (False, False)
    context["is_administrator"], context["is_reviewer"] = roles
    settings = app.settings
    context.setdefault("funder_name", settings.funder_name)
    context.setdefault("contact_email", settings.contact_email)
    return templates().TemplateResponse(request, name, context, status_code=status_code)


def _roles(app: App, person_id: int) -> tuple[bool, bool]:
    """(administrator, in the reviewer pool), asked in a session of its own: error pages are rendered
    after the request's session has closed."""
    with app.sessions() as session:
        in_pool = session.scalar(select(ReviewerProfile.id).where(ReviewerProfile.person_id == person_id))
        return is_administrator(session, person_id), in_pool is not None


def redirect(url: str) -> RedirectResponse:
    """After a POST, go to a page with GET (so refreshing does not post again)."""
    return RedirectResponse(url, status_code=303)
