"""Benchmarks: a generated service against a bare Tornado handler, on the same machine, same run.

    python bench/run.py            # the full run (a few minutes); writes docs/benchmarks.{md,png}
    python bench/run.py --smoke    # every scenario at tiny sizes in seconds (CI); writes to a temp dir

Scenarios (each reports a ratio against a baseline measured in the same run, because absolute
figures drift on shared machines):

1. overhead: answers per second of /analyze/?obj=<small sample> with a trivial analysis, against a
   bare Tornado app that runs the same analysis inline, at 16 and 64 connections;
2. head-of-line blocking: p99 latency of / and /health while every worker runs a slow analysis,
   against the bare app with the same analysis inline;
3. scaling: a CPU-bound analysis of about 50 ms, workers=2 against workers=1;
4. large samples: the default analysis of a 1 GiB sample in MB/s against sha256sum of the same
   file, and the service's peak memory growth;
5. bake: seconds per bake of the default template.

Variant analyses (bench/analyses/) replace analysis.py in copies of one bake. Everything listens
on 127.0.0.1, every process started here is stopped by its PID, and all files live in one
temporary directory that is removed at the end. Exit status: 0 all goals met (or --smoke and
every scenario ran), 1 a scenario broke, 3 a goal was missed (full run; the docs are written).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DOCS = REPO / "docs"
HOST = "127.0.0.1"
MIB = 1024 * 1024
CHUNK = MIB  # the default analysis's chunk_size


class ScenarioBroken(Exception):
    """A scenario could not be measured: a server did not start, answered errors, or lied."""


@dataclass(frozen=True)
class Profile:
    """How big each scenario is: the full run, or the smoke run's tiny sizes."""

    name: str
    duration: float  # seconds measured per load run
    warmup: float  # seconds of load before measuring
    connections: tuple[int, ...]
    sleep_seconds: float  # the slow analysis of scenario 2
    cpu_seconds: float  # the CPU-bound analysis of scenario 3
    large_bytes: int  # the sample of scenario 4
    large_repeats: int
    breakdown_bytes: int  # how much of it the per-hash breakdown reads
    bakes: int
    rounds: int  # the two sides of scenarios 1 and 3 take turns, so that drift hits both alike


FULL = Profile("full", 4.0, 1.0, (16, 64), 2.0, 0.05, 1024 * MIB, 3, 256 * MIB, 10, 5)
SMOKE = Profile("smoke", 0.5, 0.2, (16, 64), 0.2, 0.02, 8 * MIB, 1, 8 * MIB, 2, 1)


@dataclass
class Goal:
    """One of the issue's goals, with what was measured and, for the report, why it may be missed."""

    number: int
    title: str
    measured: float
    target: float
    unit: str
    higher_is_better: bool
    why: str = ""

    @property
    def met(self) -> bool:
        return self.measured >= self.target if self.higher_is_better else self.measured < self.target

    def shortfall(self) -> str:
        """By how much the goal is missed, in its own unit and relatively."""
        gap = abs(self.measured - self.target)
        relative = gap / self.target * 100 if self.target else 0.0
        return f"{gap:.3g} {self.unit} ({relative:.0f} %) {'short of' if self.higher_is_better else 'over'} the goal"


@dataclass
class Results:
    """Everything measured, as the report and the chart read it."""

    profile: str
    machine: dict[str, Any] = field(default_factory=dict)
    overhead: list[dict[str, Any]] = field(default_factory=list)
    blocking: dict[str, Any] = field(default_factory=dict)
    scaling: dict[str, Any] = field(default_factory=dict)
    large: dict[str, Any] = field(default_factory=dict)
    bake: dict[str, Any] = field(default_factory=dict)
    goals: list[Goal] = field(default_factory=list)


# -- processes ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def tree_pids(pid: int) -> list[int]:
    """pid and its descendants (the service's workers), from /proc."""
    found = [pid]
    for parent in found:
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{parent}/task"):
                with contextlib.suppress(OSError):
                    found.extend(
                        int(child) for child in Path(f"/proc/{parent}/task/{task}/children").read_text().split()
                    )
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of pid and its descendants."""
    total = 0
    for member in tree_pids(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by one process; 0 if it is gone."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by pid and its living descendants (the service's workers)."""
    return sum(process_cpu(member) for member in tree_pids(pid))


class Server:
    """A server process on a loopback port, ready once /health answers 200, stopped by its PID."""

    def __init__(self, label: str, argv: list[str], port: int, log: Path, env: dict[str, str], cwd: Path) -> None:
        self.label = label
        self.argv = argv
        self.port = port
        self.log = log
        self.env = env
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> Server:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ScenarioBroken(f"{self.label} exited with {self.process.returncode}: {self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(self.port, "/health", timeout=1)[0] == 200:
                    return self
            time.sleep(0.05)
        self.stop()
        raise ScenarioBroken(f"{self.label} did not become healthy within 60 s: {self.log_tail()}")

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # the service stops its own workers
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 5) -> str:
        with contextlib.suppress(OSError):
            return " | ".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


def load(port: int, groups: list[dict[str, Any]], duration: float, warmup: float) -> subprocess.Popen[str]:
    """Start the load generator; its JSON answer comes from finish_load."""
    spec = {"port": port, "duration": duration, "warmup": warmup, "groups": groups}
    return subprocess.Popen(
        [sys.executable, str(BENCH_DIR / "loadgen.py"), json.dumps(spec)], stdout=subprocess.PIPE, text=True
    )


def finish_load(process: subprocess.Popen[str], limit: float) -> dict[str, Any]:
    try:
        output, _ = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise ScenarioBroken(f"the load generator did not finish within {limit:g} s") from None
    except BaseException:  # interrupted: do not leave it running
        process.kill()
        process.wait()
        raise
    if process.returncode != 0:
        raise ScenarioBroken(f"the load generator failed with exit status {process.returncode}")
    return json.loads(output)


