"""Part 3: analyses that raise, exit, segfault, loop forever or allocate without bound.

The service runs a real analysis.py that misbehaves as its sample says (conftest.FAULTY_ANALYSIS),
with 2 workers, a 2 s timeout and a 256 MB memory limit. Each fault must get its documented
status, the next normal request must succeed, and the service's children must come back to
exactly its 2 workers: no leaked process, no zombie, no leaked file descriptor.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from hostile_service import RunningService, send

WORKERS = 2
TIMEOUT = 2.0


@dataclass(frozen=True)
class Fault:
    sample: str
    status: int
    error_type: str
    replaces_worker: bool | None  # None: either is documented (MemoryError caught, or the worker dies)


FAULTS = [
    Fault("raise", 500, "AnalysisFailed", False),
    Fault("exit", 500, "AnalysisFailed", True),
    Fault("segfault", 500, "AnalysisFailed", True),
    Fault("loop", 504, "AnalysisTimeout", True),
    Fault("allocate", 500, "AnalysisFailed", None),
]


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def check_recovered(service: RunningService) -> list[str]:
    """Problems with the service after a fault (empty when it is back to normal)."""
    problems = []
    status, answer = service.request("GET", "/analyze/?obj=normal")
    if status != 200 or answer.get("command") != "normal":
        problems.append(f"the next normal request got {status} {answer}")
    children = service.wait_for_workers(WORKERS)
    zombies = [child.pid for child in children if child.state == "Z"]
    if len(children) != WORKERS or zombies:
        problems.append(f"children of the service: {children} (zombies: {zombies})")
    if not all("holmeslibrary.worker" in child.command for child in children):
        problems.append(f"a child is not a worker: {children}")
    # A replacement worker needs a moment to load the analysis before it counts as ready.
    deadline = time.monotonic() + 10
    while True:
        health = service.health()
        settled = (health["size"], health["ready"], health["busy"], health["starting"]) == (WORKERS, WORKERS, 0, 0)
        if settled or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if not settled:
        problems.append(f"/health workers: {health}")
    return problems


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.sample)
def test_fault_gets_its_status_and_the_pool_recovers(
    fault: Fault, fault_service: RunningService, record_cases: Callable[..., None]
) -> None:
    before = fault_service.health()
    pids_before = {child.pid for child in fault_service.wait_for_workers(WORKERS)}
    started = time.monotonic()
    status, answer = fault_service.request("GET", f"/analyze/?obj={fault.sample}")
    elapsed = time.monotonic() - started
    problems = []
    if (status, answer.get("error", {}).get("type")) != (fault.status, fault.error_type):
        problems.append(f"{fault.sample}: got {status} {answer}")
    if fault.sample == "loop" and not TIMEOUT <= elapsed < TIMEOUT + 3:
        problems.append(f"the endless analysis was stopped after {elapsed:.2f} s, not at the {TIMEOUT} s timeout")
    problems += check_recovered(fault_service)
    after = fault_service.health()
    restarts = after["restarts"] - before["restarts"]
    pids_after = {child.pid for child in fault_service.workers()}
    if fault.replaces_worker is not None and restarts != int(fault.replaces_worker):
        problems.append(f"restarts went from {before['restarts']} to {after['restarts']}")
    if fault.replaces_worker and pids_after == pids_before:
        problems.append("the broken worker is still there")
    if fault.replaces_worker is False and pids_after != pids_before:
        problems.append(f"a worker was replaced for an error the worker survives: {pids_before} -> {pids_after}")
    # The message says which of the documented outcomes happened.
    message = answer.get("error", {}).get("message", "")
    if fault.sample == "allocate" and not ("out of memory" in message if restarts == 0 else "died" in message):
        problems.append(f"allocate: {message!r} after {restarts} restarts")
    if fault.sample in ("exit", "segfault") and "died" not in message:
        problems.append(f"{fault.sample}: {message!r}")
    record_cases(1, 1 if problems else 0)
    assert not problems, "\n".join(problems)


def test_a_storm_of_faults_leaks_nothing(fault_service: RunningService, record_cases: Callable[..., None]) -> None:
    """Every fault three times at once, mixed with normal requests, queued on 2 workers."""
    fault_service.wait_for_workers(WORKERS)
    fds_before = open_fds(fault_service.pid)
    expected = {fault.sample: (fault.status, fault.error_type) for fault in FAULTS}
    expected["normal"] = (200, None)
    samples = [fault.sample for fault in FAULTS] * 3 + ["normal"] * 8

    def call(sample: str) -> tuple[str, int, str | None]:
        status, answer = fault_service.request("GET", f"/analyze/?obj={sample}", timeout=60)
        return sample, status, answer.get("error", {}).get("type")

    with ThreadPoolExecutor(max_workers=len(samples)) as pool:
        results = list(pool.map(call, samples))
    problems = [f"{sample}: {status} {kind}" for sample, status, kind in results if expected[sample] != (status, kind)]
    problems += check_recovered(fault_service)
    # Every dead worker's pipes are closed: the descriptors come back to where they were.
    deadline = time.monotonic() + 5
    while open_fds(fault_service.pid) > fds_before and time.monotonic() < deadline:
        time.sleep(0.05)
    if open_fds(fault_service.pid) > fds_before:
        problems.append(f"file descriptors of the service: {fds_before} before, {open_fds(fault_service.pid)} after")
    record_cases(len(samples), len(problems))
    assert not problems, "\n".join(problems)


def test_saturation_is_refused_at_once_with_503_and_retry_after(
    fault_service: RunningService, record_cases: Callable[..., None]
) -> None:
    """Both workers busy and max_pending (32) requests waiting: the next one gets 503 at once."""
    fault_service.wait_for_workers(WORKERS)
    max_pending = fault_service.health()["max_pending"]
    with ThreadPoolExecutor(max_workers=WORKERS + max_pending) as pool:
        running = [pool.submit(fault_service.request, "GET", "/analyze/?obj=sleep-1.5", None, 60) for _ in range(2)]
        deadline = time.monotonic() + 10
        while fault_service.health()["busy"] < WORKERS and time.monotonic() < deadline:
            time.sleep(0.01)
        queued = [
            pool.submit(fault_service.request, "GET", "/analyze/?obj=normal", None, 60) for _ in range(max_pending)
        ]
        while fault_service.health()["waiting"] < max_pending and time.monotonic() < deadline:
            time.sleep(0.01)
        saturated = fault_service.health()
        connection = fault_service.connection(timeout=10)
        started = time.monotonic()
        status, answer, response = send(connection, "GET", "/analyze/?obj=normal")
        refused_after = time.monotonic() - started
        retry_after = response.getheader("Retry-After")
        connection.close()
        results = [call.result() for call in running + queued]
    problems = []
    if (saturated["busy"], saturated["waiting"]) != (WORKERS, max_pending):
        problems.append(f"the pool never filled up: {saturated}")
    if (status, answer.get("error", {}).get("type"), retry_after) != (503, "ServiceBusy", "1"):
        problems.append(f"the request over the limit got {status} {answer} Retry-After {retry_after!r}")
    if refused_after > 1.0:
        problems.append(f"the refusal took {refused_after:.2f} s")
    # Nothing that was accepted is lost: every one of them gets its result.
    problems += [f"accepted request got {status} {answer}" for status, answer in results if status != 200]
    problems += check_recovered(fault_service)
    record_cases(len(results) + 1, len(problems))
    assert not problems, "\n".join(problems[:10])
