"""Part 5: stopping with analyses in flight, and starting with a bad service.conf.

SIGTERM (what ``docker stop`` sends) while 4 analyses run: every one still gets its result, the
service exits 0 and its workers are gone. A bad service.conf (bad JSON, a wrong type, an unknown
key under ``settings``, a port already taken) stops the start with a non-zero exit code and one
clear line saying what is wrong, and leaves no worker behind.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hostile_service import LOOPBACK, RunningService, clean_environment, free_port

IN_FLIGHT = 4


def test_sigterm_lets_four_analyses_in_flight_finish(
    faulty_bake: Path, fault_samples: Path, tmp_path: Path, record_cases: Callable[..., None]
) -> None:
    service = RunningService(
        faulty_bake, tmp_path / "service.log", sample_dir=fault_samples, workers=IN_FLIGHT, grace_period=15, timeout=30
    ).start()
    try:
        with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
            calls = [pool.submit(service.request, "GET", "/analyze/?obj=sleep-1.5", None, 60) for _ in range(IN_FLIGHT)]
            deadline = time.monotonic() + 15
            while service.health()["busy"] < IN_FLIGHT and time.monotonic() < deadline:
                time.sleep(0.02)
            workers = [child.pid for child in service.workers()]
            assert service.health()["busy"] == IN_FLIGHT, "the 4 analyses never ran at the same time"
            os.kill(service.pid, signal.SIGTERM)
            results = [call.result() for call in calls]
        assert service.process is not None
        code = service.process.wait(30)
    finally:
        service.stop()
    failures = sum(1 for status, answer in results if status != 200 or answer.get("command") != "sleep 1.5")
    record_cases(IN_FLIGHT + 1, failures + (code != 0))
    assert failures == 0, results
    assert code == 0, service.log_tail()
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "workers outlived the service"


def test_clients_that_hang_up_mid_analysis_leave_nothing_in_flight(
    faulty_bake: Path, fault_samples: Path, tmp_path: Path, record_cases: Callable[..., None]
) -> None:
    """4 clients close their connections while their analyses run: the stop is then immediate."""
    grace = 15
    service = RunningService(
        faulty_bake, tmp_path / "service.log", sample_dir=fault_samples, workers=IN_FLIGHT, grace_period=grace
    ).start()
    try:
        for _ in range(IN_FLIGHT):
            client = socket.create_connection((LOOPBACK, service.port))
            client.sendall(b"GET /analyze/?obj=sleep-1.5 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            client.close()
        deadline = time.monotonic() + 15
        while service.health()["completed"] < IN_FLIGHT and time.monotonic() < deadline:
            time.sleep(0.05)
        health = service.health()
        started = time.monotonic()
        code = service.stop()
        took = time.monotonic() - started
    finally:
        service.stop()
    record_cases(IN_FLIGHT, 0 if health["completed"] == IN_FLIGHT and code == 0 and took < grace / 3 else 1)
    assert health["completed"] == IN_FLIGHT and health["busy"] == 0, health
    assert code == 0
    # A request counted in flight forever would hold the stop for the whole grace period.
    assert took < grace / 3, f"stopping took {took:.1f} s"


BAD_CONFIGS = {
    "bad-json": ('{"settings": {"timeout": 5,}}', r"not valid JSON"),
    "not-an-object": ('["settings"]', r"top level must be a JSON object"),
    "settings-wrong-type": ('{"settings": ["workers", 2]}', r"settings: must be a JSON object"),
    "workers-wrong-type": ('{"settings": {"workers": "many"}}', r"settings\.workers: must be an integer"),
    "timeout-wrong-type": ('{"settings": {"timeout": true}}', r"settings\.timeout: must be a number"),
    "port-out-of-range": (
        '{"settings": {"httpbinding": 70000}}',
        r"\.httpbinding: must be between 1 and 65535",
    ),
    "unknown-key": ('{"settings": {"timeout": 5, "tiemout": 5}}', r"settings\.tiemout: unknown setting"),
    "section-wrong-type": ('{"settings": {}, "hashinfo": "fast"}', r"hashinfo: must be a JSON object"),
    "not-utf8": (b'{"settings": {"address": "\xff"}}', r"cannot read"),
}


def workers_running_in(directory: Path) -> list[int]:
    """Processes whose working directory is this private copy of the service: its workers."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/cwd") == str(directory):
                    found.append(int(entry))
            except OSError:
                continue
    return found


def start_with(directory: Path, conf: Path, port: int | None) -> subprocess.CompletedProcess[str]:
    """Start the service with conf; loopback only, whatever conf says, in case it does start."""
    settings: dict[str, object] = {"config": conf, "address": LOOPBACK}
    if port is not None:
        settings["httpbinding"] = port
    env = clean_environment(**settings)
    return subprocess.run(
        [sys.executable, "service.py"], cwd=directory, env=env, capture_output=True, text=True, timeout=30
    )


def check_one_clear_line(done: subprocess.CompletedProcess[str], conf: Path, pattern: str) -> None:
    assert done.returncode != 0, done.stderr
    # The service's own log lines are JSON; the reason for stopping is the one line that is not.
    lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("{")]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("hashinfo: cannot start: "), lines[0]
    assert re.search(pattern, lines[0]), lines[0]
    assert done.stdout == ""


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_service_conf_stops_the_start_with_one_line(
    name: str,
    file_bake: Path,
    private_copy: Callable[[Path], Path],
    tmp_path: Path,
    record_cases: Callable[..., None],
) -> None:
    record_cases(1)
    directory = private_copy(file_bake)
    text, pattern = BAD_CONFIGS[name]
    conf = tmp_path / "service.conf"
    if isinstance(text, bytes):
        conf.write_bytes(text)
    else:
        conf.write_text(text)
    # The environment would override the port under test.
    done = start_with(directory, conf, None if name == "port-out-of-range" else free_port())
    check_one_clear_line(done, conf, pattern)
    assert str(conf) in done.stderr, "the line names the file"
    assert not workers_running_in(directory)


def test_port_already_taken_stops_the_start_with_one_line(
    file_bake: Path,
    private_copy: Callable[[Path], Path],
    tmp_path: Path,
    record_cases: Callable[..., None],
) -> None:
    record_cases(1)
    directory = private_copy(file_bake)
    conf = tmp_path / "service.conf"
    conf.write_text(json.dumps({"settings": {"workers": 2, "sample_dir": str(tmp_path)}}))
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = start_with(directory, conf, port)
    check_one_clear_line(done, conf, rf"cannot listen on port {port}: Address already in use")
    # The workers it had started are stopped too.
    deadline = time.monotonic() + 5
    while workers_running_in(directory) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not workers_running_in(directory)
