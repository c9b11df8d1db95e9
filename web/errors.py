"""Responsible for mapping cogrant's errors to pages, in one place, in plain words.

NotFound and AccessDenied share one "not found" page, so nobody learns whether another person's
application exists. ConcurrentEdit (two people saving the same draft at once) gives the person back
everything they typed.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette_wtf.csrf import CSRFError

from models.errors import AccessDenied, ConcurrentEdit, DomainError, NotFound
from services.sign_in import LinkNotUsable
from web.pages import redirect, render
from web.portal import RequestTooLarge, SignInRequired, typed_values
from web.saved_elsewhere import typed_answers


def _problem(request: Request, *, status: int, title: str, message: str) -> Response:
    return render(request, "problem.html", status_code=status, title=title, message=message)


def _page_to_reopen(request: Request) -> str:
    """The page the form was on when the same path also shows it, else the person's applications."""
    scope = {"type": "http", "path": request.url.path, "method": "GET"}
    shown = any(route.matches(scope)[0] == Match.FULL for route in request.app.routes)
    return request.url.path if shown else "/applications"


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, error: SignInRequired) -> Response:
        request.session["next"] = error.next_path
        return redirect("/sign-in")

    @app.exception_handler(RequestTooLarge)
    async def too_large(request: Request, error: RequestTooLarge) -> Response:
        return _problem(
            request,
            status=413,
            title="The file is too big",
            message=f"Files can be up to {error.max_bytes // (1024 * 1024)} MB. Go back and choose a smaller "
            "file. Everything you saved before is safe.",
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return _problem(request, status=404, title="Page not found", message="We cannot find that page.")

    @app.exception_handler(AccessDenied)
    async def access_denied(request: Request, error: AccessDenied) -> Response:
        return _problem(request, status=403, title="You cannot change this", message=str(error))

    @app.exception_handler(ConcurrentEdit)
    async def saved_elsewhere(request: Request, error: ConcurrentEdit) -> Response:
        return render(
            request,
            "saved_elsewhere.html",
            status_code=409,
            answers=typed_answers(typed_values(request)),
            back_to=_page_to_reopen(request),
            send_to=request.url.path,
            send_with=getattr(request.state, "send_again_with", {}),
        )

    @app.exception_handler(DomainError)
    async def domain_rule(request: Request, error: DomainError) -> Response:
        return _problem(request, status=409, title="This cannot be done now", message=str(error))

    @app.exception_handler(LinkNotUsable)
    async def link_not_usable(request: Request, error: LinkNotUsable) -> Response:
        return _problem(request, status=400, title="This link does not work", message=str(error))

    @app.exception_handler(CSRFError)
    async def csrf_failed(request: Request, error: CSRFError) -> Response:
        return _problem(
            request,
            status=400,
            title="Please try that again",
            message="The page was open for too long, or was sent from somewhere else. Go back, refresh "
            "the page and send it again. What you saved before is safe.",
        )

    @app.exception_handler(HTTPException)
    async def http_problem(request: Request, error: HTTPException) -> Response:
        if error.status_code == 404:
            return await not_found(request, NotFound(str(error.detail)))
        return _problem(
            request, status=error.status_code, title="Something went wrong", message=str(error.detail)
        )
