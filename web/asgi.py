"""Responsible for the portal as a standalone ASGI app, wired from COGRANT_* settings.

    uvicorn --factory web.asgi:portal_from_environment --workers 2

With the embedded stack, `cogrant up` must be running (it serves the portal itself too); otherwise set
COGRANT_DATABASE_URL, the S3 settings and COGRANT_SMTP_HOST.
"""

from __future__ import annotations

from fastapi import FastAPI

from cogrant.composition import build_app
from cogrant.config import load_settings
from web.app import create_app


def portal_from_environment() -> FastAPI:
    return create_app(build_app(load_settings()))
