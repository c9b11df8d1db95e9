"""`cogrant admin EMAIL`: makes a person an administrator, once, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from cogrant.cli import main
from models.enums import Role
from models.people import Person, RoleGrant


@pytest.fixture(autouse=True)
def _external_services(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    for name in list(os.environ):
        if name.startswith("COGRANT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COGRANT_DATABASE_URL", db_url)
    monkeypatch.setenv("COGRANT_S3_ENDPOINT_URL", "http://127.0.0.1:9")  # not reached by this command
    monkeypatch.setenv("COGRANT_S3_SECRET_KEY", "a-long-test-secret-for-s3-not-used")
    monkeypatch.setenv("COGRANT_SECRET_KEY", "a-long-test-secret-for-the-admin-command")
    monkeypatch.setenv("COGRANT_SMTP_HOST", "127.0.0.1")


def test_admin_command_grants_the_role_once(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "Alex.Admin@example.org", "--name", "Alex Admin"]) == 0
    assert main(["admin", "alex.admin@example.org"]) == 0

    with Session(engine) as session:
        person = session.scalars(select(Person)).one()
        grants = session.scalar(
            select(func.count()).select_from(RoleGrant).where(RoleGrant.role == Role.ADMINISTRATOR)
        )
    assert (person.email, person.name, grants) == ("alex.admin@example.org", "Alex Admin", 1)
    assert "alex.admin@example.org is an administrator" in capsys.readouterr().out


def test_admin_command_refuses_a_bad_address_naming_it(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "alex at example.org"]) == 2
    assert "cannot send e-mail to 'alex at example.org'" in capsys.readouterr().err
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
