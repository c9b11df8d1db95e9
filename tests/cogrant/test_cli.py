"""`cogrant up` and `cogrant demo` as a user runs them: real processes, the real embedded stack."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cogrant.stack.ports import free_port
from cogrant.stack.postgres import enterable_temp_dir

COGRANT = str(Path(sys.executable).with_name("cogrant"))
DEPLOYMENTS = {
    "intake",
    "review-round",
    "panel",
    "award",
    "award-decision",
    "milestone-check-ins",
    "close-out",
    "round-reports",
    "send-notifications",
    "daily-digest",
    "review-reminders",
}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
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
    with enterable_temp_dir("cogrant-cli-") as path:
        yield path


def _environment(data_dir: Path, prefect_port: int) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("PREFECT_", "COGRANT_"))
    }
    return environment | {
        "COGRANT_DATA_DIR": str(data_dir),
        "COGRANT_PREFECT_PORT": str(prefect_port),
        "COGRANT_PORTAL_PORT": str(free_port()),
    }


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
        portal_url = f"http://127.0.0.1:{environment['COGRANT_PORTAL_PORT']}"
        assert f"Apply (portal)  {portal_url}" in banner
        assert f"Admin mailbox   {portal_url}/admin/mail" in banner
        with urllib.request.urlopen(f"{portal_url}/rounds", timeout=10) as rounds_page:
            assert "Funding you can apply for" in rounds_page.read().decode()
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
        assert "Every e-mail is in the administrators' mailbox: http://" in demo.stderr
        summary = json.loads(demo.stdout.strip().splitlines()[-1])
        assert summary["statuses"]["closed"] >= 1
        pages = [Path(path) for path in summary["celebration_reports"] if path.endswith(".html")]
        pdfs = [Path(path) for path in summary["celebration_reports"] if path.endswith(".pdf")]
        assert len(pages) == len(pdfs) == summary["statuses"]["closed"]
        assert all(page.read_text().startswith("<!doctype html>") for page in pages)
        assert all(pdf.read_bytes().startswith(b"%PDF") for pdf in pdfs)
        _approve_a_slate_in_the_prefect_ui(data_dir, port)
        _administrator_reads_the_mailbox(data_dir, environment, portal_url)
        runs = _post(f"http://127.0.0.1:{port}/api/flow_runs/filter", {"limit": 200})
        flows = {f["id"]: f["name"] for f in _post(f"http://127.0.0.1:{port}/api/flows/filter", {})}
        assert {"intake", "review-round", "panel", "award", "milestone-check-ins", "close-out"} <= {
            flows[run["flow_id"]] for run in runs if run["state_type"] == "COMPLETED"
        }
    finally:
        up.send_signal(signal.SIGTERM)  # as a service manager stops it; Ctrl-C takes the same path
        output, _ = up.communicate(timeout=60)
    assert up.returncode == 0, output
    assert "Stopped." in output and "never awaited" not in output
    assert not (data_dir / "stack.json").exists()


def _administrator_reads_the_mailbox(data_dir: Path, environment: dict[str, str], portal_url: str) -> None:
    """`cogrant admin`, then signing in with the e-mailed link (caught, sent by the every-minute
    deployment) and reading the demo's e-mails in the administrators' mailbox."""
    from playwright.sync_api import sync_playwright

    from notifications.mailbox import caught_messages, read_caught

    made = subprocess.run(
        [COGRANT, "admin", "boss@example.org"], env=environment, capture_output=True, text=True, timeout=60
    )
    assert made.returncode == 0, made.stderr
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{portal_url}/sign-in")
        page.locator("#email").fill("boss@example.org")
        page.get_by_role("button", name="Send me a link").click()
        deadline, found = time.monotonic() + 150, []
        while not found and time.monotonic() < deadline:
            found = caught_messages(data_dir / "mail", to_address="boss@example.org")
            time.sleep(1)
        assert found, "the sign-in e-mail was not sent within 150 s"
        link = re.search(r"/sign-in/\S+", read_caught(data_dir / "mail", found[0].id).text)
        assert link is not None
        page.goto(portal_url + link.group(0))
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Administrators' mailbox").click()
        assert page.get_by_role("heading", name="E-mails the SMTP catcher caught").is_visible()
        assert page.locator("table a").count() == 50  # the newest page of the demo's e-mails
        page.locator("table a").first.click()  # the newest: the sign-in e-mail just sent
        assert "boss@example.org" in page.content()
        assert page.get_by_role("heading", name="Headers").is_visible()
        browser.close()


def _round_at_panel(data_dir: Path, api_url: str) -> int:
    """A fresh round taken to panel in a separate process, as the earlier stages' flows would."""
    script = f"""
import asyncio, sys
from pathlib import Path
from cogrant import synthetic
from cogrant.composition import build_app
from cogrant.config import load_settings
from cogrant.stack.embedded import StackEndpoints
from flows.intake import intake
from flows.review import panel, review_round
from flows.runtime import install_app
from models.schemas import PanelInput

app = build_app(load_settings(), endpoints=StackEndpoints.read(Path({str(data_dir)!r})))
install_app(app)

async def main():
    with app.unit_of_work() as uow:
        seeded = synthetic.seed_round(uow.session, applications=8, reviewers=8, seed=5, label="ui-approval")
        uow.commit()
    await intake(round_id=seeded.round_id)
    await review_round(round_id=seeded.round_id)
    with app.unit_of_work() as uow:
        synthetic.submit_reviews(uow.session, round_id=seeded.round_id)
        uow.commit()
    await review_round(round_id=seeded.round_id)
    chairs = PanelInput(lived_experience_chair_id=seeded.lived_experience_chair_id,
                        scientist_chair_id=seeded.scientist_chair_id)
    await panel(round_id=seeded.round_id, decision=chairs)
    print(seeded.round_id)

asyncio.run(main())
"""
    environment = _environment(data_dir, 0) | {"PREFECT_API_URL": api_url}
    result = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return int(result.stdout.strip().splitlines()[-1])


