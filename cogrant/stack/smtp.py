"""Responsible for a local SMTP server that keeps every message it receives, for development and tests.

Messages are kept in memory (for assertions) and, given a mail directory, written there as `.eml`
files that any mail client opens: the "dev mailbox". Each file starts with X-Envelope-From and
X-Envelope-To headers, so Bcc recipients are visible too. Nothing is ever relayed onwards.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Self, cast

from aiosmtpd.controller import Controller

from cogrant.stack.ports import DEFAULT_HOST, free_port
from cogrant.stack.process import LocalServer


@dataclass(frozen=True)
class ReceivedMessage:
    """One message as the server received it: the SMTP envelope and the raw bytes."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    received_at: datetime
    path: Path | None = None

    def parse(self) -> EmailMessage:
        """The message parsed with the modern e-mail policy (headers decoded, get_body() available)."""
        return cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(self.data))


class Mailbox:
    """Thread-safe store of received messages, mirrored to .eml files when given a directory."""

    def __init__(self, mail_dir: Path | None = None, *, keep_in_memory: bool = True) -> None:
        self.mail_dir = mail_dir
        self.keep_in_memory = keep_in_memory
        self._messages: list[ReceivedMessage] = []
        self._changed = threading.Condition()
        self._sequence = itertools.count(1)

    def add(self, *, mail_from: str, rcpt_tos: tuple[str, ...], data: bytes) -> ReceivedMessage:
        received_at = datetime.now(UTC)
        path = self._write(mail_from, rcpt_tos, data, received_at) if self.mail_dir is not None else None
        message = ReceivedMessage(mail_from, rcpt_tos, data, received_at, path)
        if self.keep_in_memory:
            with self._changed:
                self._messages.append(message)
                self._changed.notify_all()
        return message

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._changed:
            return list(self._messages)

    def clear(self) -> None:
        """Forget the messages held in memory (files stay)."""
        with self._changed:
            self._messages.clear()

    def wait_for(self, count: int, timeout: float) -> list[ReceivedMessage]:
        """Block until at least `count` messages are held; raise TimeoutError after `timeout` s."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(f"expected {count} messages within {timeout}s, got {len(self._messages)}")
            return list(self._messages)

    def _write(self, mail_from: str, rcpt_tos: tuple[str, ...], data: bytes, at: datetime) -> Path:
        assert self.mail_dir is not None
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        path = self.mail_dir / f"{at:%Y%m%dT%H%M%S.%f}-{next(self._sequence):04d}.eml"
        envelope = f"X-Envelope-From: <{mail_from}>\r\nX-Envelope-To: {', '.join(rcpt_tos)}\r\n"
        partial = path.with_suffix(".eml.part")
        partial.write_bytes(envelope.encode() + data)
        os.replace(partial, path)  # mail clients never see half a message
        return path


class _StoringHandler:
    """aiosmtpd handler that accepts every message into a Mailbox."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode()
        self.mailbox.add(mail_from=envelope.mail_from or "", rcpt_tos=tuple(envelope.rcpt_tos), data=data)
        return "250 Message accepted for delivery"


class DevSMTPServer(LocalServer):
    """An aiosmtpd server on host:port (a free port by default) that stores all mail it gets."""

    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        port: int | None = None,
        mail_dir: Path | None = None,
        keep_in_memory: bool = True,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._port: int | None = port
        self.mailbox = Mailbox(
            Path(mail_dir) if mail_dir is not None else None, keep_in_memory=keep_in_memory
        )
        self._controller: Controller | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the SMTP server has no port until start()")
        return self._port

    @property
    def mail_dir(self) -> Path | None:
        return self.mailbox.mail_dir

    @property
    def messages(self) -> list[ReceivedMessage]:
        """A copy of everything received so far, oldest first."""
        return self.mailbox.messages

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Wait until `count` messages have arrived in total; return them all."""
        return self.mailbox.wait_for(count, timeout)

    def start(self) -> Self:
        if self._controller is not None:
            return self
        self._port = self._requested_port or free_port(self.host)
        controller = Controller(
            _StoringHandler(self.mailbox),
            hostname=self.host,
            port=self._port,
            server_hostname="localhost",  # skips a reverse DNS lookup of our own name
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()


def main(argv: list[str] | None = None) -> None:
    """Run the catcher as its own process (as `cogrant up` does): files only, until SIGTERM or Ctrl-C."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(description="cogrant's development SMTP catcher")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mail-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    server = DevSMTPServer(host=args.host, port=args.port, mail_dir=args.mail_dir, keep_in_memory=False)
    with server, contextlib.suppress(KeyboardInterrupt):
        stopped.wait()


if __name__ == "__main__":
    main()
