"""Responsible for timing a deadline-day burst of submissions through the portal.

Starts the embedded PostgreSQL, SeaweedFS and SMTP catcher in a temporary directory and the portal
(uvicorn, in its own processes), signs in one applicant per client through the e-mailed link, then
sends N submissions (a document of S MB uploaded through the portal, then the application sent) from
C concurrent clients. For comparison it uploads the same files straight to SeaweedFS with boto3 at the
same concurrency. Prints, as a final JSON line, medians over the repeats: p50/p95 latency of one
submission (upload + send), submissions per second, the raw boto3 upload rate, and how many
submissions were found afterwards in the database and in S3.

    python benchmarks/intake.py --submissions 500 --size-mb 5 --clients 20
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from types import ModuleType

# `benchmarks/reports.py` would hide the `reports` package from a script run here, so this folder is
# taken off the import path (the project itself is installed).
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


def _beside_this_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=500)
    parser.add_argument("--size-mb", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    Burst = _beside_this_script("intake_burst").Burst
    process_cpu = _beside_this_script("process_cpu")

    from cogrant.composition import build_app
    from cogrant.config import load_settings
    from cogrant.stack.embedded import EmbeddedStack
    from cogrant.stack.ports import free_port
    from cogrant.stack.postgres import enterable_temp_dir

    document = b"%PDF-1.7\n" + os.urandom(int(args.size_mb * 1024 * 1024) - 9)
    runs = []
    with enterable_temp_dir("cogrant-intake-bench-") as data_dir:
        settings = load_settings(data_dir=data_dir, upload_max_mb=int(args.size_mb) + 5)
        with EmbeddedStack(settings, with_prefect=False) as stack:
            app = build_app(settings, endpoints=stack.endpoints)
            app.store.ensure_bucket()
            port = free_port()
            environment = os.environ | {
                "COGRANT_DATA_DIR": str(data_dir),
                "COGRANT_UPLOAD_MAX_MB": str(int(args.size_mb) + 5),
                "COGRANT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            }
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "web.asgi:portal_from_environment",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(args.workers),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                env=environment,
            )
            try:
                cpu = process_cpu.probe(
                    {"portal": server.pid, "s3": process_cpu.child_named(os.getpid(), "weed")}
                )
                burst = Burst(
                    app, url=f"http://127.0.0.1:{port}", clients=args.clients, document=document, cpu=cpu
                )
                burst.wait_until_up()
                for repeat in range(args.repeats):
                    runs.append(burst.run(args.submissions, run=repeat))
                    print(f"run {repeat + 1}: {runs[-1]}", file=sys.stderr)
            finally:
                server.terminate()
                server.wait(timeout=30)
            app.close()

    def median(key: str) -> float:
        return round(statistics.median(run[key] for run in runs), 3)

    print(
        json.dumps(
            {
                "submissions": args.submissions,
                "document_mb": args.size_mb,
                "clients": args.clients,
                "portal_workers": args.workers,
                "repeats": args.repeats,
                "p50_seconds": median("p50_seconds"),
                "p95_seconds": median("p95_seconds"),
                "submissions_per_second": median("submissions_per_second"),
                "raw_boto3_uploads_per_second": median("raw_uploads_per_second"),
                "throughput_share_of_raw": median("throughput_share_of_raw"),
                **{key: median(key) for key in runs[0] if "_cpu_ms_" in key},
                "load_average_1min": round(os.getloadavg()[0], 2),
                "found_in_database": min(run["found_in_database"] for run in runs),
                "found_in_s3": min(run["found_in_s3"] for run in runs),
            }
        )
    )


if __name__ == "__main__":
    main()