def run_load(port: int, groups: list[dict[str, Any]], duration: float, warmup: float) -> dict[str, Any]:
    return finish_load(load(port, groups, duration, warmup), limit=duration + warmup + 60)


def check_answers(label: str, group: dict[str, Any], allowed: tuple[str, ...] = ("200",)) -> None:
    """A scenario is broken if any answer has another status, or any exchange failed."""
    unexpected = {status: n for status, n in group["statuses"].items() if status not in allowed}
    if group["answers"] == 0 or unexpected or group["failures"]:
        raise ScenarioBroken(
            f"{label}: {group['answers']} answers, statuses {group['statuses']}, "
            f"{group['failures']} failures {group['first_failures']}"
        )


# -- the bench ----------------------------------------------------------------------------------


class Bench:
    """The scenarios, sharing one temporary directory, one base bake and one sample directory."""

    def __init__(self, profile: Profile, workdir: Path) -> None:
        self.profile = profile
        self.workdir = workdir
        self.samples = workdir / "samples"
        self.samples.mkdir()
        self.results = Results(profile=profile.name)
        self.base_bake = self.bake_once(workdir / "base")
        self.service_name = self.base_bake.name
        self.small_sample = "0b4c8a2e-5f6d-4e1a-9c3b-7d2e1f0a6b5c"
        (self.samples / self.small_sample).write_bytes(os.urandom(4096))

    def bake_once(self, output: Path) -> Path:
        from cookiecutter.main import cookiecutter

        return Path(cookiecutter(str(REPO), no_input=True, output_dir=str(output)))

    def variant(self, name: str, section: dict[str, Any]) -> Path:
        """A copy of the bake with bench/analyses/<name>.py as its analysis and section as its config."""
        target = self.workdir / f"variant-{name}" / self.service_name
        if not target.exists():
            shutil.copytree(self.base_bake, target)
            shutil.copyfile(BENCH_DIR / "analyses" / f"{name}.py", target / "analysis.py")
        conf = json.loads((target / "service.conf").read_text())
        conf[self.service_name] = section
        (target / "service.conf").write_text(json.dumps(conf, indent=2))
        return target

    def service(self, label: str, bake: Path, **settings: Any) -> Server:
        port = free_port()
        # Only the bench's own overrides: a HOLMES_CONFIG or HOLMES_WORKERS of the caller's shell
        # would change what is measured.
        env = {key: value for key, value in os.environ.items() if not key.startswith("HOLMES_")}
        env.update({"HOLMES_ADDRESS": HOST, "HOLMES_HTTPBINDING": str(port), "HOLMES_SAMPLE_DIR": str(self.samples)})
        env.update({f"HOLMES_{key.upper()}": str(value) for key, value in settings.items()})
        argv = [sys.executable, str(bake / "service.py")]
        return Server(label, argv, port, self.workdir / f"{label}.log", env, bake)

    def bare(self, label: str, bake: Path, section: dict[str, Any]) -> Server:
        port = free_port()
        argv = [
            sys.executable,
            str(BENCH_DIR / "bare_app.py"),
            str(port),
            str(self.samples),
            str(bake),
            json.dumps(section),
        ]
        return Server(label, argv, port, self.workdir / f"{label}.log", dict(os.environ), bake)

    # 1 ---------------------------------------------------------------------------------------

    def overhead(self) -> None:
        profile = self.profile
        bake = self.variant("trivial", {})
        path = f"/analyze/?obj={self.small_sample}"
        # 64 connections against 2 workers would queue more than the default max_pending (32)
        # and be refused with 503 by design; the bench measures throughput, not back-pressure.
        with (
            self.service("overhead-service", bake, max_pending=256) as service,
            self.bare("overhead-bare", bake, {}) as bare,
        ):
            for connections in profile.connections:
                groups = [{"name": "a", "path": path, "connections": connections}]
                row = alternate({"service": service, "bare": bare}, groups, profile, f"overhead c={connections}")
                row["connections"] = connections
                row["ratio"] = ratio_of_rounds(row["service"]["rounds"], row["bare"]["rounds"])
                self.results.overhead.append(row)
                print(
                    f"  overhead c={connections}: service {row['service']['rps']:.0f}/s, "
                    f"bare {row['bare']['rps']:.0f}/s -> {row['ratio']:.2f}x",
                    flush=True,
                )

    # 2 ---------------------------------------------------------------------------------------

    def blocking(self) -> None:
        profile = self.profile
        section = {"seconds": profile.sleep_seconds}
        bake = self.variant("sleep", section)
        workers = cpu_count()
        warmup = min(0.5, profile.sleep_seconds / 2)
        duration = max(2 * profile.duration, 2 * profile.sleep_seconds)
        groups = [
            # One more than the workers, so that a worker never waits for the next slow request.
            {"name": "slow", "path": f"/analyze/?obj={self.small_sample}", "connections": workers + 1},
            {"name": "root", "path": "/", "connections": 1, "pause": 0.01, "after_warmup": True},
            {"name": "health", "path": "/health", "connections": 1, "pause": 0.01, "after_warmup": True},
        ]
        result: dict[str, Any] = {"workers": workers, "sleep_seconds": profile.sleep_seconds}
        with self.service("blocking-service", bake) as service, self.bare("blocking-bare", bake, section) as bare:
            # The same probes against the idle service first: the tail latency the machine gives
            # anyway, without any worker busy.
            idle = finish_load(load(service.port, groups[1:], duration, warmup), limit=duration + warmup + 60)
            for name in ("root", "health"):
                check_answers(f"blocking idle {name}", idle[name])
            result["service_idle"] = {
                name: {key: idle[name][key] for key in ("answers", "p50_ms", "p99_ms", "max_ms")}
                for name in ("root", "health")
            }
            for side, server in (("service", service), ("bare", bare)):
                running = load(server.port, groups, duration, warmup)
                if side == "service":
                    # The loadgen's clock starts a moment after ours: the window ends no later.
                    window_end = time.monotonic() + warmup + duration
                    busy_share = watch_busy(server.port, running, workers, window_end)
                    if busy_share == 0:
                        raise ScenarioBroken(f"blocking: never were all {workers} workers busy at once")
                    result["busy_share"] = busy_share
                groups_out = finish_load(running, limit=duration + warmup + 60)
                for name in ("slow", "root", "health"):
                    check_answers(f"blocking {side} {name}", groups_out[name])
                result[side] = {
                    name: {key: groups_out[name][key] for key in ("answers", "p50_ms", "p99_ms", "max_ms")}
                    for name in ("slow", "root", "health")
                }
                print(
                    f"  blocking {side}: p99 / {result[side]['root']['p99_ms']:.1f} ms, "
                    f"/health {result[side]['health']['p99_ms']:.1f} ms",
                    flush=True,
                )
        self.results.blocking = result

    # 3 ---------------------------------------------------------------------------------------

    def scaling(self) -> None:
        profile = self.profile
        bake = self.variant("cpu", {"cpu_seconds": profile.cpu_seconds})
        # Twice as many connections as workers, so that no worker ever waits for a request.
        groups = [{"name": "a", "path": f"/analyze/?obj={self.small_sample}", "connections": 4}]
        ceiling_before = machine_scaling(bake, profile.cpu_seconds, profile.duration)
        # Both services run at once; the one not under load has idle workers blocked on a read.
        with self.service("scaling-1", bake, workers=1) as one, self.service("scaling-2", bake, workers=2) as two:
            result = alternate({"workers_1": one, "workers_2": two}, groups, profile, "scaling")
        ceiling_after = machine_scaling(bake, profile.cpu_seconds, profile.duration)
        result.update({"cpu_seconds": profile.cpu_seconds, "cpus": cpu_count()})
        result["machine_ratio"] = (ceiling_before + ceiling_after) / 2
        result["ratio"] = ratio_of_rounds(result["workers_2"]["rounds"], result["workers_1"]["rounds"])
        print(
            f"  scaling: workers=1 {result['workers_1']['rps']:.1f}/s, workers=2 {result['workers_2']['rps']:.1f}/s"
            f" -> {result['ratio']:.2f}x (two plain processes against one: {result['machine_ratio']:.2f}x)",
            flush=True,
        )
        self.results.scaling = result

    # 4 ---------------------------------------------------------------------------------------

    def large(self) -> None:
        profile = self.profile
        name = "7e57f11e-1a26-4e5a-8b1e-000000000001"
        sample = self.samples / name
        write_random(sample, profile.large_bytes)
        try:
            self.measure_large(name, sample)
        finally:
            sample.unlink()

    def measure_large(self, name: str, sample: Path) -> None:
        profile = self.profile
        size = profile.large_bytes
        # Both sides read from the page cache: warm it once, unmeasured.
        sha256sum(sample)
        baseline_times, service_times, growths = [], [], []
        settings = {"max_sample_size": 2 * size, "timeout": 3600}
        with self.service("large-service", self.base_bake, **settings) as service:
            # sha256sum and the service take turns, so that drift on the machine hits both alike.
            for _ in range(profile.large_repeats):
                started = time.perf_counter()
                expected = sha256sum(sample)
                baseline_times.append(time.perf_counter() - started)
                seconds, growth, result = self.timed_request(service, f"/analyze/?obj={name}", timeout=3600)
                if result.get("sha256") != expected or result.get("size") != size:
                    raise ScenarioBroken(f"large: the service answered {result!r}, sha256sum says {expected}")
                service_times.append(seconds)
                growths.append(growth)
        service_mbps = size / statistics.median(service_times) / 1e6
        sha256sum_mbps = size / statistics.median(baseline_times) / 1e6
        self.results.large = {
            "bytes": size,
            "service_mbps": service_mbps,
            "sha256sum_mbps": sha256sum_mbps,
            "ratio": ratio_of_rounds(baseline_times, service_times),
            "memory_growth_mib": max(growths) / MIB,
            "breakdown_mbps": breakdown(sample, min(size, profile.breakdown_bytes)),
        }
        print(
            f"  large: service {service_mbps:.0f} MB/s, sha256sum {sha256sum_mbps:.0f} MB/s -> "
            f"{self.results.large['ratio']:.2f}x, memory +{max(growths) / MIB:.1f} MiB",
            flush=True,
        )

    def timed_request(self, server: Server, path: str, timeout: float) -> tuple[float, int, dict[str, Any]]:
        """One request; its seconds, the peak growth of the server's RSS meanwhile, its JSON."""
        baseline = tree_rss(server.pid)
        peak = baseline
        done = threading.Event()

        def watch() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(server.pid))
                done.wait(0.01)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        try:
            status, body = get(server.port, path, timeout=timeout)
        finally:
            seconds = time.perf_counter() - started
            done.set()
            watcher.join()
        if status != 200:
            raise ScenarioBroken(f"large: status {status}: {body[:200]!r}")
        return seconds, peak - baseline, json.loads(body)

    # 5 ---------------------------------------------------------------------------------------

    def bake(self) -> None:
        times = []
        for number in range(self.profile.bakes):
            started = time.perf_counter()
            self.bake_once(self.workdir / f"bake-{number}")
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "cookiecutter", "--no-input", str(REPO), "-o", str(self.workdir / "bake-cli")],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        cli = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        interpreter = time.perf_counter() - started
        self.results.bake = {
            "bakes": len(times),
            "median_s": statistics.median(times),
            "max_s": max(times),
            "cli_s": cli,
            "interpreter_start_s": interpreter,
        }
        print(
            f"  bake: {statistics.median(times) * 1000:.0f} ms per bake (command line {cli * 1000:.0f} ms)", flush=True
        )


