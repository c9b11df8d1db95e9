"""`cogrant up` and `cogrant demo` as a user runs them: real processes, the real embedded stack."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cogrant.stack.ports import free_port

COGRANT = str(Path(sys.executable).with_name("cogrant"))
DEPLOYMENTS = {
    "intake",
    "review-round",
    "panel",
    "award",
    "award-decision",
    "milestone-check-ins",
    "close-out",
    "send-notifications",
}
pytestmark = pytest.mark.slow


def _post(url: str, body: dict[str, object]) -> list[dict[str, object]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not under pytest's private tmp dirs: PostgreSQL runs as its own user and must enter this one.
    path = Path(tempfile.mkdtemp(prefix="cogrant-cli-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _environment(data_dir: Path, prefect_port: int) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("PREFECT_", "COGRANT_"))
    }
    return environment | {"COGRANT_DATA_DIR": str(data_dir), "COGRANT_PREFECT_PORT": str(prefect_port)}


def _wait_for_banner(process: subprocess.Popen[str], timeout: float) -> str:
    deadline, seen = time.monotonic() + timeout, ""
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen += line
        if "Press Ctrl-C" in line:
            return seen
    process.kill()
    raise AssertionError(f"`cogrant up` did not come up:\n{seen}")


def test_up_serves_every_flow_the_demo_runs_show_and_ctrl_c_stops_it(data_dir: Path) -> None:
    port = free_port()
    environment = _environment(data_dir, port)
    up = subprocess.Popen(
        [COGRANT, "up"], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        banner = _wait_for_banner(up, timeout=120)
        assert f"Prefect UI      http://127.0.0.1:{port}" in banner
        assert all(name in banner for name in DEPLOYMENTS)
        deployments: set[str] = set()
        for _ in range(60):  # serve() registers them just after the banner
            deployments = {d["name"] for d in _post(f"http://127.0.0.1:{port}/api/deployments/filter", {})}
            if deployments == DEPLOYMENTS:
                break
            time.sleep(0.5)
        assert deployments == DEPLOYMENTS

        demo = subprocess.run(
            [COGRANT, "demo", "--json", "--applications", "8", "--reviewers", "8"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert demo.returncode == 0, demo.stderr
        assert "already running" in demo.stderr
        summary = json.loads(demo.stdout.strip().splitlines()[-1])
        assert summary["statuses"]["closed"] >= 1
        assert all(
            Path(path).read_text().startswith("<!doctype html>") for path in summary["celebration_reports"]
        )
        runs = _post(f"http://127.0.0.1:{port}/api/flow_runs/filter", {"limit": 200})
        flows = {f["id"]: f["name"] for f in _post(f"http://127.0.0.1:{port}/api/flows/filter", {})}
        assert {"intake", "review-round", "panel", "award", "milestone-check-ins", "close-out"} <= {
            flows[run["flow_id"]] for run in runs if run["state_type"] == "COMPLETED"
        }
    finally:
        up.send_signal(signal.SIGINT)
        output, _ = up.communicate(timeout=60)
    assert up.returncode == 0, output
    assert "Stopped." in output
    assert not (data_dir / "stack.json").exists()


def test_an_unusable_setting_stops_start_up_naming_it(data_dir: Path) -> None:
    environment = _environment(data_dir, free_port()) | {"COGRANT_DATABASE_URL": "mysql://db/cogrant"}
    result = subprocess.run([COGRANT, "demo"], env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "COGRANT_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_without_a_stack_refuses_default_secrets_for_an_external_s3(data_dir: Path) -> None:
    environment = _environment(data_dir, free_port()) | {"COGRANT_S3_ENDPOINT_URL": "https://s3.example.org"}
    result = subprocess.run([COGRANT, "demo"], env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "COGRANT_S3_SECRET_KEY" in result.stderr
