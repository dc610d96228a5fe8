"""Running baked services for the hostile-input suite: start, call over loopback, watch in /proc, stop.

A service runs exactly as an operator runs it (``python service.py`` in its directory, settings
from HOLMES_* variables); its log goes to a file so that a busy service never blocks on a pipe.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 30.0


def free_port() -> int:
    """A port nobody listens on right now (the service binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def clean_environment(**holmes: Any) -> dict[str, str]:
    """os.environ without an operator's HOLMES_* variables, plus the given HOLMES_<KEY> settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOLMES_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update({f"HOLMES_{key.upper()}": str(value) for key, value in holmes.items()})
    return env


@dataclass(frozen=True)
class ProcessState:
    pid: int
    state: str  # the one-letter state of /proc/<pid>/stat: R, S, D, Z ...
    command: str


def children_of(parent: int) -> list[ProcessState]:
    """Every process whose parent is ``parent``, zombies included, read from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process exited while we looked
            continue
        # The command name in parentheses may hold spaces and parentheses; the fields follow the last ")".
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == parent:
            found.append(ProcessState(pid=int(entry), state=fields[0], command=command.strip()))
    return found


def rss_kib(pid: int) -> int:
    """Resident memory of one process in KiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass(frozen=True)
class SampleArea:
    """A sample directory with valid samples and traps, and a secret file outside it."""

    sample_dir: Path
    valid: dict[str, bytes]  # name -> content
    secret_path: Path
    secret: bytes
    traps: tuple[str, ...]  # names inside sample_dir that must never be analysed

    @property
    def secret_fingerprints(self) -> list[str]:
        """What would show in a response if the secret had been read: itself and its hashes."""
        marker = self.secret.decode()
        return [marker, *(hashlib.new(name, self.secret).hexdigest() for name in ("md5", "sha1", "sha256"))]

    @property
    def valid_sha256(self) -> set[str]:
        return {hashlib.sha256(content).hexdigest() for content in self.valid.values()}


class RunningService:
    """One baked service started with ``python service.py`` on a free loopback port."""

    def __init__(self, directory: Path, log_path: Path, **settings: Any) -> None:
        self.directory = directory
        self.log_path = log_path
        self.settings = settings
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> RunningService:
        for _attempt in range(3):  # another test may take the free port first
            self.port = free_port()
            env = clean_environment(address=LOOPBACK, httpbinding=self.port, **self.settings)
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "service.py"], cwd=self.directory, stdout=log, stderr=log, env=env
                )
            if self._wait_until_healthy():
                return self
            if "cannot listen" not in self.log_tail():
                break
        raise RuntimeError(f"the service in {self.directory} did not start:\n{self.log_tail()}")

    def _wait_until_healthy(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            try:
                status, _ = self.request("GET", "/health", timeout=2)
                if status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(LOOPBACK, self.port, timeout=timeout)

    def request(
        self, method: str, path: str, body: str | None = None, timeout: float = 30
    ) -> tuple[int, dict[str, Any]]:
        """One request on a fresh connection; the status and the JSON body."""
        connection = self.connection(timeout)
        try:
            return send(connection, method, path, body)[:2]
        finally:
            connection.close()

    def health(self) -> dict[str, Any]:
        status, body = self.request("GET", "/health", timeout=10)
        assert status == 200, body
        return body["workers"]

    def workers(self) -> list[ProcessState]:
        return children_of(self.pid)

    def wait_for_workers(self, count: int, timeout: float = 10.0) -> list[ProcessState]:
        """Wait until exactly ``count`` live workers and no zombie are children of the service."""
        deadline = time.monotonic() + timeout
        while True:
            children = self.workers()
            live = [child for child in children if child.state != "Z"]
            settled = len(children) == count and len(live) == count
            if settled or time.monotonic() > deadline:
                return children
            time.sleep(0.02)

    def total_rss_kib(self) -> int:
        """The service process and all its workers."""
        return rss_kib(self.pid) + sum(rss_kib(child.pid) for child in self.workers())

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, as Docker stops a container; the exit code (killed if it does not stop)."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def send(
    connection: http.client.HTTPConnection, method: str, path: str, body: str | None = None
) -> tuple[int, dict[str, Any], http.client.HTTPResponse]:
    """One request on a kept-alive connection; a JSON body is required of every answer."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    raw = response.read()
    content_type = response.getheader("Content-Type", "")
    if not content_type.startswith("application/json"):
        raise AssertionError(
            f"{method} {path[:200]}: {response.status} with Content-Type {content_type!r}: {raw[:200]!r}"
        )
    return response.status, json.loads(raw), response