def alternate(servers: dict[str, Server], groups: list[dict[str, Any]], profile: Profile, label: str) -> dict[str, Any]:
    """Load each server in turn, profile.rounds times; per server the medians over the rounds."""
    rounds: dict[str, list[dict[str, Any]]] = {side: [] for side in servers}
    cpu: dict[str, float] = dict.fromkeys(servers, 0.0)
    loop_cpu: dict[str, float] = dict.fromkeys(servers, 0.0)
    answered: dict[str, int] = dict.fromkeys(servers, 0)
    for _ in range(profile.rounds):
        for side, server in servers.items():
            cpu_before, loop_before = tree_cpu(server.pid), process_cpu(server.pid)
            group = run_load(server.port, groups, profile.duration, profile.warmup)["a"]
            cpu[side] += tree_cpu(server.pid) - cpu_before
            loop_cpu[side] += process_cpu(server.pid) - loop_before
            check_answers(f"{label} {side}", group)
            answered[side] += group["total_answers"]
            rounds[side].append(group)
    return {
        side: {
            "rps": statistics.median(r["rps"] for r in rounds[side]),
            "p50_ms": statistics.median(r["p50_ms"] for r in rounds[side]),
            "p99_ms": statistics.median(r["p99_ms"] for r in rounds[side]),
            "cpu_ms_per_request": cpu[side] / answered[side] * 1000,
            # The server process alone: its one IOLoop is what every request must pass through.
            "loop_cpu_ms_per_request": loop_cpu[side] / answered[side] * 1000,
            "client_cpu_ms_per_request": statistics.median(r["client_cpu_ms_per_request"] for r in rounds[side]),
            "rounds": [r["rps"] for r in rounds[side]],
        }
        for side in servers
    }


