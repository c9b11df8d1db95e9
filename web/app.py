"""Responsible for building the portal's FastAPI application from a wired `App`.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure when the public URL is https); every form
carries a CSRF token checked by starlette-wtf. The compiled GOV.UK Frontend styles are served from
`web/static` (built by `make install` from the pinned npm packages).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette_wtf import CSRFProtectMiddleware

from cogrant.composition import App
from services.access import INVITATION_SALT
from services.reviewer_invitations import invitation_signer
from services.sign_in import LinkSigner
from storage.documents import DocumentStore
from storage.s3 import S3DocumentStore
from web.errors import install_error_pages
from web.portal import IntakeStarter, Portal
from web.routes import (
    admin_awards,
    admin_checkins,
    admin_conflicts,
    admin_mail,
    admin_payments,
    admin_reviewers,
    auth,
    budget,
    celebrations,
    checkins,
    documents,
    drafting,
    feed,
    final_report,
    project,
    reviewer_payment,
    reviewer_profile,
    reviews,
    rounds,
    statements,
    submission,
    team,
)

STATIC_DIR = Path(__file__).resolve().parent / "static"
CSRF_SECONDS = 8 * 3600  # long enough to write a page slowly, with breaks
logger = logging.getLogger(__name__)


def _derived(secret: str, purpose: str) -> str:
    return hashlib.sha256(f"{purpose}:{secret}".encode()).hexdigest()


def prefect_intake_starter(app: App) -> IntakeStarter:
    """Start the `intake` deployment for one application; without Prefect the 5-minute schedule does it."""

    def start(application_id: int) -> None:
        if app.prefect_api_url is None:
            return
        from prefect.deployments import run_deployment
        from prefect.settings import PREFECT_API_URL, temporary_settings

        try:
            # Named here: this runs on a server thread, which does not see the CLI's Prefect settings.
            with temporary_settings(updates={PREFECT_API_URL: app.prefect_api_url}):
                run_deployment("intake/intake", parameters={"application_ids": [application_id]}, timeout=0)
        except Exception:  # the scheduled intake run picks the application up; the person is not kept waiting
            logger.exception("could not start intake for application %s; the schedule will", application_id)

    return start


def _download_store(app: App) -> DocumentStore:
    settings = app.settings
    if settings.s3_public_endpoint_url is None:
        return app.store
    return S3DocumentStore(
        bucket=settings.s3_bucket,
        endpoint_url=settings.s3_public_endpoint_url,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        region=settings.s3_region,
    )


def create_app(app: App, *, start_intake: IntakeStarter | None = None) -> FastAPI:
    settings = app.settings
    secret = settings.secret_key.get_secret_value()
    portal = Portal(
        app=app,
        sign_in_links=LinkSigner(_derived(secret, "sign-in")),
        invitation_links=LinkSigner(_derived(secret, "invitation"), salt=INVITATION_SALT),
        reviewer_invitation_links=invitation_signer(secret),
        download_store=_download_store(app),
        start_intake=start_intake or prefect_intake_starter(app),
        max_upload_bytes=settings.upload_max_mb * 1024 * 1024,
        csrf_secret=_derived(secret, "csrf"),
    )
    web = FastAPI(title=f"{settings.funder_name}: apply", docs_url=None, redoc_url=None, openapi_url=None)
    web.state.portal = portal
    web.add_middleware(CSRFProtectMiddleware, csrf_secret=portal.csrf_secret, csrf_time_limit=CSRF_SECONDS)
    web.add_middleware(
        SessionMiddleware,
        secret_key=_derived(secret, "session"),
        session_cookie="cogrant_session",
        max_age=8 * 3600,
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )
    web.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    install_error_pages(web)
    # Fixed paths first: drafting's /applications/{id}/{page} would otherwise catch them.
    for module in (
        auth,
        admin_mail,
        admin_payments,
        admin_reviewers,
        admin_conflicts,
        reviewer_profile,
        admin_checkins,
        admin_awards,
        rounds,
        celebrations,
        feed,
        team,
        budget,
        documents,
        submission,
        project,
        checkins,
        final_report,
        statements,
        reviewer_payment,
        reviews,
        drafting,
    ):
        web.include_router(module.router)
    return web
