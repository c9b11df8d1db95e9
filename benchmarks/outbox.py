"""Responsible for timing the outbox relay: 10,000 e-mails drained by 1 and by 4 relays on PostgreSQL.

Starts an embedded PostgreSQL and the development SMTP catcher (aiosmtpd in its own process, writing
each message as an .eml file) in a temporary directory. For each number of relays, three times: queue
the messages, start the relays as separate processes (each its own send_pending loop over one SMTP
connection), time from the moment they are all ready until the last one finishes, then count what the
catcher received by Message-ID. Prints as a final JSON line the median messages per second for each
number of relays, and the duplicates over all runs (must be 0).

    python benchmarks/outbox.py [--messages 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

# `benchmarks/reports.py` would hide the `reports` package from a script run here, so this folder is
# taken off the import path (the project itself is installed).
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

RELAY_COUNTS = (1, 4)
TARGET_WITH_4_RELAYS = 500.0
FROM = "Pilot Fund <grants@pilotfund.example>"
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.MULTILINE | re.IGNORECASE)


def queue_messages(database_url: str, count: int) -> None:
    """Empty the outbox and queue `count` review reminders (rendered once, then one row per person)."""
    import datetime as dt

    from sqlalchemy import delete, insert

    from models import OutboxMessage
    from notifications.outbox import enqueue
    from services.database import create_db_engine, session_factory

    engine = create_db_engine(database_url)
    with session_factory(engine)() as session:
        session.execute(delete(OutboxMessage))
        first = enqueue(
            session,
            template="review_reminder",
            to_address="reviewer0@example.org",
            dedupe_key="review_reminder:bench:0",
            context={
                "recipient_name": "Reviewer",
                "funder_name": "Pilot Fund",
                "contact_email": "grants@pilotfund.example",
                "round_name": "Spring 2026",
                "due_date": dt.date(2026, 12, 9),
                "tasks_url": "https://portal.pilotfund.example/reviews",
                "open_tasks": 2,
            },
        )
        session.flush()
        shared = {
            "template": first.template,
            "subject": first.subject,
            "body_text": first.body_text,
            "body_html": first.body_html,
            "language": first.language,
            "status": first.status,
            "attempts": 0,
        }
        rows = [
            {**shared, "to_address": f"reviewer{n}@example.org", "dedupe_key": f"review_reminder:bench:{n}"}
            for n in range(1, count)
        ]
        for start in range(0, len(rows), 2000):
            session.execute(insert(OutboxMessage), rows[start : start + 2000])
        session.commit()
    engine.dispose()


def relay_process(
    database_url: str, smtp_port: int, connections: int, ready: object, go: object, results: object
) -> None:
    """One relay: connect, say it is ready, wait for the start, send until nothing is due."""
    from notifications.relay import SmtpSettings, send_pending
    from services.database import create_db_engine, session_factory

    engine = create_db_engine(database_url)
    sessions = session_factory(engine)
    settings = SmtpSettings(host="127.0.0.1", port=smtp_port, from_address=FROM, timeout=60)
    with sessions() as session:
        session.connection()  # the pool's first connection opened before the clock starts
    ready.release()  # type: ignore[attr-defined]
    go.wait()  # type: ignore[attr-defined]
    report = send_pending(sessions, settings, batch_size=100, connections=connections)
    results.put((report.sent, report.failed, report.deferred))  # type: ignore[attr-defined]
    engine.dispose()


def drain(database_url: str, smtp_port: int, relays: int, connections: int) -> tuple[float, int]:
    """Seconds for `relays` relay processes to send everything due, and how many they sent."""
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Semaphore(0), context.Event(), context.Queue()
    processes = [
        context.Process(target=relay_process, args=(database_url, smtp_port, connections, ready, go, results))
        for _ in range(relays)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.acquire()
    began = time.perf_counter()
    go.set()
    outcomes = [results.get() for _ in processes]
    seconds = time.perf_counter() - began
    for process in processes:
        process.join()
    if any(failed or deferred for _, failed, deferred in outcomes):
        raise RuntimeError(f"relays reported failures or deferrals: {outcomes}")
    return seconds, sum(sent for sent, _, _ in outcomes)


def received_message_ids(mail_dir: Path, expected: int, timeout: float = 60.0) -> Counter[bytes]:
    """Message-IDs of every .eml the catcher wrote, once at least `expected` files are there."""
    deadline = time.monotonic() + timeout
    while len(list(mail_dir.glob("*.eml"))) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    found: Counter[bytes] = Counter()
    for path in mail_dir.glob("*.eml"):
        with path.open("rb") as source:
            match = _MESSAGE_ID.search(source.read(4096))
        found[match.group(1) if match else b"?"] += 1
    return found


def main() -> None:
    from notifications.relay import RELAY_CONNECTIONS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--connections",
        type=int,
        default=RELAY_CONNECTIONS,
        help="SMTP connections per relay (the send-notifications flow uses %(default)s)",
    )
    args = parser.parse_args()

    from cogrant.stack.postgres import EmbeddedPostgres, enterable_temp_dir
    from cogrant.stack.smtp_process import SmtpCatcherProcess
    from services.database import migrate

    rates: dict[int, list[float]] = {relays: [] for relays in RELAY_COUNTS}
    duplicates = missing = 0
    with (
        enterable_temp_dir("cogrant-outbox-bench-") as data_dir,
        EmbeddedPostgres(data_dir / "postgres") as server,
    ):
        server.ensure_database("outbox_bench")
        database_url = server.sqlalchemy_url("outbox_bench")
        migrate(database_url)
        for run in range(args.runs):
            for relays in RELAY_COUNTS:
                mail_dir = data_dir / f"mail-{relays}-{run}"
                queue_messages(database_url, args.messages)
                with SmtpCatcherProcess(mail_dir) as catcher:
                    seconds, sent = drain(database_url, catcher.port, relays, args.connections)
                    received = received_message_ids(mail_dir, sent)
                duplicates += sum(count - 1 for count in received.values())
                missing += args.messages - len(received)
                rates[relays].append(args.messages / seconds)
                print(
                    f"run {run + 1}: {relays} relay(s): {sent} sent in {seconds:.2f} s "
                    f"({args.messages / seconds:.0f}/s), {len(received)} distinct received",
                    file=sys.stderr,
                )
    medians = {relays: statistics.median(values) for relays, values in rates.items()}
    print(
        json.dumps(
            {
                "messages": args.messages,
                "smtp_connections_per_relay": args.connections,
                "runs": args.runs,
                "messages_per_second_1_relay": round(medians[1], 1),
                "messages_per_second_4_relays": round(medians[4], 1),
                "all_runs_messages_per_second": {
                    str(k): [round(v, 1) for v in vs] for k, vs in rates.items()
                },
                "duplicates": duplicates,
                "missing": missing,
                "target_4_relays": TARGET_WITH_4_RELAYS,
                "target_met": medians[4] >= TARGET_WITH_4_RELAYS and duplicates == 0 and missing == 0,
            }
        )
    )


if __name__ == "__main__":
    main()
