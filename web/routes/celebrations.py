"""Responsible for the public celebration pages: `/celebrations/<reference>` (the link in the "closed"
e-mail) shows a closed project's stored celebration report, written for the community, with its PDF;
`/celebrations` lists every published one, by round (`?round=<slug>` for one round).

No sign-in: the report only names the people who agreed to be named. A reference that is unknown, or
whose report is not published yet, is the ordinary "page not found".
"""

from __future__ import annotations

from itertools import groupby

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from models.errors import NotFound
from services.celebrations import celebration_body, published_celebration, published_celebrations
from web.pages import render
from web.portal import Uow, portal_of

router = APIRouter()


@router.get("/celebrations", response_class=HTMLResponse)
def celebrations_index(
    request: Request, uow: Uow, round_slug: str | None = Query(default=None, alias="round", max_length=200)
) -> Response:
    projects = published_celebrations(uow.session, round_slug=round_slug)
    by_round = [(funding_round, list(items)) for funding_round, items in groupby(projects, lambda a: a.round)]
    return render(request, "celebrations.html", by_round=by_round, one_round=round_slug)


@router.get("/celebrations/{reference}", response_class=HTMLResponse)
def celebration_page(request: Request, reference: str, uow: Uow) -> Response:
    published = published_celebration(uow.session, reference)
    body = celebration_body(portal_of(request).app.store, published.page)
    return render(request, "celebration.html", published=published, body=body)


@router.get("/celebrations/{reference}/report.pdf")
def celebration_pdf(request: Request, reference: str, uow: Uow) -> Response:
    published = published_celebration(uow.session, reference)
    if published.pdf is None:
        raise NotFound(f"no PDF of the celebration report {reference}")
    portal = portal_of(request)
    url = portal.download_store.presigned_download_url(
        published.pdf.key, expires_in=portal.app.settings.presign_seconds, filename=published.pdf.filename
    )
    return RedirectResponse(url, status_code=303)