def ratio_of_rounds(numerators: list[float], denominators: list[float]) -> float:
    """The median of the per-round ratios: each round's two sides ran back to back."""
    return statistics.median(a / b for a, b in zip(numerators, denominators, strict=True))


def watch_busy(port: int, running: subprocess.Popen[str], workers: int, window_end: float) -> float:
    """Ask /health every 50 ms while the load is measured: the share of answers, from the first
    time every worker was busy, in which every worker was busy."""
    samples = []
    while running.poll() is None and time.monotonic() < window_end:
        with contextlib.suppress(OSError, http.client.HTTPException, ValueError, KeyError):
            status, body = get(port, "/health", timeout=2)
            if status == 200:
                all_busy = json.loads(body)["workers"]["busy"] == workers
                if samples or all_busy:
                    samples.append(all_busy)
        time.sleep(0.05)
    return sum(samples) / len(samples) if samples else 0.0


# The same analysis in a plain loop, no service: what the machine itself gives two processes.
PLAIN_LOOP = """
import sys, time
sys.path.insert(0, sys.argv[1])
from analysis import analyze
from holmeslibrary import Sample
sample, config = Sample(name="plain", path="/dev/null", size=0), {"cpu_seconds": float(sys.argv[2])}
deadline, done = time.monotonic() + float(sys.argv[3]), 0
while time.monotonic() < deadline:
    analyze(sample, config)
    done += 1
print(done)
"""


def machine_scaling(bake: Path, cpu_seconds: float, duration: float) -> float:
    """Analyses done by two plain processes at once against one alone, in the same time."""
    done = {}
    for processes in (1, 2):
        argv = [sys.executable, "-c", PLAIN_LOOP, str(bake), str(cpu_seconds), str(duration)]
        running = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) for _ in range(processes)]
        try:
            done[processes] = sum(int(process.communicate(timeout=duration + 60)[0]) for process in running)
        finally:
            for process in running:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    if done[1] == 0:
        raise ScenarioBroken("scaling: one plain process finished no analysis")
    return done[2] / done[1]


def cpu_count() -> int:
    """What workers=0 means: one worker per CPU this process may use."""
    return max(1, len(os.sched_getaffinity(0)))


def write_random(path: Path, size: int) -> None:
    # Random bytes: no compression or sparse-file shortcut anywhere can make the read cheaper.
    with path.open("wb") as stream:
        written = 0
        while written < size:
            block = os.urandom(min(16 * MIB, size - written))
            stream.write(block)
            written += len(block)


def sha256sum(path: Path) -> str:
    answer = subprocess.run(["sha256sum", str(path)], check=True, capture_output=True, text=True)
    return answer.stdout.split()[0]


def breakdown(path: Path, size: int) -> dict[str, float]:
    """MB/s of each part of the default analysis alone, over the first size bytes, in 1 MiB chunks."""
    import numpy

    parts: dict[str, Callable[[bytes], object]] = {
        "read": lambda chunk: None,
        "md5": hashlib.md5(usedforsecurity=False).update,
        "sha1": hashlib.sha1(usedforsecurity=False).update,
        "sha256": hashlib.sha256().update,
        "histogram": lambda chunk: numpy.bincount(numpy.frombuffer(chunk, dtype=numpy.uint8), minlength=256),
    }
    speeds = {}
    for name, work in parts.items():
        started = time.perf_counter()
        for chunk in read_chunks(path, size):
            work(chunk)
        speeds[name] = size / (time.perf_counter() - started) / 1e6
    return speeds


def read_chunks(path: Path, size: int) -> Iterator[bytes]:
    with path.open("rb") as stream:
        remaining = size
        while remaining > 0 and (chunk := stream.read(min(CHUNK, remaining))):
            remaining -= len(chunk)
            yield chunk


# -- goals and reports ----------------------------------------------------------------------------


