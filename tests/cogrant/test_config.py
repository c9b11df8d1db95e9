"""Settings: embedded by default, development secrets refused elsewhere, each problem named."""

from __future__ import annotations

import pytest

from cogrant.config import load_settings
from models.errors import ConfigurationError


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("COGRANT_"):
            monkeypatch.delenv(name)


def test_nothing_set_means_the_embedded_stack() -> None:
    settings = load_settings()
    assert settings.fully_embedded and settings.database_url is None and settings.embedded_s3


def test_external_services_with_development_secrets_are_refused_naming_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COGRANT_DATABASE_URL", "postgresql+psycopg://cogrant@db/cogrant")
    monkeypatch.setenv("COGRANT_S3_ENDPOINT_URL", "https://s3.example.org")
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    assert "COGRANT_S3_SECRET_KEY" in str(error.value) and "COGRANT_SECRET_KEY" in str(error.value)


def test_external_services_with_real_secrets_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COGRANT_DATABASE_URL", "postgresql+psycopg://cogrant@db/cogrant")
    monkeypatch.setenv("COGRANT_S3_ENDPOINT_URL", "https://s3.example.org")
    monkeypatch.setenv("COGRANT_S3_SECRET_KEY", "a-real-and-long-s3-secret")
    monkeypatch.setenv("COGRANT_SECRET_KEY", "a-real-and-long-session-secret")
    settings = load_settings()
    assert not settings.fully_embedded
    assert "a-real" not in repr(settings)  # secrets never show in logs or tracebacks


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("COGRANT_DATABASE_URL", "mysql://db/cogrant", "COGRANT_DATABASE_URL"),
        ("COGRANT_SMTP_PORT", "twenty-five", "COGRANT_SMTP_PORT"),
        ("COGRANT_PRESIGN_SECONDS", "1", "COGRANT_PRESIGN_SECONDS"),
        ("COGRANT_TAX_YEAR_START", "02-30", "COGRANT_TAX_YEAR_START"),
        ("COGRANT_TAX_YEAR_START", "April", "COGRANT_TAX_YEAR_START"),
    ],
)
def test_an_unusable_value_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, named: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=named):
        load_settings()


def test_e_mail_links_follow_the_portal_when_only_its_port_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COGRANT_PORTAL_PORT", "8123")
    assert load_settings().public_url == "http://127.0.0.1:8123"
    monkeypatch.setenv("COGRANT_PUBLIC_URL", "https://apply.example.org")
    assert load_settings().public_url == "https://apply.example.org"


def test_the_tax_year_starts_on_6_april_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().tax_year_start_month_day == (4, 6)
    monkeypatch.setenv("COGRANT_TAX_YEAR_START", "07-01")
    assert load_settings().tax_year_start_month_day == (7, 1)
