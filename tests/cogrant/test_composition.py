"""Wiring: the administrators' mailbox reads the SMTP catcher's folder only when e-mail goes to a catcher."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cogrant.composition import build_app
from cogrant.config import load_settings
from cogrant.stack.embedded import StackEndpoints


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("COGRANT_"):
            monkeypatch.delenv(name)


def _endpoints(mail_dir: str) -> StackEndpoints:
    return StackEndpoints(
        database_url="sqlite:///unused.db",
        s3_endpoint_url="http://127.0.0.1:9",
        smtp_host="127.0.0.1",
        smtp_port=2525,
        prefect_api_url=None,
        prefect_ui_url=None,
        mail_dir=mail_dir,
        owner_pid=os.getpid(),
    )


@pytest.mark.parametrize(
    ("environment", "stack_mail_dir", "expected"),
    [
        ({}, "/data/mail", Path("/data/mail")),  # `cogrant up`: the embedded catcher's folder
        ({}, "", None),  # a stack that reports no folder
        ({"COGRANT_SMTP_HOST": "mail.example.org"}, "/data/mail", None),  # a real mail server
        ({"COGRANT_SMTP_HOST": "127.0.0.1", "COGRANT_MAIL_DIR": "/srv/caught"}, "", Path("/srv/caught")),
    ],
)
def test_mail_dir_comes_from_the_setting_or_the_embedded_catcher(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], stack_mail_dir: str, expected: Path | None
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    app = build_app(load_settings(), endpoints=_endpoints(stack_mail_dir))
    try:
        assert app.mail_dir == expected
    finally:
        app.close()