def evaluate(results: Results) -> list[Goal]:
    overhead = min(results.overhead, key=lambda row: row["ratio"])
    blocking = results.blocking
    worst_probe = max(blocking["service"]["root"]["p99_ms"], blocking["service"]["health"]["p99_ms"])
    large = results.large
    bake = results.bake
    speeds = large["breakdown_mbps"]
    serial = serial_mbps(speeds)
    scaling = results.scaling
    analysis_ms = scaling["cpu_seconds"] * 1000
    plumbing_ms = max(0.0, scaling["workers_2"]["cpu_ms_per_request"] - analysis_ms)
    client_ms = scaling["workers_2"]["client_cpu_ms_per_request"]
    # Two workers on min(2, cpus) cores against one worker on one core, if nothing else ran.
    scaling_bound = min(2, scaling["cpus"]) * 1000 / (analysis_ms + plumbing_ms + client_ms) / (1000 / analysis_ms)
    service_cpu = overhead["service"]["cpu_ms_per_request"]
    bare_cpu = overhead["bare"]["cpu_ms_per_request"]
    goals = [
        Goal(
            1,
            "overhead: answers/s against the bare handler (the worse of the connection counts)",
            overhead["ratio"],
            0.5,
            "x",
            True,
            why=(
                f"A request costs the service {service_cpu:.2f} ms of CPU (server process and worker together) "
                f"against {bare_cpu:.2f} ms for the bare handler: the analysis runs in another process, so "
                "each request adds a round trip over two pipes with a JSON message each way, the sample is "
                "checked twice (by the server, cheaply, so that bad requests never reach a worker, and by the "
                "worker, because the file may have changed), and a structured JSON log line is written. On "
                f"{results.machine['cpus']} CPUs the load generator, which spends "
                f"{overhead['service']['client_cpu_ms_per_request']:.2f} ms per request, takes its share of the same "
                f"cores, and other work on the machine (load average {results.machine['load']} at the start) "
                "takes more."
            ),
        ),
        Goal(
            2,
            "head-of-line blocking: p99 of / and /health while every worker is busy",
            worst_probe,
            20.0,
            "ms",
            False,
            why=blocking_why(results),
        ),
        Goal(
            3,
            f"scaling: {results.scaling['cpu_seconds'] * 1000:.0f} ms CPU-bound analysis, workers=2 against workers=1",
            results.scaling["ratio"],
            1.7,
            "x",
            True,
            why=(
                f"This machine has {scaling['cpus']} CPUs. With two workers computing, each request needs "
                f"{analysis_ms:.0f} ms of analysis, {plumbing_ms:.1f} ms in the server process and the worker's "
                f"plumbing and {client_ms:.1f} ms in the load generator, all from the same cores, so even an "
                f"otherwise idle machine allows at most {scaling_bound:.2f}x. The machine was not idle (load "
                f"average {results.machine['load']} at the start, {results.machine['load_after']} at the end): "
                "two plain processes running the same analysis in a loop, without any service, did only "
                f"{scaling['machine_ratio']:.2f}x the work of one, measured just before and after."
                + (
                    " This kernel shares the CPUs fairly between sessions, not processes "
                    "(sched_autogroup_enabled is 1): while other sessions keep the CPUs busy, the bench's "
                    "processes share its session's part, and a second worker adds little to it."
                    if results.machine.get("autogroup")
                    else ""
                )
            ),
        ),
        Goal(
            4,
            "large sample: default analysis MB/s against sha256sum",
            large["ratio"],
            0.7,
            "x",
            True,
            why=(
                "The default analysis does four passes of work over every byte in one process, one after the "
                f"other: md5 ({speeds['md5']:.0f} MB/s alone), sha1 ({speeds['sha1']:.0f}), sha256 "
                f"({speeds['sha256']:.0f}) and the numpy byte histogram ({speeds['histogram']:.0f}); together "
                f"that is at most {serial:.0f} MB/s before any service overhead, "
                f"{serial / large['sha256sum_mbps']:.2f}x of sha256sum ({large['sha256sum_mbps']:.0f} MB/s), which "
                "computes only the one hash. The service reaches "
                f"{large['service_mbps'] / serial * 100:.0f} % of that bound."
            ),
        ),
        Goal(
            4,
            "large sample: peak memory growth of the service (server and workers)",
            large["memory_growth_mib"],
            64.0,
            "MiB",
            False,
            why="The analysis reads in 1 MiB chunks; growth beyond a few chunks means something holds the sample.",
        ),
        Goal(
            5,
            "bake: seconds per bake of the default template",
            bake["median_s"],
            0.5,
            "s",
            False,
            why=(
                "A bake renders every file through Jinja and runs the pre- and post-generation hooks, each in "
                f"a new Python interpreter ({bake['interpreter_start_s'] * 1000:.0f} ms to start one here)."
            ),
        ),
    ]
    return goals


def blocking_why(results: Results) -> str:
    """Why / and /health had a long tail: compared with the same probes while the workers idled."""
    b = results.blocking
    busy = max(b["service"]["root"]["p99_ms"], b["service"]["health"]["p99_ms"])
    idle = max(b["service_idle"]["root"]["p99_ms"], b["service_idle"]["health"]["p99_ms"])
    median = max(b["service"]["root"]["p50_ms"], b["service"]["health"]["p50_ms"])
    text = (
        f"The busy workers sleep and use no CPU, and the server's IOLoop never runs an analysis: the median was "
        f"{median:.1f} ms. The same probes against the same service with every worker idle, in this run, had a "
        f"p99 of {idle:.1f} ms. "
    )
    if idle >= 0.5 * busy:
        return text + (
            "So the tail is not the workers' doing: it is the server process waiting for a CPU that other "
            f"work held (load average {results.machine['load']} at the start of the run)."
        )
    return text + "So busy workers do add to the tail here, in a way this bench does not explain further."


