"""The public celebration pages over HTTP on SQLite and PostgreSQL: the stored report for the community
(only people who agreed to be named), its PDF through an S3 link, the index, and "page not found" for a
reference that is unknown or not published yet."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from models import Application
from tests.web.conftest import Portal
from tests.web.projects import celebrated_project

LEAD = "amina.lead@example.org"


def test_a_closed_project_celebration_is_public_and_names_only_who_agreed(portal: Portal) -> None:
    reference = celebrated_project(portal, LEAD)
    with portal.session() as session:
        application = session.scalars(select(Application).where(Application.reference == reference)).one()
        title, round_name, slug = application.title, application.round.name, application.round.slug
        co_lead = application.co_leads[0].person.name
    visitor = portal.client()  # nobody signed in: the e-mail's link works for anyone it is shared with

    page = visitor.get(f"/celebrations/{reference}")
    assert page.status_code == 200, page.text
    assert f"We did it together: {title}" in page.text
    assert "Two carers now lead the walks." in page.text and "I felt part of something." in page.text
    assert "Amina Lead" in page.text and co_lead not in page.text
    assert "1 person who chose not to be named" in page.text
    assert '<ol class="timeline">' in page.text and "Start-up meeting" in page.text

    pdf = visitor.get(f"/celebrations/{reference}/report.pdf")
    assert pdf.status_code == 303 and "X-Amz-Signature" in pdf.headers["location"]
    assert httpx.get(pdf.headers["location"]).content.startswith(b"%PDF")

    index = visitor.get("/celebrations")
    assert index.status_code == 200 and round_name in index.text
    assert f'href="/celebrations/{reference}"' in index.text
    one_round = visitor.get(f"/celebrations?round={slug}")
    assert f'href="/celebrations/{reference}"' in one_round.text
    assert "No celebration reports yet" in visitor.get("/celebrations?round=no-such-round").text


def test_unknown_and_unpublished_celebrations_are_not_found(portal: Portal) -> None:
    waiting = celebrated_project(portal, LEAD, publish=False)
    visitor = portal.client()
    for path in (
        "/celebrations/CG-999-99999",
        f"/celebrations/{waiting}",
        f"/celebrations/{waiting}/report.pdf",
    ):
        response = visitor.get(path)
        assert response.status_code == 404 and "Page not found" in response.text, path
    assert f'href="/celebrations/{waiting}"' not in visitor.get("/celebrations").text
