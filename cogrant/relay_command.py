"""Responsible for `cogrant relay`: the standing e-mail relay, sending queued e-mails until stopped.

`cogrant up` runs one itself (cogrant.stack.relay_process). Ctrl-C or SIGTERM stops it after the
batch in hand, every answer from the SMTP server recorded.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from cogrant.composition import build_app
from cogrant.config import load_settings
from notifications.standing_relay import relay_until_stopped


def command_relay(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="cogrant relay: %(message)s")
    app = build_app(load_settings())
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    if not args.quiet:
        print(
            f"Sending queued e-mails through {app.smtp.host}:{app.smtp.port}; Ctrl-C stops.", file=sys.stderr
        )
    try:
        report = relay_until_stopped(app.sessions, app.smtp, stopped=stopped)
    finally:
        app.close()
    if not args.quiet:
        print(f"Stopped: {report.sent} sent, {report.failed} given up on.", file=sys.stderr)
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    relay = commands.add_parser("relay", help="send queued e-mails as they come, until stopped")
    relay.add_argument("--quiet", action="store_true", help="say nothing unless an e-mail fails")
    relay.set_defaults(run=command_relay)
