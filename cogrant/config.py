"""Responsible for cogrant's settings, read from COGRANT_* environment variables, and their checks.

With no database or S3 endpoint set, cogrant runs in embedded mode: it starts PostgreSQL, SeaweedFS, an
SMTP catcher and a Prefect server of its own under `data_dir`. Outside embedded mode the well-known
development credentials are refused.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.errors import ConfigurationError

# Used only by the embedded SeaweedFS, which listens on 127.0.0.1 alone.
EMBEDDED_S3_ACCESS_KEY = "cogrant-embedded"
EMBEDDED_S3_SECRET_KEY = "cogrant-embedded-secret"
EMBEDDED_SECRET_KEY = "cogrant-embedded-not-secret"
_DEV_SECRETS = {EMBEDDED_S3_SECRET_KEY, EMBEDDED_SECRET_KEY, "changethis", "secret", "password", ""}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COGRANT_", extra="ignore")

    data_dir: Path = Field(default=Path(".cogrant"), description="where embedded services keep their data")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; unset = embedded PostgreSQL")
    s3_endpoint_url: str | None = None
    s3_bucket: str = "cogrant-documents"
    s3_access_key: str = EMBEDDED_S3_ACCESS_KEY
    s3_secret_key: SecretStr = SecretStr(EMBEDDED_S3_SECRET_KEY)
    s3_region: str = "us-east-1"
    s3_use_aws: bool = Field(default=False, description="use AWS S3 itself (no endpoint URL)")
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "cogrant <grants@localhost>"
    standing_relay: bool = Field(
        default=False,
        description="a `cogrant relay` runs beside your own services, so flows leave their e-mails to it "
        "(the embedded stack's relay is found without this)",
    )
    mail_dir: Path | None = Field(
        default=None,
        description="where an SMTP catcher saves e-mails as .eml files, shown in the administrators' "
        "mailbox; unset = the embedded catcher's (none when COGRANT_SMTP_HOST is set)",
    )
    public_url: str = Field(
        default="", description="the portal's address in e-mails; unset = http://PORTAL_HOST:PORTAL_PORT"
    )
    funder_name: str = "Community Co-Production Fund"
    contact_email: str = "grants@localhost"
    prefect_api_url: str | None = None
    prefect_port: int = 4200
    secret_key: SecretStr = SecretStr(EMBEDDED_SECRET_KEY)
    presign_seconds: int = Field(default=300, ge=10, le=7 * 24 * 3600)
    s3_public_endpoint_url: str | None = Field(
        default=None, description="the S3 endpoint as browsers reach it, for download links; unset = same"
    )
    portal_host: str = "127.0.0.1"
    portal_port: int = Field(default=8000, ge=1, le=65535)
    upload_max_mb: int = Field(default=50, ge=1, le=2048)
    tax_year_start: str = Field(
        default="04-06", description="first day of the tax year for reviewers' totals, MM-DD (UK: 6 April)"
    )

    @property
    def tax_year_start_month_day(self) -> tuple[int, int]:
        month, day = self.tax_year_start.split("-")
        return int(month), int(day)

    @model_validator(mode="after")
    def _tax_year_start_is_a_day(self) -> Self:
        try:
            month, day = self.tax_year_start_month_day
            dt.date(2001, month, day)
        except ValueError:
            raise ValueError(
                f"COGRANT_TAX_YEAR_START must be a month and day like 04-06, not {self.tax_year_start!r}"
            ) from None
        return self

    @property
    def embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def embedded_s3(self) -> bool:
        return self.s3_endpoint_url is None and not self.s3_use_aws

    @property
    def fully_embedded(self) -> bool:
        return self.embedded_database and self.embedded_s3

    @model_validator(mode="after")
    def _public_url_defaults_to_the_portal(self) -> Self:
        # Links in e-mails must reach the portal as served, also when only its port was changed.
        if not self.public_url:
            self.public_url = f"http://{self.portal_host}:{self.portal_port}"
        return self

    @model_validator(mode="after")
    def _refuse_default_secrets_outside_embedded(self) -> Self:
        problems = []
        if not self.embedded_s3 and self.s3_secret_key.get_secret_value() in _DEV_SECRETS:
            problems.append("COGRANT_S3_SECRET_KEY is the embedded default; set the real S3 secret key")
        if not self.fully_embedded and self.secret_key.get_secret_value() in _DEV_SECRETS:
            problems.append("COGRANT_SECRET_KEY is the embedded default; set a long random secret")
        if self.database_url is not None and not self.database_url.startswith(("postgresql", "sqlite")):
            problems.append("COGRANT_DATABASE_URL must be a postgresql+psycopg:// or sqlite:/// URL")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; an unusable value stops with a message naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            name = f"COGRANT_{field.upper()}" if field else "settings"
            lines.append(f"{name}: {problem['msg']}")
        raise ConfigurationError("unusable settings:\n  " + "\n  ".join(lines)) from None
