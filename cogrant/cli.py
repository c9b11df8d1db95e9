"""Responsible for the `cogrant` command line: `up`, `demo`, `migrate`, `assign`, `admin` and
`invite-reviewer` (cogrant.reviewer_commands)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from cogrant import relay_command, reviewer_commands
from cogrant.composition import App, build_app
from cogrant.config import Settings, load_settings
from cogrant.stack.embedded import EmbeddedStack, StackEndpoints
from models.errors import CograntError, ConfigurationError

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


def _say(message: str, *, quiet: bool = False) -> None:
    print(message, file=sys.stderr if quiet else sys.stdout, flush=True)


@contextmanager
def _prefect_pointed_at(api_url: str | None) -> Iterator[None]:
    """Point this process, and flow runs it starts, at the given Prefect API."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if api_url is None:
        yield
        return
    os.environ["PREFECT_API_URL"] = api_url
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        try:
            yield
        finally:
            _flush_prefect_clients()


def _flush_prefect_clients() -> None:
    """Send queued run logs and events while the server is still up, so stopping is quick and quiet."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10, at_exit=False)
    EventsWorker.drain_all(timeout=10, at_exit=False)


def _quiet_prefect_console() -> None:
    """Progress lines instead of Prefect's per-run console chatter; run logs still reach the Prefect UI.

    Read by Prefect when it sets up logging, so it must be set before the first flow import."""
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL", "WARNING")


def _check_services(app: App) -> None:
    """Fail early, naming the setting, when a configured service cannot be used."""
    from services.database import migrate
    from storage.errors import StorageError

    if app.settings.database_url:
        try:
            migrate(app.settings.database_url)
        except Exception as error:
            raise ConfigurationError(f"COGRANT_DATABASE_URL: cannot use the database: {error}") from None
    try:
        app.store.ensure_bucket()
    except StorageError as error:
        raise ConfigurationError(f"COGRANT_S3_ENDPOINT_URL / COGRANT_S3_BUCKET: {error}") from None


@contextmanager
def _running_stack(settings: Settings, *, quiet: bool) -> Iterator[StackEndpoints]:
    """The stack `cogrant up` is running, or one started now for as long as the block lasts."""
    data_dir = settings.data_dir.expanduser().resolve()
    running = StackEndpoints.read(data_dir)
    if running is not None:
        _say(f"Using the cogrant stack already running (process {running.owner_pid}).", quiet=quiet)
        yield running
        return
    _say(
        "Starting the embedded stack (PostgreSQL, SeaweedFS, SMTP catcher, Prefect server, e-mail relay)...",
        quiet=quiet,
    )
    with EmbeddedStack(settings) as stack:
        assert stack.endpoints is not None
        yield stack.endpoints


def _banner(endpoints: StackEndpoints, app: App, deployment_names: list[str], portal_url: str) -> str:
    settings = app.settings
    rows = [
        ("Apply (portal)", portal_url),
        ("Prefect UI", endpoints.prefect_ui_url or settings.prefect_api_url or "-"),
        ("Database", settings.database_url or endpoints.database_url),
        (
            "Documents (S3)",
            f"{settings.s3_endpoint_url or endpoints.s3_endpoint_url}  bucket {settings.s3_bucket}",
        ),
        (
            "E-mail (SMTP)",
            f"{app.smtp.host}:{app.smtp.port}"
            + ("" if settings.smtp_host else f"  (caught, saved in {endpoints.mail_dir})"),
        ),
        ("E-mail relay", f"process {endpoints.relay_pid}" if endpoints.relay_pid else "-"),
        ("Data directory", str(settings.data_dir.expanduser().resolve())),
        ("Deployments", ", ".join(deployment_names)),
    ]
    if app.mail_dir is not None:
        rows.insert(5, ("Admin mailbox", f"{portal_url}/admin/mail"))
    width = max(len(name) for name, _ in rows)
    return (
        "cogrant is up.\n"
        + "\n".join(f"  {name:<{width}}  {value}" for name, value in rows)
        + "\nPress Ctrl-C to stop everything."
    )


def _stop_on_sigterm() -> None:
    """A service manager's SIGTERM stops everything as cleanly as Ctrl-C does."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def _serve_until_interrupted(runner_deployments: list[RunnerDeployment]) -> None:
    """Serve every deployment until Ctrl-C or SIGTERM. Prefect's own SIGTERM handler calls the runner's
    async stop without awaiting it and then hangs, so SIGTERM is turned into the same interrupt as Ctrl-C."""
    from prefect.runner import Runner

    class _InterruptibleRunner(Runner):
        def handle_sigterm(self, *args: object, **kwargs: object) -> None:
            raise KeyboardInterrupt

    with suppress(KeyboardInterrupt):
        runner = _InterruptibleRunner(pause_on_shutdown=True)
        for deployment in runner_deployments:
            runner.add_deployment(deployment)
        asyncio.run(runner.start())


def command_up(args: argparse.Namespace) -> int:
    from flows.deployments import deployments
    from web.app import create_app
    from web.server import PortalServer

    _stop_on_sigterm()
    settings = load_settings()
    os.environ["COGRANT_DATA_DIR"] = str(settings.data_dir.expanduser().resolve())
    with EmbeddedStack(settings) as stack:
        assert stack.endpoints is not None
        app = build_app(settings, endpoints=stack.endpoints)
        _check_services(app)
        with (
            _prefect_pointed_at(settings.prefect_api_url or stack.endpoints.prefect_api_url),
            PortalServer(create_app(app), host=settings.portal_host, port=settings.portal_port) as portal,
        ):
            runner_deployments = deployments()
            _say(_banner(stack.endpoints, app, [d.name for d in runner_deployments], portal.url))
            _serve_until_interrupted(runner_deployments)
        _say("Stopping cogrant...")
        app.close()
    _say("Stopped.")
    return 0


