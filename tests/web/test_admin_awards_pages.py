"""The award decision pages without a reachable Prefect, on SQLite and PostgreSQL: only administrators
get in, and an unreachable Prefect is said plainly instead of an error."""

from __future__ import annotations

import uuid

from cogrant.stack.ports import free_port
from tests.web.conftest import Portal
from tests.web.test_admin_checkins import _admin


def test_award_decisions_say_plainly_when_prefect_cannot_be_reached(portal: Portal) -> None:
    portal.app.prefect_api_url = f"http://127.0.0.1:{free_port()}/api"  # nothing listens there
    assert portal.client().get("/admin/awards").status_code == 404  # not signed in: not revealed
    admin = _admin(portal)
    for path in ("/admin/awards", f"/admin/awards/{uuid.uuid4()}"):
        page = admin.get(path)
        assert page.status_code == 503, path
        assert "We cannot reach Prefect just now" in page.text
