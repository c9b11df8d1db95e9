"""`cogrant invite-reviewer`: one invitation e-mail per person and round, sent through a real SMTP
server, on SQLite and PostgreSQL; bad input is refused naming the problem, with nothing written."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from cogrant.cli import main
from cogrant.stack.smtp import DevSMTPServer
from models import OutboxMessage
from models.people import ReviewerInvitation
from tests.support.factories import make_round


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[DevSMTPServer]:
    for name in list(os.environ):
        if name.startswith("COGRANT_"):
            monkeypatch.delenv(name)
    with DevSMTPServer() as server:
        monkeypatch.setenv("COGRANT_DATABASE_URL", db_url)
        monkeypatch.setenv("COGRANT_S3_ENDPOINT_URL", "http://127.0.0.1:9")  # not reached by this command
        monkeypatch.setenv("COGRANT_S3_SECRET_KEY", "a-long-test-secret-for-s3-not-used")
        monkeypatch.setenv("COGRANT_SECRET_KEY", "a-long-test-secret-for-the-invite-command")
        monkeypatch.setenv("COGRANT_SMTP_HOST", server.host)
        monkeypatch.setenv("COGRANT_SMTP_PORT", str(server.port))
        yield server


def test_inviting_twice_sends_one_e_mail(
    engine: Engine, smtp: DevSMTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with Session(engine) as session:
        slug = make_round(session, name="Spring pilots").slug
        session.commit()
    command = ["invite-reviewer", "Lee@Example.org", "--name", "Dr Lee Park", "--type", "scientist"]
    assert main([*command, "--round", slug]) == 0
    assert main([*command, "--round", slug]) == 0

    out = capsys.readouterr().out
    assert "Invited Lee@Example.org to review in Spring pilots" in out and "already invited" in out
    [message] = smtp.wait_for(1, timeout=10)
    assert list(message.rcpt_tos) == ["lee@example.org"]
    assert "/reviewer-invitations/" in message.parse().get_body(preferencelist=("plain",)).get_content()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ReviewerInvitation)) == 1


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["lee at example.org", "--round", "spring"], "email"),
        (["lee@example.org", "--round", "no-such-round"], "no funding round with the slug 'no-such-round'"),
    ],
)
def test_bad_input_is_refused_naming_it(
    engine: Engine,
    smtp: DevSMTPServer,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    problem: str,
) -> None:
    assert main(["invite-reviewer", *arguments, "--name", "Lee", "--type", "scientist"]) == 2
    assert problem in capsys.readouterr().err
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
