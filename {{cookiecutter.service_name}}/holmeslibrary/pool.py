"""A bounded pool of worker processes that run analyses outside the IOLoop.

Every analysis runs in a separate process, so a slow one never blocks the server, and a worker
that passes its deadline or dies (exception, os._exit, segfault, out of memory) is killed if
needed, reaped and replaced while its request gets 504 or 500. When every worker is busy and
``max_pending`` requests already wait, the next one is refused with 503 at once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import protocol
from .errors import AnalysisFailed, AnalysisTimeout, ServiceBusy, ServiceRequestError, error_from_dict

log = logging.getLogger("holmeslibrary.pool")

LIBRARY_PARENT = str(Path(__file__).resolve().parent.parent)
READ_SIZE = 256 * 1024
START_TIMEOUT = 30.0  # seconds for a new worker to import the analysis and say it is ready
REAP_INTERVAL = 0.005


class WorkerStartError(Exception):
    """A worker could not load the analysis; the service cannot serve."""


@dataclass
class Job:
    obj: str
    future: asyncio.Future[dict[str, Any]]
    id: int = 0


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    buffer: bytearray = field(default_factory=bytearray)
    ready: bool = False
    job: Job | None = None
    deadline: asyncio.TimerHandle | None = None

    @property
    def pid(self) -> int:
        return self.process.pid


class WorkerPool:
    """``size`` worker processes; ``await pool.submit(obj)`` returns the analysis result."""

    def __init__(self, setup: dict[str, Any], *, size: int, timeout: float, max_pending: int) -> None:
        self.setup = setup
        self.size = size
        self.timeout = timeout
        self.max_pending = max_pending
        self.workers: list[Worker] = []
        self.waiting: collections.deque[Job] = collections.deque()
        self.restarts = 0
        self.completed = 0
        self.closing = False
        self.fatal: str | None = None
        self._next_id = 0
        self._exiting: list[Worker] = []
        self._reap_scheduled = False
        self._ready = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every worker and wait until each has loaded the analysis."""
        self._loop = asyncio.get_running_loop()
        for _ in range(self.size):
            self._spawn()
        try:
            await asyncio.wait_for(self._ready.wait(), START_TIMEOUT)
        except TimeoutError:
            self.fatal = f"workers did not load the analysis within {START_TIMEOUT:g} s"
        if self.fatal:
            await self.close(grace=0)
            raise WorkerStartError(self.fatal)

    async def close(self, grace: float = 0.0) -> None:
        """Refuse new work, let running analyses finish for up to ``grace`` s, stop every worker."""
        self.closing = True
        if grace > 0 and not self._idle.is_set():
            try:
                await asyncio.wait_for(self._idle.wait(), grace)
            except TimeoutError:
                log.warning("grace period over; stopping busy workers")
        for job in self.waiting:
            self._settle(job, error=ServiceBusy("the service is shutting down"))
        self.waiting.clear()
        for worker in list(self.workers):
            self._retire(worker, ServiceBusy("the service is shutting down"), kill=worker.job is not None)
        # Idle workers exit when their stdin closes; give them a moment, then make sure.
        deadline = time.monotonic() + 1.0
        while any(w.process.poll() is None for w in self._exiting) and time.monotonic() < deadline:
            await asyncio.sleep(REAP_INTERVAL)
        for worker in self._exiting:
            if worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait()
        self._exiting.clear()

    # -- work ---------------------------------------------------------------------------------

    def submit(self, obj: str) -> asyncio.Future[dict[str, Any]]:
        """Queue obj for analysis; the future gives the result or raises a ServiceRequestError."""
        loop = asyncio.get_running_loop()
        if self.closing:
            raise ServiceBusy("the service is shutting down")
        if self.fatal:
            raise AnalysisFailed("the analysis cannot be loaded; see the service log")
        if self.idle_workers() == 0 and len(self.waiting) >= self.max_pending:
            raise ServiceBusy(f"all {self.size} workers are busy and {len(self.waiting)} requests wait")
        self._next_id += 1
        job = Job(obj=obj, future=loop.create_future(), id=self._next_id)
        self.waiting.append(job)
        self._idle.clear()
        self._dispatch()
        return job.future

    def idle_workers(self) -> int:
        return sum(1 for w in self.workers if w.ready and w.job is None)

    def stats(self) -> dict[str, Any]:
        busy = sum(1 for w in self.workers if w.job is not None)
        ready = sum(1 for w in self.workers if w.ready)
        return {
            "size": self.size,
            "ready": ready,
            "busy": busy,
            "idle": ready - busy,
            "starting": len(self.workers) - ready,
            "waiting": len(self.waiting),
            "max_pending": self.max_pending,
            "restarts": self.restarts,
            "completed": self.completed,
        }

    def can_serve(self) -> bool:
        # A worker still starting (a replacement after a crash) will serve within moments.
        return not self.closing and self.fatal is None and bool(self.workers)

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self.workers]

    # -- internals ----------------------------------------------------------------------------

    def _spawn(self) -> None:
        env = dict(os.environ)
        env[protocol.SETUP_VARIABLE] = json.dumps(self.setup)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [LIBRARY_PARENT, env.get("PYTHONPATH")]))
        # Numeric libraries start a thread per core in every worker; one is enough in a pool.
        for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(variable, "1")
        process = subprocess.Popen(
            [sys.executable, "-m", "holmeslibrary.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=self.setup.get("module_dir") or None,
            start_new_session=False,
        )
        worker = Worker(process=process)
        assert process.stdout is not None
        os.set_blocking(process.stdout.fileno(), False)
        self.workers.append(worker)
        assert self._loop is not None
        self._loop.add_reader(process.stdout.fileno(), self._on_readable, worker)
        log.debug("worker started", extra={"pid": process.pid})

    def _on_readable(self, worker: Worker) -> None:
        assert worker.process.stdout is not None
        try:
            data = os.read(worker.process.stdout.fileno(), READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            assert self._loop is not None
            self._loop.remove_reader(worker.process.stdout.fileno())
            self._on_worker_exit(worker, give_up_at=time.monotonic() + 1.0)
            return
        worker.buffer += data
        while (end := worker.buffer.find(b"\n")) >= 0:
            line = bytes(worker.buffer[:end])
            del worker.buffer[: end + 1]
            try:
                message = protocol.decode(line)
            except ValueError:
                log.error("worker sent a malformed message; replacing it", extra={"pid": worker.pid})
                self._retire(worker, AnalysisFailed("the analysis worker misbehaved"), kill=True, replace=True)
                return
            self._on_message(worker, message)

    def _on_message(self, worker: Worker, message: dict[str, Any]) -> None:
        if "ready" in message:
            worker.ready = True
            if all(w.ready for w in self.workers):
                self._ready.set()
            self._dispatch()
        elif "fatal" in message:
            self.fatal = str(message["fatal"])
            log.error("worker cannot start: %s", self.fatal, extra={"pid": worker.pid})
            self._ready.set()
            # No replacement will load either: nobody waiting may be left hanging.
            for job in self.waiting:
                self._settle(job, error=AnalysisFailed("the analysis cannot be loaded; see the service log"))
            self.waiting.clear()
        elif worker.job is not None and message.get("id") == worker.job.id:
            job = self._release(worker)
            self.completed += 1
            if "error" in message:
                self._settle(job, error=error_from_dict(message["error"]))
            else:
                self._settle(job, result=message.get("result"))
            self._dispatch()

    def _dispatch(self) -> None:
        for worker in self.workers:
            if not self.waiting:
                break
            if not worker.ready or worker.job is not None:
                continue
            job = self.waiting.popleft()
            if job.future.done():
                continue
            assert worker.process.stdin is not None
            try:
                worker.process.stdin.write(protocol.encode({"id": job.id, "obj": job.obj}))
                worker.process.stdin.flush()
            except OSError:
                self.waiting.appendleft(job)
                self._retire(worker, None, kill=True, replace=True)
                continue
            worker.job = job
            assert self._loop is not None
            worker.deadline = self._loop.call_later(self.timeout, self._on_deadline, worker)
        self._update_idle()

    def _on_deadline(self, worker: Worker) -> None:
        log.warning("analysis passed its deadline; killing worker", extra={"pid": worker.pid, "timeout": self.timeout})
        error = AnalysisTimeout(f"the analysis did not finish within {self.timeout:g} s")
        self._retire(worker, error, kill=True, replace=True)

    def _on_worker_exit(self, worker: Worker, give_up_at: float) -> None:
        if worker not in self.workers:
            return
        code = worker.process.poll()
        if code is None and time.monotonic() < give_up_at:
            # The pipe closes a moment before the process is gone: wait for the exit code
            # without blocking the loop.
            assert self._loop is not None
            self._loop.call_later(REAP_INTERVAL, self._on_worker_exit, worker, give_up_at)
            return
        how = _describe_exit(code)
        if worker.job is not None:
            log.error("worker died during an analysis (%s)", how, extra={"pid": worker.pid, "obj": worker.job.obj})
        elif not worker.ready and not self.fatal:
            self.fatal = f"a worker exited while loading the analysis ({how})"
            self._ready.set()
        else:
            log.warning("idle worker exited (%s)", how, extra={"pid": worker.pid})
        error = AnalysisFailed(f"the analysis worker died ({how})")
        self._retire(worker, error, kill=code is None, replace=not self.closing and self.fatal is None)

    def _release(self, worker: Worker) -> Job:
        job = worker.job
        assert job is not None
        worker.job = None
        if worker.deadline is not None:
            worker.deadline.cancel()
            worker.deadline = None
        return job

    def _retire(self, worker: Worker, error: ServiceRequestError | None, *, kill: bool, replace: bool = False) -> None:
        """Take worker out of the pool, fail its job with error, and start a replacement."""
        if worker not in self.workers:
            return
        self.workers.remove(worker)
        if worker.job is not None:
            job = self._release(worker)
            self._settle(job, error=error or AnalysisFailed())
        assert self._loop is not None and worker.process.stdout is not None
        self._loop.remove_reader(worker.process.stdout.fileno())
        if kill and worker.process.poll() is None:
            worker.process.send_signal(signal.SIGKILL)
        for stream in (worker.process.stdin, worker.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]
        self._exiting.append(worker)
        if not self._reap_scheduled:
            self._reap_scheduled = True
            self._loop.call_soon(self._reap)
        if replace:
            self.restarts += 1
            self._spawn()
        self._update_idle()

    def _reap(self) -> None:
        """Collect exited workers without blocking; retry shortly for those still exiting."""
        self._exiting = [w for w in self._exiting if w.process.poll() is None]
        self._reap_scheduled = bool(self._exiting)
        if self._exiting and self._loop is not None:
            self._loop.call_later(REAP_INTERVAL, self._reap)

    def _settle(self, job: Job, *, result: dict[str, Any] | None = None, error: Exception | None = None) -> None:
        if job.future.done():
            return
        if error is not None:
            job.future.set_exception(error)
        else:
            job.future.set_result(result or {})

    def _update_idle(self) -> None:
        if not self.waiting and all(w.job is None for w in self.workers):
            self._idle.set()
        else:
            self._idle.clear()


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "still exiting"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
