"""Responsible for giving service tests the same wired App (S3 and SMTP servers) as the flow tests."""

from tests.flows.conftest import app, prefect_harness, s3_endpoint, smtp_server

__all__ = ["app", "prefect_harness", "s3_endpoint", "smtp_server"]
