"""Responsible for publishing the open funding rounds as a CommonGrants feed (common-grants-sdk schemas).

    GET /common-grants/opportunities?page=1&pageSize=50

Each round's id is a UUID derived from its slug, so the same round keeps the same id in every feed.
"""

from __future__ import annotations

import math
import uuid

from common_grants_sdk.schemas.pydantic import (
    Money,
    OppFunding,
    OpportunitiesListResponse,
    OpportunityBase,
    OppStatus,
    OppTimeline,
    PaginatedResultsInfo,
    SingleDateEvent,
)
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from models.base import utcnow
from models.rounds import FundingRound
from web.portal import Uow, portal_of

router = APIRouter()
_NAMESPACE = uuid.UUID("5f0c8a52-7d1e-4c8e-9a57-3c2f0b1e6d44")  # cogrant's rounds


def opportunity(funding_round: FundingRound, *, public_url: str) -> OpportunityBase:
    currency = funding_round.currency
    return OpportunityBase(
        id=uuid.uuid5(_NAMESPACE, funding_round.slug),
        title=funding_round.name,
        status=OppStatus(value="open"),
        description=" ".join(
            part for part in (funding_round.description, funding_round.who_can_apply) if part
        )
        or "Small projects where people with lived experience and researchers work together as equals.",
        funding=OppFunding(
            total_amount_available=Money(amount=str(funding_round.pot), currency=currency),
            max_award_amount=Money(amount=str(funding_round.max_award), currency=currency),
        ),
        key_dates=OppTimeline(
            post_date=SingleDateEvent(name="Applications open", date=funding_round.opens_at.date()),
            close_date=SingleDateEvent(name="Applications close", date=funding_round.closes_at.date()),
        ),
        source=f"{public_url}/rounds/{funding_round.slug}",
        created_at=funding_round.created_at,
        last_modified_at=funding_round.created_at,
    )


@router.get("/common-grants/opportunities")
def open_opportunities(
    request: Request,
    uow: Uow,
    page: int = Query(default=1, ge=1),
    page_size: int = Query(default=50, ge=1, le=100, alias="pageSize"),
) -> JSONResponse:
    now = utcnow()
    is_open = (FundingRound.opens_at <= now) & (FundingRound.closes_at > now)
    total = uow.session.scalar(select(func.count(FundingRound.id)).where(is_open)) or 0
    rounds = uow.session.scalars(
        select(FundingRound)
        .where(is_open)
        .order_by(FundingRound.closes_at, FundingRound.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    public_url = portal_of(request).app.settings.public_url.rstrip("/")
    response = OpportunitiesListResponse(
        status=200,
        message="Open funding rounds",
        items=[opportunity(funding_round, public_url=public_url) for funding_round in rounds],
        pagination_info=PaginatedResultsInfo(
            page=page,
            page_size=page_size,
            total_items=total,
            total_pages=max(1, math.ceil(total / page_size)),
        ),
    )
    return JSONResponse(response.model_dump(mode="json", by_alias=True, exclude_none=True))
