"""Tests for the embedded PostgreSQL launcher: sockets, databases, persistence and reuse."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from cogrant.stack.ports import free_port
from cogrant.stack.postgres import MAX_SOCKET_PATH, EmbeddedPostgres, PostmasterInfo

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres(stack_dir: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(stack_dir / "postgres")
    try:
        yield server.start()
    finally:
        server.stop()


def _scalar(url: str, query: str) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(query)).scalar_one()
    finally:
        engine.dispose()


def test_listens_on_a_socket_under_the_data_dir_and_not_on_tcp(postgres: EmbeddedPostgres) -> None:
    assert postgres.started_here
    assert postgres.socket_dir == postgres.data_dir / "run"
    assert (
        postgres.sqlalchemy_url("grants")
        == f"postgresql+psycopg://postgres@/grants?host={postgres.socket_dir}"
    )
    assert _scalar(postgres.sqlalchemy_url(), "SELECT inet_server_addr() IS NULL") is True


def test_ensure_database_creates_once_and_sqlalchemy_connects(postgres: EmbeddedPostgres) -> None:
    assert postgres.ensure_database("cogrant") is True
    assert postgres.ensure_database("cogrant") is False
    assert _scalar(postgres.sqlalchemy_url("cogrant"), "SELECT current_database()") == "cogrant"


def test_asyncpg_url_over_the_socket(postgres: EmbeddedPostgres) -> None:
    async def query() -> object:
        engine = create_async_engine(postgres.sqlalchemy_url("postgres", driver="asyncpg"))
        try:
            async with engine.connect() as connection:
                return (await connection.execute(sa.text("SELECT 41 + 1"))).scalar_one()
        finally:
            await engine.dispose()

    assert asyncio.run(query()) == 42


def test_data_survives_stop_and_start(postgres: EmbeddedPostgres) -> None:
    postgres.ensure_database("kept")
    with psycopg.connect(postgres.dsn("kept"), autocommit=True) as conn:
        conn.execute("CREATE TABLE note (body text)")
        conn.execute("INSERT INTO note VALUES ('still here')")
    postgres.stop()
    assert not postgres.is_running()

    postgres.start()

    assert postgres.started_here
    assert _scalar(postgres.sqlalchemy_url("kept"), "SELECT body FROM note") == "still here"


def test_second_start_reuses_the_running_server(postgres: EmbeddedPostgres) -> None:
    first_pid = _postmaster_pid(postgres.pgdata)

    with EmbeddedPostgres(postgres.data_dir) as again:
        assert not again.started_here
        assert again.socket_dir == postgres.socket_dir
        assert _postmaster_pid(again.pgdata) == first_pid

    assert postgres.is_running(), "leaving a reused server must not stop it"


def test_long_data_dir_gets_a_short_socket_dir(stack_dir: Path) -> None:
    long_dir = stack_dir / ("d" * 80) / "postgres"
    with EmbeddedPostgres(long_dir) as server:
        assert not server.socket_dir.is_relative_to(long_dir)
        assert len(str(server.socket_dir / ".s.PGSQL.5432")) < MAX_SOCKET_PATH
        assert _scalar(server.sqlalchemy_url(), "SELECT 1") == 1


def test_optional_tcp_port(stack_dir: Path) -> None:
    port = free_port()
    with EmbeddedPostgres(stack_dir / "postgres", tcp_port=port) as server:
        assert server.port == port
        assert server.dsn("postgres", tcp=True) == f"postgresql://postgres@127.0.0.1:{port}/postgres"
        assert _scalar(server.sqlalchemy_url(tcp=True), "SELECT inet_server_port()") == port
        assert _scalar(server.sqlalchemy_url(), "SELECT 1") == 1  # the socket still works


def _postmaster_pid(pgdata: Path) -> int:
    info = PostmasterInfo.read(pgdata)
    assert info is not None
    return info.pid
