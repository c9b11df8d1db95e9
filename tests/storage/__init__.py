"""Tests of document storage against real S3 protocol servers (moto, SeaweedFS)."""