def command_demo(args: argparse.Namespace) -> int:
    _quiet_prefect_console()
    from cogrant.driver import drive_round

    settings = load_settings()
    quiet = args.json
    with _running_stack(settings, quiet=quiet) as endpoints:
        app = build_app(settings, endpoints=endpoints)
        _check_services(app)
        with _prefect_pointed_at(settings.prefect_api_url or endpoints.prefect_api_url):
            summary = asyncio.run(
                drive_round(
                    app,
                    applications=args.applications,
                    reviewers=args.reviewers,
                    seed=args.seed,
                    progress=lambda message: _say(f"  {message}", quiet=quiet),
                )
            )
        reports = _save_reports(app, summary.celebration_keys, settings.data_dir.expanduser().resolve())
        app.close()
    result = asdict(summary) | {
        "celebration_reports": [str(path) for path in reports],
        "prefect_ui": endpoints.prefect_ui_url,
    }
    if args.json:
        print(json.dumps(result, default=str))
    else:
        _say(
            f"Done: round {summary.round_id}, statuses {summary.statuses}, "
            f"{summary.emails_sent} e-mails sent."
        )
        _say(f"Celebration reports ({len(reports)}) are in {reports[0].parent if reports else '-'}")
    if endpoints.owner_pid != os.getpid() and app.mail_dir is not None:  # `cogrant up` serves the portal
        _say(
            f"Every e-mail is in the administrators' mailbox: {settings.public_url.rstrip('/')}/admin/mail",
            quiet=quiet,
        )
    return 0


def _save_reports(app: App, keys: list[str], data_dir: Path) -> list[Path]:
    """Copy each celebration report (its page and its PDF) from the document store to files people can
    open, named by project reference."""
    folder = data_dir / "celebrations"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for key in keys:
        path = folder / f"{key.split('/')[-2]}{Path(key).suffix}"
        path.write_bytes(app.store.get(key))
        paths.append(path)
    return paths


def command_migrate(args: argparse.Namespace) -> int:
    from services.database import migrate

    settings = load_settings()
    if settings.database_url is None:
        raise ConfigurationError(
            "COGRANT_DATABASE_URL is not set; `cogrant up` migrates the embedded database"
        )
    migrate(settings.database_url)
    _say("The database is up to date.")
    return 0


def command_assign(args: argparse.Namespace) -> int:
    """Solve an assignment instance file outside any round, for audit or replay."""
    from reviewers.instance import InstanceError, read_instance, replay

    try:
        text = Path(args.instance).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"cogrant assign: cannot read {args.instance}: {error}", file=sys.stderr)
        return 2
    try:
        instance = read_instance(text)
    except InstanceError as error:
        print(f"cogrant assign: {args.instance} is not a valid instance:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    try:
        result = replay(instance)
    except ValueError as error:  # e.g. affinities too large to scale exactly for an instance this size
        print(f"cogrant assign: {args.instance} cannot be solved exactly: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        partial.replace(out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        print(f"cogrant assign: cannot write {args.out}: {error}", file=sys.stderr)
        return 2
    short = len(result["shortfalls"])
    _say(
        f"{len(result['assignments'])} assignments, total affinity {result['total_affinity']}, "
        f"{short} shortfall{'s' if short != 1 else ''}; written to {out}"
    )


def command_admin(args: argparse.Namespace) -> int:
    """Make someone an administrator (idempotent); they sign in with the e-mailed link like anyone."""
    from models.enums import Role
    from notifications.outbox import check_address
    from services.people import get_or_create_person, grant_role

    check_address(args.email)
    app = build_app(load_settings())
    try:
        with app.unit_of_work() as uow:
            name = args.name or args.email.split("@")[0]
            person = get_or_create_person(uow.session, name=name, email=args.email)
            grant_role(uow.session, person, Role.ADMINISTRATOR)
            uow.commit()
    finally:
        app.close()
    _say(f"{args.email} is an administrator. Sign in at {app.settings.public_url.rstrip('/')}/sign-in")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="cogrant", description="Grant workflow engine for co-production pilots"
    )
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="run the whole embedded stack and serve every flow").set_defaults(
        run=command_up
    )
    demo = commands.add_parser("demo", help="drive a synthetic round through every stage")
    demo.add_argument("--applications", type=int, default=24)
    demo.add_argument("--reviewers", type=int, default=16)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--json", action="store_true", help="end with a one-line JSON summary")
    demo.set_defaults(run=command_demo)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=command_migrate)
    assign = commands.add_parser("assign", help="solve an assignment instance file (audit or replay)")
    assign.add_argument("instance", help="instance JSON (see README, 'Auditing or replaying an assignment')")
    assign.add_argument("--out", required=True, help="where to write the result JSON")
    assign.set_defaults(run=command_assign)
    admin = commands.add_parser("admin", help="make a person (by e-mail address) an administrator")
    admin.add_argument("email")
    admin.add_argument("--name", help="their name, if they are new to cogrant")
    admin.set_defaults(run=command_admin)
    reviewer_commands.add_parser(commands)
    relay_command.add_parser(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except CograntError as error:
        print(f"cogrant: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
