"""Who acts for a funded project, on SQLite and PostgreSQL: co-leads and co-applicants invited to edit act
(accept terms, check in, final report); view-only co-applicants see the pages, are told plainly they
cannot act, and their posts change nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select

from models import Application, Award, CheckIn, CloseOutReport
from models.lifecycle import ApplicationStatus
from services.project_team import acting_team, team_loaded
from tests.web.conftest import Portal
from tests.web.projects import funded_project, invited, set_status
from tests.web.test_project_checkins import GOOD, _milestones

LEAD = "amina.lead@example.org"
EDITOR = "ed.editor@example.org"
VIEWER = "vic.viewer@example.org"
REPORT = {
    "aim": "To find out if walking together helps.",
    "methods": "Carers and nurses planned every walk together.",
    "results": "People came back each week.",
    "outcomes": "Two carers now lead the walks.",
    "critical_reflection": "We started late. Next time we would ask carers sooner.",
}


def _viewer_notice(text: str) -> bool:
    return "you were invited to view only, so you cannot act for the team" in text.replace("&#39;", "'")


def test_a_co_applicant_invited_to_edit_who_is_not_a_co_lead_acts_for_the_project(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    invited(portal, reference, EDITOR, "edit", name="Ed Editor")
    editor = portal.client()
    editor.sign_in(EDITOR)

    award_page = editor.get(f"/applications/{reference}/award")
    assert award_page.status_code == 200 and "Accept the terms" in award_page.text
    assert not _viewer_notice(award_page.text)
    accepted = editor.post(f"/applications/{reference}/award/accept", {"confirm": "yes"})
    assert accepted.status_code == 303, accepted.text

    first, *_ = _milestones(portal, reference)
    editor.get(f"/applications/{reference}/check-ins")
    assert editor.post(f"/applications/{reference}/check-ins/{first}", GOOD).status_code == 303

    set_status(portal, reference, ApplicationStatus.CLOSING)
    editor.get(f"/applications/{reference}/final-report")
    assert editor.post(f"/applications/{reference}/final-report", REPORT).status_code == 303
    naming = editor.post(f"/applications/{reference}/final-report/naming", {"may_be_named": "yes"})
    assert naming.status_code == 303
    page = editor.get(f"/applications/{reference}/final-report")
    assert "Ed Editor: may be named" in page.text  # an editor is one of the team who may be named
    with portal.session() as session:
        assert session.scalars(select(Award)).one().terms_accepted_at is not None
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 1
        assert session.scalar(select(func.count()).select_from(CloseOutReport)) == 1


def test_a_view_only_co_applicant_sees_the_pages_is_told_plainly_and_changes_nothing(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    invited(portal, reference, VIEWER, "view", name="Vic Viewer")
    viewer = portal.client()
    viewer.sign_in(VIEWER)
    first, *_ = _milestones(portal, reference)

    for path in ("award", "check-ins"):
        page = viewer.get(f"/applications/{reference}/{path}")
        assert page.status_code == 200 and _viewer_notice(page.text), path
        assert "Accept the terms</button>" not in page.text and "Send check-in" not in page.text
    refusals = [
        viewer.post(f"/applications/{reference}/award/accept", {"confirm": "yes"}),
        viewer.post(f"/applications/{reference}/check-ins/{first}", GOOD),
    ]
    set_status(portal, reference, ApplicationStatus.CLOSING)
    page = viewer.get(f"/applications/{reference}/final-report")
    assert _viewer_notice(page.text) and "Send final report" not in page.text
    assert "May we use your name" not in page.text
    refusals += [
        viewer.post(f"/applications/{reference}/final-report", REPORT),
        viewer.post(f"/applications/{reference}/final-report/naming", {"may_be_named": "yes"}),
    ]
    for refused in refusals:
        assert refused.status_code == 403
        assert "You cannot change this" in refused.text and _viewer_notice(refused.text)
    with portal.session() as session:
        assert session.scalars(select(Award)).one().terms_accepted_at is None
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 0
        assert session.scalar(select(func.count()).select_from(CloseOutReport)) == 0


def test_a_co_lead_who_was_never_invited_sees_and_acts_for_the_project(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    with portal.session() as session:
        application = session.scalars(select(Application).where(Application.reference == reference)).one()
        co_lead_email = application.co_leads[0].person.email
    co_lead = portal.client()
    co_lead.sign_in(co_lead_email)
    page = co_lead.get(f"/applications/{reference}/award")
    assert page.status_code == 200 and not _viewer_notice(page.text)
    assert co_lead.post(f"/applications/{reference}/award/accept", {"confirm": "yes"}).status_code == 303
    # The pages' "Back to your project" link goes to the status page, which one access rule opens too.
    status = co_lead.get(f"/applications/{application.id}/status")
    assert status.status_code == 200 and reference in status.text


def test_the_team_loaded_for_a_batch_is_the_same_team_without_asking_again(portal: Portal) -> None:
    reference = funded_project(portal, LEAD)
    invited(portal, reference, EDITOR, "edit", name="Ed Editor")
    invited(portal, reference, VIEWER, "view", name="Vic Viewer")
    by_reference = select(Application).where(Application.reference == reference)
    with portal.session() as session:
        one_by_one = [person.email for person in acting_team(session, session.scalars(by_reference).one())]
    with portal.session() as session:
        application = session.scalars(by_reference.options(*team_loaded())).one()
        statements: list[str] = []

        def remember(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement)

        event.listen(session.get_bind(), "before_cursor_execute", remember)
        try:
            loaded = [person.email for person in acting_team(session, application)]
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", remember)
    assert loaded == one_by_one and EDITOR in loaded and VIEWER not in loaded and len(loaded) == 3
    assert statements == []
