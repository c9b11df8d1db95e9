"""Embedded development services (PostgreSQL, Prefect, SMTP, S3) behind `cogrant up`."""
