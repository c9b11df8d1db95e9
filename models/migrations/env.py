"""Responsible for running Alembic migrations against the URL given in the Alembic config."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

import models
from models.base import UtcDateTime

config = context.config
target_metadata = models.Base.metadata


def render_item(kind: str, obj: Any, autogen_context: Any) -> str | bool:
    """Migrations must not import model code: our column types are written as plain SQLAlchemy ones."""
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
