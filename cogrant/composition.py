"""Responsible for wiring cogrant together: settings -> database, document store, SMTP, notifier.

The one composition root. Flows, the CLI and (later) the web portal ask for an `App` here; nothing is
built at import time, and tests or benchmarks may build an `App` of their own and install it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cogrant.config import Settings
from cogrant.stack.embedded import StackEndpoints
from cogrant.stack.process import process_running
from models.errors import ConfigurationError
from notifications.relay import SmtpSettings
from services.database import create_db_engine, session_factory
from services.notify import Notifier
from services.unit_of_work import UnitOfWork
from storage.documents import DocumentStore
from storage.s3 import S3DocumentStore


@dataclass
class App:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    store: DocumentStore
    smtp: SmtpSettings
    notifier: Notifier
    prefect_api_url: str | None = None
    mail_dir: Path | None = None  # the SMTP catcher's saved e-mails, when one is in use
    relay_pid: int | None = None  # the embedded stack's standing e-mail relay

    def standing_relay_running(self) -> bool:
        """Whether a standing relay sends queued e-mails as they come, so flows need not wait for SMTP:
        the embedded stack's (its process is checked), or one the settings say runs beside your services."""
        return self.settings.standing_relay or process_running(self.relay_pid)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, on_event=self.notifier.on_event)

    def close(self) -> None:
        self.engine.dispose()
        close_store = getattr(self.store, "close", None)
        if close_store is not None:
            close_store()


def _embedded_endpoints(settings: Settings) -> StackEndpoints:
    endpoints = StackEndpoints.read(settings.data_dir.expanduser().resolve())
    if endpoints is None:
        raise ConfigurationError(
            f"the embedded stack is not running for COGRANT_DATA_DIR={settings.data_dir}: start it with "
            "`cogrant up`, or set COGRANT_DATABASE_URL and COGRANT_S3_ENDPOINT_URL to your own services"
        )
    return endpoints


def build_app(settings: Settings, *, endpoints: StackEndpoints | None = None) -> App:
    """Build the application; embedded parts come from `endpoints` or the running stack's file."""
    needs_stack = settings.embedded_database or settings.embedded_s3 or settings.smtp_host is None
    if needs_stack and endpoints is None:
        endpoints = _embedded_endpoints(settings)
    database_url = settings.database_url or endpoints.database_url  # type: ignore[union-attr]
    store = S3DocumentStore(
        bucket=settings.s3_bucket,
        endpoint_url=endpoints.s3_endpoint_url if settings.embedded_s3 else settings.s3_endpoint_url,  # type: ignore[union-attr]
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        region=settings.s3_region,
    )
    smtp_host = settings.smtp_host or endpoints.smtp_host  # type: ignore[union-attr]
    smtp_port = settings.smtp_port if settings.smtp_host else endpoints.smtp_port  # type: ignore[union-attr]
    smtp = SmtpSettings(
        host=smtp_host,
        port=smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
        from_address=settings.mail_from,
    )
    engine = create_db_engine(database_url)
    notifier = Notifier(
        funder_name=settings.funder_name,
        contact_email=settings.contact_email,
        public_url=settings.public_url.rstrip("/"),
    )
    prefect_api_url = settings.prefect_api_url or (endpoints.prefect_api_url if endpoints else None)
    return App(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        store=store,
        smtp=smtp,
        notifier=notifier,
        prefect_api_url=prefect_api_url,
        mail_dir=_catcher_mail_dir(settings, endpoints),
        relay_pid=endpoints.relay_pid if endpoints is not None else None,
    )


def _catcher_mail_dir(settings: Settings, endpoints: StackEndpoints | None) -> Path | None:
    """COGRANT_MAIL_DIR, or the embedded catcher's directory when e-mail goes to that catcher."""
    if settings.mail_dir is not None:
        return settings.mail_dir.expanduser()
    if settings.smtp_host is None and endpoints is not None and endpoints.mail_dir:
        return Path(endpoints.mail_dir)
    return None
