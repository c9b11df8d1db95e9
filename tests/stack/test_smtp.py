"""Tests for the development SMTP server: messages arrive in memory and as .eml files."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from cogrant.stack.smtp import DevSMTPServer


def _send(server: DevSMTPServer, *, subject: str, to: list[str]) -> None:
    message = EmailMessage()
    message["From"] = "grants@example.org"
    message["To"] = to[0]
    message["Subject"] = subject
    message.set_content("Your application was received.\n")
    with smtplib.SMTP(server.host, server.port, local_hostname="localhost", timeout=5) as client:
        client.send_message(message, to_addrs=to)


def test_messages_are_kept_in_memory_and_written_as_eml(tmp_path: Path) -> None:
    with DevSMTPServer(mail_dir=tmp_path / "mail") as server:
        _send(server, subject="Application received", to=["lead@example.org", "hidden@example.org"])
        (received,) = server.wait_for(1, timeout=5)

    assert received.mail_from == "grants@example.org"
    assert received.rcpt_tos == ("lead@example.org", "hidden@example.org")
    parsed = received.parse()
    assert parsed["Subject"] == "Application received"
    assert parsed.get_content().strip() == "Your application was received."
    assert received.path is not None and received.path.parent == tmp_path / "mail"
    written = received.path.read_bytes()
    assert written.startswith(b"X-Envelope-From: <grants@example.org>\r\n")
    assert b"X-Envelope-To: lead@example.org, hidden@example.org" in written
    assert written.endswith(received.data)


def test_wait_for_counts_all_messages_and_times_out() -> None:
    with DevSMTPServer() as server:
        for number in range(3):
            _send(server, subject=f"Reminder {number}", to=["lead@example.org"])
        assert [m.parse()["Subject"] for m in server.wait_for(3, timeout=5)] == [
            "Reminder 0",
            "Reminder 1",
            "Reminder 2",
        ]
        assert server.mail_dir is None and all(m.path is None for m in server.messages)
        with pytest.raises(TimeoutError):
            server.wait_for(4, timeout=0.2)


def test_stopped_server_refuses_connections() -> None:
    server = DevSMTPServer().start()
    port = server.port
    server.stop()
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=2)
