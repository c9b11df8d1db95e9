"""Responsible for funding rounds: their dates, money and review configuration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, intpk

DEFAULT_REVIEW_CONFIG: dict[str, Any] = {
    "panel_makeup": {"lived_experience": 2, "scientist": 2, "community_practice": 0},
    "max_load": 6,
    "review_days": 21,
    "community_share_rule": False,
    # What reviewers are paid, known before they start (NIHR: terms known in advance). Amounts as text.
    "fee_per_review": "100.00",
    "fee_per_panel_day": "200.00",
    "fee_currency": "",  # empty: the round's currency
}


@dataclass(frozen=True)
class ReviewerRates:
    fee_per_review: Decimal
    fee_per_panel_day: Decimal
    currency: str


class FundingRound(Base):
    __tablename__ = "funding_round"

    id: Mapped[intpk]
    name: Mapped[str]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    who_can_apply: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[dt.datetime]
    closes_at: Mapped[dt.datetime]
    decision_by: Mapped[dt.date] = mapped_column(Date)
    pot: Mapped[Decimal]
    max_award: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    min_duration_months: Mapped[int] = mapped_column(default=6)
    max_duration_months: Mapped[int] = mapped_column(default=12)
    review_config: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: dict(DEFAULT_REVIEW_CONFIG))
    created_at: Mapped[created_at]

    def panel_makeup(self) -> dict[str, int]:
        makeup = self.review_config.get("panel_makeup", DEFAULT_REVIEW_CONFIG["panel_makeup"])
        return {kind: int(count) for kind, count in makeup.items() if int(count) > 0}

    def reviewer_rates(self) -> ReviewerRates:
        config = DEFAULT_REVIEW_CONFIG | (self.review_config or {})
        return ReviewerRates(
            fee_per_review=Decimal(str(config["fee_per_review"])),
            fee_per_panel_day=Decimal(str(config["fee_per_panel_day"])),
            currency=str(config["fee_currency"] or self.currency),
        )

    def is_open(self, at: dt.datetime) -> bool:
        return self.opens_at <= at < self.closes_at
