"""Start a baked service as a real process on a free loopback port, and talk to it as Totem does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cookiecutter.main import cookiecutter
from template_paths import ROOT, free_port


def bake(output_dir: Path, **answers: str) -> Path:
    return Path(cookiecutter(str(ROOT), no_input=True, extra_context=answers, output_dir=str(output_dir)))


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body)


class RunningService:
    """``python service.py`` of a bake, bound to 127.0.0.1; stopped with SIGTERM on exit."""

    def __init__(self, project: Path, sample_dir: Path, *, port: int | None = None, **settings: Any) -> None:
        self.project = project
        self.sample_dir = sample_dir
        self.port = port or free_port()
        self.env = {
            **os.environ,
            "PYTHONDONTWRITEBYTECODE": "1",
            "HOLMES_ADDRESS": "127.0.0.1",
            "HOLMES_HTTPBINDING": str(self.port),
            "HOLMES_SAMPLE_DIR": str(sample_dir),
            **{f"HOLMES_{key.upper()}": str(value) for key, value in settings.items()},
        }
        self.process: subprocess.Popen[str] | None = None
        self.log_path = sample_dir.parent / f"service-{self.port}.log"

    def __enter__(self) -> RunningService:
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "service.py"], cwd=self.project, env=self.env, stderr=self.log_file, text=True
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"service exited with {self.process.returncode}: {self.log()}")
            try:
                if self.get("/health", timeout=1).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"service did not answer /health within 30 s: {self.log()}")

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self, timeout: float = 20) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()
        return self.process.returncode

    def log(self) -> str:
        if not self.log_file.closed:
            self.log_file.flush()
        return self.log_path.read_text()

    def log_entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log().splitlines() if line.startswith("{")]

    def get(self, path: str, timeout: float = 30, **kwargs: Any) -> Response:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", **kwargs)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                body, status, headers = reply.read(), reply.status, dict(reply.headers)
        except urllib.error.HTTPError as error:
            body, status, headers = error.read(), error.code, dict(error.headers)
        return Response(status, headers, body, time.monotonic() - started)

    def worker_pids(self) -> set[int]:
        assert self.process is not None
        pids: set[int] = set()
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            pids.update(int(pid) for pid in (task / "children").read_text().split())
        return pids