def serial_mbps(speeds: dict[str, float]) -> float:
    """The default analysis's best speed: its four parts run one after the other on each chunk."""
    return 1 / sum(1 / speeds[name] for name in ("md5", "sha1", "sha256", "histogram"))


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    autogroup = ""
    with contextlib.suppress(OSError):
        autogroup = Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip()
    return {
        "cpus": cpu_count(),
        "cpu_model": model,
        "python": sys.version.split()[0],
        "load": load_average(),
        "autogroup": autogroup == "1",
    }


def load_average() -> str:
    """The 1-minute load average: how much else this (possibly shared) machine was doing."""
    with contextlib.suppress(OSError):
        return Path("/proc/loadavg").read_text().split()[0]
    return "unknown"


def markdown(results: Results) -> str:
    o, b, s, lg, bk = results.overhead, results.blocking, results.scaling, results.large, results.bake
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python bench/run.py` (the full run; `python bench/run.py --smoke` runs every scenario at",
        "tiny sizes in CI). The generated service and its baselines run in the same run on the same machine,",
        "so the ratios hold even where the absolute figures drift. Machine: "
        f"{results.machine['cpus']} CPUs ({results.machine['cpu_model'] or 'unknown model'}), "
        f"Python {results.machine['python']}; run on {time.strftime('%Y-%m-%d', time.gmtime())}; load average"
        f" {results.machine['load']} at the start and {results.machine['load_after']} at the end of the run"
        " (where it is above the number of CPUs, other work competes with the bench for them, and the"
        " ratios that need the CPU, 1, 3 and 4, move from run to run).",
        "",
        "## Goals",
        "",
        "| # | measure | measured | goal | met |",
        "|---|---|---|---|---|",
    ]
    for goal in results.goals:
        sign = ">=" if goal.higher_is_better else "<"
        lines.append(
            f"| {goal.number} | {goal.title} | {goal.measured:.3g} {goal.unit} | {sign} {goal.target:g} {goal.unit} "
            f"| {'yes' if goal.met else 'no'} |"
        )
    missed = [goal for goal in results.goals if not goal.met]
    if missed:
        lines += ["", "### Missed goals", ""]
        for goal in missed:
            lines.append(f"- **{goal.number}, {goal.title}**: {goal.shortfall()}. {goal.why}")
    lines += [
        "",
        "## How it is measured",
        "",
        "- The service is the default bake with its analysis.py replaced by a variant from bench/analyses/,"
        " started as `python service.py` with `HOLMES_*` overrides: address 127.0.0.1, the default number of"
        " workers (one per CPU) except in scenario 3, `max_pending` 256 in scenario 1, `max_sample_size` and"
        " `timeout` raised in scenario 4. It logs at INFO, one JSON line per request, into a file.",
        "- The baseline (bench/bare_app.py) is a bare Tornado application whose handler calls the same"
        " `analyze` inline, as the original Totem services do: no worker processes, no queue, no deadline,"
        " no path checks beyond `os.path.isfile`, no request log.",
        "- The load generator (bench/loadgen.py) is a separate Python process on the same machine: asyncio,"
        " HTTP/1.1 keep-alive, one request in flight per connection, percentiles by nearest rank over the"
        " answers to requests sent after a warm-up. It needs no package and runs the same in CI; its own CPU"
        " time per request is reported, because it shares the cores with what it measures.",
        "- Where one scenario compares two servers under load, both run at once and take turns, "
        f"{results_rounds(results)} rounds each; figures are medians over the rounds and the ratio is the"
        " median of the per-round ratios, so that drift on a shared machine hits both sides alike.",
    ]
    lines += [
        "",
        "## 1. Overhead",
        "",
        f"`/analyze/?obj=<4 KiB sample>` with a trivial analysis (bench/analyses/trivial.py: name and size),"
        f" {results.machine['cpus']} workers, `max_pending` 256; the bare app calls the same `analyze` inline."
        " CPU per request counts the server process and its workers.",
        "",
        "| connections | service answers/s | bare answers/s | ratio | service p50 / p99 ms | bare p50 / p99 ms "
        "| service CPU ms/req (server process + workers) | bare CPU ms/req | load generator CPU ms/req"
        " (service / bare) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in o:
        sv, br = row["service"], row["bare"]
        lines.append(
            f"| {row['connections']} | {sv['rps']:.0f} | {br['rps']:.0f} | {row['ratio']:.2f}x "
            f"| {sv['p50_ms']:.1f} / {sv['p99_ms']:.1f} | {br['p50_ms']:.1f} / {br['p99_ms']:.1f} "
            f"| {sv['cpu_ms_per_request']:.2f} ({sv['loop_cpu_ms_per_request']:.2f} + "
            f"{sv['cpu_ms_per_request'] - sv['loop_cpu_ms_per_request']:.2f}) | {br['cpu_ms_per_request']:.2f} "
            f"| {sv['client_cpu_ms_per_request']:.2f} / {br['client_cpu_ms_per_request']:.2f} |"
        )
    worst = min(o, key=lambda row: row["ratio"])
    service_loop, bare_loop = worst["service"]["loop_cpu_ms_per_request"], worst["bare"]["cpu_ms_per_request"]
    lines += [
        "",
        "CPU time per request drifts far less than answers per second on a shared machine. Every request"
        f" passes through one IOLoop: the service's server process spends {service_loop:.2f} ms of CPU on it"
        f" (at {worst['connections']} connections), the bare app {bare_loop:.2f} ms. With a core each and"
        f" nothing else running, that caps the service at {1000 / service_loop:.0f} and the bare app at"
        f" {1000 / bare_loop:.0f} answers/s: {bare_loop / service_loop:.2f}x. Measured answers/s fall short"
        " of these caps wherever the cores are shared with the workers, the load generator or other work.",
    ]
    lines += [
        "",
        "## 2. Head-of-line blocking",
        "",
        f"{b['workers'] + 1} connections keep all {b['workers']} workers in a {b['sleep_seconds']:g} s analysis"
        " (bench/analyses/sleep.py); meanwhile one connection each asks for / and /health every 10 ms."
        f" All workers were busy in {b['busy_share'] * 100:.0f} % of the bench's own /health checks (every 50 ms).",
        "",
        "| | / answers | / p50 ms | / p99 ms | /health answers | /health p50 ms | /health p99 ms "
        "| slow analyses answered |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for side in ("service", "service_idle", "bare"):
        r = b[side]
        if side == "service_idle":
            lines.append(
                f"| service, workers idle | {r['root']['answers']} | {r['root']['p50_ms']:.1f} "
                f"| {r['root']['p99_ms']:.1f} | {r['health']['answers']} | {r['health']['p50_ms']:.1f} "
                f"| {r['health']['p99_ms']:.1f} | |"
            )
            continue
        lines.append(
            f"| {side} | {r['root']['answers']} | {r['root']['p50_ms']:.1f} | {r['root']['p99_ms']:.1f} "
            f"| {r['health']['answers']} | {r['health']['p50_ms']:.1f} | {r['health']['p99_ms']:.1f} "
            f"| {r['slow']['answers']} |"
        )
    lines += [
        "",
        "The bare app runs each slow analysis on its IOLoop, one after the other, so a probe waits for"
        " the analyses queued before it; the service's IOLoop only passes them to the workers.",
    ]
    lines += [
        "",
        "## 3. Scaling",
        "",
        f"An analysis that computes for {s['cpu_seconds'] * 1000:g} ms of CPU time (bench/analyses/cpu.py),"
        f" 4 connections, on {s['cpus']} CPUs; both services run at once and take turns under load.",
        "",
        "| workers | answers/s | p50 ms | p99 ms | service CPU ms/req | load generator CPU ms/req |",
        "|---|---|---|---|---|---|",
    ]
    for workers in (1, 2):
        r = s[f"workers_{workers}"]
        lines.append(
            f"| {workers} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['cpu_ms_per_request']:.1f} "
            f"| {r['client_cpu_ms_per_request']:.2f} |"
        )
    lines += [
        f"| ratio | {s['ratio']:.2f}x | | | | |",
        "",
        "Baseline: the same analysis in a plain loop, no service, two processes at once against one alone,"
        f" just before and after: {s['machine_ratio']:.2f}x. That is the most two workers can get from this"
        " machine while it runs whatever else it runs; the service reached"
        f" {s['ratio'] / s['machine_ratio'] * 100:.0f} % of it.",
    ]
    lines += [
        "",
        "## 4. Large samples",
        "",
        f"The default analysis (md5, sha1, sha256, byte histogram in 1 MiB chunks) of a {lg['bytes'] / MIB:.0f} MiB"
        " random sample over HTTP, against `sha256sum` of the same file; both from the page cache, taking"
        " turns; speeds are medians of the repeats, the ratio the median of the per-repeat ratios. The"
        " service's sha256 is checked against sha256sum's.",
        "",
        "| | MB/s |",
        "|---|---|",
        f"| service, default analysis | {lg['service_mbps']:.0f} |",
        f"| sha256sum | {lg['sha256sum_mbps']:.0f} |",
        f"| ratio | {lg['ratio']:.2f}x |",
        f"| peak memory growth, server and workers | {lg['memory_growth_mib']:.1f} MiB |",
        "",
        "Each part of the default analysis alone, in one process, 1 MiB chunks from the page cache:",
        "",
        "| part | MB/s |",
        "|---|---|",
    ]
    lines += [f"| {name} | {speed:.0f} |" for name, speed in lg["breakdown_mbps"].items()]
    speeds = lg["breakdown_mbps"]
    serial = serial_mbps(speeds)
    lines += [
        "",
        f"Done one after the other, these parts allow at most {serial:.0f} MB/s; the service reached"
        f" {lg['service_mbps'] / serial * 100:.0f} % of that. Python's sha256 (OpenSSL) alone runs at"
        f" {speeds['sha256']:.0f} MB/s here, {speeds['sha256'] / lg['sha256sum_mbps']:.1f}x this machine's"
        " sha256sum: the ratio above depends on how fast the local sha256sum is, and would be lower against"
        " one that uses the CPU's SHA instructions.",
    ]
    lines += [
        "",
        "## 5. Bake",
        "",
        f"Median of {bk['bakes']} bakes of the default template through cookiecutter's API:"
        f" {bk['median_s'] * 1000:.0f} ms"
        f" (slowest {bk['max_s'] * 1000:.0f} ms). The `cookiecutter --no-input` command line, interpreter start and"
        f" imports included: {bk['cli_s'] * 1000:.0f} ms.",
        "",
        "![benchmarks](benchmarks.png)",
        "",
    ]
    return "\n".join(lines)


def results_rounds(results: Results) -> int:
    return len(results.overhead[0]["service"]["rounds"])


def readable(value: float) -> str:
    """A bar's label: whole numbers from 100 up, one decimal below."""
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"


def chart(results: Results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    service_colour, base_colour = "#2b6cb0", "#a0aec0"

    def bars(ax: Any, labels: list[str], values: list[float], colours: list[str], title: str, unit: str) -> None:
        drawn = ax.bar(labels, values, color=colours)
        ax.bar_label(drawn, fmt=readable)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit)

    ax = axes[0][0]
    width = 0.38
    positions = range(len(results.overhead))
    service_rps = [row["service"]["rps"] for row in results.overhead]
    bare_rps = [row["bare"]["rps"] for row in results.overhead]
    drawn = ax.bar([p - width / 2 for p in positions], service_rps, width, color=service_colour, label="service")
    ax.bar_label(drawn, fmt=readable)
    drawn = ax.bar([p + width / 2 for p in positions], bare_rps, width, color=base_colour, label="bare Tornado")
    ax.bar_label(drawn, fmt=readable)
    ax.set_xticks(list(positions), [f"{row['connections']} connections" for row in results.overhead])
    ax.set_title("1. trivial analysis: answers/s (goal >= 0.5x bare)", fontsize=10)
    ax.legend(fontsize=8)

    ax = axes[0][1]
    b = results.blocking
    labels = ["service\n/", "service\n/health", "idle\n/", "idle\n/health", "bare\n/", "bare\n/health"]
    values = [b[side][probe]["p99_ms"] for side in ("service", "service_idle", "bare") for probe in ("root", "health")]
    colours = [service_colour] * 2 + ["#90cdf4"] * 2 + [base_colour] * 2
    bars(ax, labels, values, colours, "2. p99 while workers are busy (goal < 20 ms); idle for reference", "ms")
    ax.set_yscale("log")
    ax.axhline(20, color="#c53030", linestyle="--", linewidth=1)

    ax = axes[0][2]
    s = results.scaling
    bars(
        ax,
        ["workers=1", "workers=2"],
        [s["workers_1"]["rps"], s["workers_2"]["rps"]],
        [base_colour, service_colour],
        f"3. {s['cpu_seconds'] * 1000:g} ms CPU-bound analysis: answers/s (goal >= 1.7x)",
        "answers/s",
    )
    ax.axhline(1.7 * s["workers_1"]["rps"], color="#c53030", linestyle="--", linewidth=1, label="goal: 1.7x")
    ax.axhline(
        s["machine_ratio"] * s["workers_1"]["rps"],
        color="#2f855a",
        linestyle=":",
        linewidth=1.5,
        label=f"two plain processes: {s['machine_ratio']:.2f}x",
    )
    ax.legend(fontsize=8)

    ax = axes[1][0]
    lg = results.large
    bars(
        ax,
        ["service (default analysis)", "sha256sum"],
        [lg["service_mbps"], lg["sha256sum_mbps"]],
        [service_colour, base_colour],
        f"4. {lg['bytes'] / MIB:.0f} MiB sample: MB/s (goal >= 0.7x sha256sum)",
        "MB/s",
    )
    ax.axhline(0.7 * lg["sha256sum_mbps"], color="#c53030", linestyle="--", linewidth=1)

    ax = axes[1][1]
    bars(
        ax,
        list(lg["breakdown_mbps"]),
        list(lg["breakdown_mbps"].values()),
        [base_colour] * len(lg["breakdown_mbps"]),
        "4. each part of the default analysis alone: MB/s",
        "MB/s",
    )

    ax = axes[1][2]
    bars(
        ax,
        ["memory growth (MiB)", "bake (ms)"],
        [lg["memory_growth_mib"], results.bake["median_s"] * 1000],
        [service_colour, service_colour],
        "4. memory growth (goal < 64 MiB); 5. bake (goal < 500 ms)",
        "",
    )
    ax.plot([-0.4, 0.4], [64, 64], color="#c53030", linestyle="--", linewidth=1)
    ax.plot([0.6, 1.4], [500, 500], color="#c53030", linestyle="--", linewidth=1)

    figure.suptitle(
        f"Generated service against its baselines ({results.machine['cpus']} CPUs, {results.profile} run)",
        fontsize=12,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def summary(results: Results) -> str:
    lines = [f"benchmarks ({results.profile} run):"]
    for goal in results.goals:
        sign = ">=" if goal.higher_is_better else "<"
        verdict = "met" if goal.met else f"MISSED: {goal.shortfall()}"
        lines.append(
            f"  {goal.number}. {goal.title}: {goal.measured:.3g} {goal.unit} (goal {sign} {goal.target:g}) {verdict}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="every scenario at tiny sizes, in seconds (CI)")
    parser.add_argument(
        "--out", type=Path, help="where to write benchmarks.md and .png (default: docs/, or a temp dir with --smoke)"
    )
    args = parser.parse_args(argv)
    profile = SMOKE if args.smoke else FULL

    # A termination signal unwinds through the finally blocks, which stop every server by PID.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    workdir = Path(tempfile.mkdtemp(prefix="holmes-bench-"))
    # Bakes leave rendered hook scripts in $TMPDIR; bytecode must never land in the template.
    os.environ["TMPDIR"] = str(workdir)
    tempfile.tempdir = None
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    sys.dont_write_bytecode = True
    started = time.monotonic()
    try:
        bench = Bench(profile, workdir)
        bench.results.machine = machine()
        for scenario in (bench.overhead, bench.blocking, bench.scaling, bench.large, bench.bake):
            print(f"== {scenario.__name__} ==", flush=True)
            scenario()
        bench.results.machine["load_after"] = load_average()
        results = bench.results
        results.goals = evaluate(results)
        out = args.out or (workdir / "report" if args.smoke else DOCS)
        out.mkdir(parents=True, exist_ok=True)
        (out / "benchmarks.md").write_text(markdown(results))
        chart(results, out / "benchmarks.png")
        for report in (out / "benchmarks.md", out / "benchmarks.png"):
            if report.stat().st_size == 0:
                raise ScenarioBroken(f"{report} is empty")
    except ScenarioBroken as exc:
        print(f"benchmark FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(summary(results))
    elapsed = time.monotonic() - started
    if args.smoke and args.out is None:
        print(f"smoke run: every scenario ran and the report was written (then removed) in {elapsed:.0f} s")
    else:
        print(f"wrote {out / 'benchmarks.md'} and {out / 'benchmarks.png'} in {elapsed:.0f} s")
    if args.smoke:
        return 0
    return 0 if all(goal.met for goal in results.goals) else 3


if __name__ == "__main__":
    raise SystemExit(main())
