"""Responsible for the declarative base and the reusable column types every model uses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import JSON, DateTime, Integer, MetaData, Numeric, String, Text, TypeDecorator, func
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Stores aware datetimes; SQLite forgets the zone, so it is put back as UTC on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; cogrant stores aware UTC datetimes only")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
created_at = Annotated[dt.datetime, mapped_column(UtcDateTime, default=utcnow, server_default=func.now())]
money = Annotated[Decimal, mapped_column(Numeric(12, 2))]
short_text = Annotated[str, mapped_column(String(200))]
long_text = Annotated[str, mapped_column(Text, default="")]
json_data = Annotated[dict[str, Any], mapped_column(JSON, default=dict)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UtcDateTime,
        str: String(200),
        Decimal: Numeric(12, 2),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }
