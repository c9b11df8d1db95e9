"""The open rounds as a CommonGrants feed, read back with the SDK's own schema."""

from __future__ import annotations

import datetime as dt
import uuid

from common_grants_sdk.schemas.pydantic import OpportunitiesListResponse

from tests.support.factories import make_round
from tests.web.conftest import Portal


def test_open_rounds_are_published_and_closed_ones_are_not(portal: Portal) -> None:
    now = dt.datetime.now(dt.UTC)
    with portal.session() as session:
        open_round = make_round(session, description="Walking, talking, sharing.")
        make_round(session, opens_at=now - dt.timedelta(days=60), closes_at=now - dt.timedelta(days=1))
        session.commit()

    response = portal.client().get("/common-grants/opportunities?pageSize=10")

    assert response.status_code == 200
    feed = OpportunitiesListResponse.model_validate(response.json())
    [item] = feed.items
    assert item.title == open_round.name and item.status.value == "open"
    assert item.id == uuid.uuid5(uuid.UUID("5f0c8a52-7d1e-4c8e-9a57-3c2f0b1e6d44"), open_round.slug)
    assert item.funding.max_award_amount.amount == "50000.00"
    assert item.funding.max_award_amount.currency == "GBP"
    assert str(item.source).endswith(f"/rounds/{open_round.slug}")
    assert item.key_dates.close_date.date == open_round.closes_at.date()
    assert feed.pagination_info.total_items == 1
    assert "paginationInfo" in response.json()
