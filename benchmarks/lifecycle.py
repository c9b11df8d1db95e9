"""Responsible for timing a whole round through every stage on the embedded stack.

Starts PostgreSQL, SeaweedFS, an SMTP catcher, a Prefect server (on PostgreSQL) and the standing e-mail
relay in a temporary directory, as `cogrant up` does, drives a synthetic round of N applications through
every flow, waits until the relay has sent every e-mail, and prints as a final JSON
line: wall seconds (everything: the flows, the simulated people who apply, review and report, and the
wait for the last e-mails, stage "e-mail"),
seconds per application per stage (the stage's flows), and the share of flow time spent in Prefect's
bookkeeping rather than in cogrant's own code (timed inside every task and flow body).

    python benchmarks/lifecycle.py --applications 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
from pathlib import Path

# `benchmarks/reports.py` would hide the `reports` package from a script run here, so this folder is
# taken off the import path (the project itself is installed).
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL", "WARNING")

FLOW_STAGES = ("intake", "review", "panel", "award", "check-ins", "close-out")


def reviewers_for(applications: int, *, load: int = 6) -> int:
    """Enough reviewers of each type for a 2 + 2 panel each at the default load, plus a sixth spare."""
    per_type = max(8, math.ceil(applications * 2 / load * 1.2))
    return per_type * 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from cogrant.cli import _prefect_pointed_at
    from cogrant.composition import build_app
    from cogrant.config import load_settings
    from cogrant.driver import drive_round
    from cogrant.stack.embedded import EmbeddedStack
    from cogrant.stack.ports import free_port
    from cogrant.stack.postgres import enterable_temp_dir

    reviewers = reviewers_for(args.applications)
    with enterable_temp_dir("cogrant-bench-") as data_dir:
        settings = load_settings(data_dir=data_dir)
        began = time.perf_counter()
        with EmbeddedStack(settings, prefect_port=free_port()) as stack:
            stack_seconds = time.perf_counter() - began
            app = build_app(settings, endpoints=stack.endpoints)
            app.store.ensure_bucket()
            with _prefect_pointed_at(stack.endpoints.prefect_api_url):
                began = time.perf_counter()
                summary = asyncio.run(
                    drive_round(
                        app,
                        applications=args.applications,
                        reviewers=reviewers,
                        seed=args.seed,
                        progress=lambda m: print(m, file=sys.stderr),
                    )
                )
                wall = time.perf_counter() - began
            app.close()

    flow_wall = sum(summary.stage_seconds[stage] for stage in FLOW_STAGES)
    flow_own = sum(summary.own_code_seconds.get(stage, 0.0) for stage in FLOW_STAGES)
    per_application = {
        stage: round(summary.stage_seconds[stage] / args.applications, 5) for stage in FLOW_STAGES
    }
    print(
        json.dumps(
            {
                "applications": args.applications,
                "reviewers": reviewers,
                "wall_seconds": round(wall, 2),
                "stack_start_seconds": round(stack_seconds, 2),
                "stage_seconds": summary.stage_seconds,
                "seconds_per_application": per_application,
                "own_code_seconds": summary.own_code_seconds,
                "simulated_people_seconds": summary.people_seconds,
                "prefect_bookkeeping_share": round((flow_wall - flow_own) / flow_wall, 3),
                "own_code_share": round(flow_own / flow_wall, 3),
                "statuses": summary.statuses,
                "emails_sent": summary.emails_sent,
                "celebrations": len(summary.celebration_keys),
            }
        )
    )


if __name__ == "__main__":
    main()