def _flow_run_state(port: int, flow_run_id: str) -> str:
    [run] = _post(
        f"http://127.0.0.1:{port}/api/flow_runs/filter", {"flow_runs": {"id": {"any_": [flow_run_id]}}}
    )
    return str(run["state_type"])


def _wait_for_state(port: int, flow_run_id: str, wanted: str, timeout: float) -> None:
    deadline, state = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        state = _flow_run_state(port, flow_run_id)
        if state == wanted:
            return
        time.sleep(0.5)
    raise AssertionError(f"flow run {flow_run_id} is {state}, not {wanted}, after {timeout}s")


def _approve_a_slate_in_the_prefect_ui(data_dir: Path, port: int) -> None:
    """An administrator starts the `award` deployment and approves its paused slate in the real UI."""
    from playwright.sync_api import sync_playwright

    round_id = _round_at_panel(data_dir, f"http://127.0.0.1:{port}/api")
    deployment = _post(
        f"http://127.0.0.1:{port}/api/deployments/filter", {"deployments": {"name": {"any_": ["award"]}}}
    )[0]
    run = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(
                f"http://127.0.0.1:{port}/api/deployments/{deployment['id']}/create_flow_run",
                data=json.dumps({"parameters": {"round_id": round_id}}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            ),
            timeout=10,
        ).read()
    )
    _wait_for_state(port, run["id"], "PAUSED", timeout=120)
    note = "Approved at the panel meeting"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/runs/flow-run/{run['id']}")
        page.get_by_role("button", name="Resume").first.click()
        dialog = page.get_by_role("dialog")
        # The form arrives after the dialog opens; wait for it rather than reading the dialog at once.
        dialog.get_by_text("awards proposed by the panel").first.wait_for(timeout=30000)
        dialog.get_by_role("textbox").last.fill(note)
        dialog.get_by_role("button", name="Submit").click()
        _wait_for_state(port, run["id"], "COMPLETED", timeout=120)
        browser.close()
    _assert_awards_set_up(data_dir, round_id, note)


def _assert_awards_set_up(data_dir: Path, round_id: int, note: str) -> None:
    from sqlalchemy import select

    from cogrant.composition import build_app
    from cogrant.config import Settings
    from cogrant.stack.embedded import StackEndpoints
    from models import Application, Award
    from models.lifecycle import ApplicationStatus

    app = build_app(Settings(data_dir=data_dir), endpoints=StackEndpoints.read(data_dir))
    try:
        with app.unit_of_work() as uow:
            awards = uow.session.scalars(
                select(Award).join(Application).where(Application.round_id == round_id)
            ).all()
            assert awards
            for award in awards:
                assert award.decision_note == note and "Prefect UI" in (award.decided_by or "")
                assert award.application.status == ApplicationStatus.IN_DELIVERY
                assert award.letter_document_id is not None and len(award.payments) == len(award.milestones)
    finally:
        app.close()


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
