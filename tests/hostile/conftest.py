"""Hostile input and faults: baked services under attack, and the figures printed at the end.

Each test records how many hostile cases it tried and how many failed (``record_cases``); the
figures travel in the reports' user_properties, so they add up under pytest-xdist too, and
``pytest_terminal_summary`` prints them per part of the suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hostile_service import RunningService, SampleArea

ROOT = Path(__file__).resolve().parents[2]

# Test module -> part of issue 7 it covers.
PARTS = {
    "test_hostile_prompts.py": "1 prompts",
    "test_hostile_http.py": "2 HTTP (hypothesis)",
    "test_hostile_faults.py": "3 faults",
    "test_hostile_load.py": "4 load",
    "test_hostile_lifecycle.py": "5 lifecycle and config",
}

# An analysis that misbehaves as the first line of its sample says: what an author's buggy or
# hostile-input-triggered analysis really does, run by the real worker pool.
FAULTY_ANALYSIS = '''\
"""Analyses that fail on purpose, chosen by the first line of the sample."""

import ctypes
import os
import time


def analyze(sample, config):
    with sample.open() as stream:
        command = stream.read(64).split(b"\\n")[0].decode()
    if command == "raise":
        raise RuntimeError("the analysis hit a bug")
    if command == "exit":
        os._exit(7)
    if command == "segfault":
        ctypes.string_at(0)
    if command == "loop":
        while True:
            pass
    if command == "allocate":
        hoard = []
        while True:
            hoard.append(b"x" * (16 * 1024 * 1024))
    if command.startswith("sleep "):
        time.sleep(float(command.split()[1]))
    return {"command": command, "pid": os.getpid()}
'''


@dataclass
class PartFigures:
    cases: int = 0
    failures: int = 0
    passed: int = 0
    failed: int = 0
    modules: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


FIGURES: dict[str, PartFigures] = {}


@pytest.fixture
def record_cases(record_property: Callable[[str, object], None]) -> Callable[..., None]:
    """Record (cases tried, cases failed[, a note for the summary]) for this test; call it before asserting."""

    def record(cases: int, failures: int = 0, note: str = "") -> None:
        record_property("hostile_cases", cases)
        record_property("hostile_failures", failures)
        if note:
            record_property("hostile_note", note)

    return record


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    module = report.nodeid.split("::")[0].rsplit("/", 1)[-1]
    part = PARTS.get(module)
    if part is None or report.skipped:
        return
    if report.when != "call" and report.passed:
        return
    figures = FIGURES.setdefault(part, PartFigures())
    figures.modules.add(module)
    properties = dict(report.user_properties)
    cases = int(properties.get("hostile_cases", 1))
    failures = int(properties.get("hostile_failures", 0))
    if report.failed:
        figures.failed += 1
        failures = max(failures, 1)
    elif report.when == "call":
        figures.passed += 1
    figures.cases += cases
    figures.failures += failures
    if properties.get("hostile_note"):
        figures.notes.append(str(properties["hostile_note"]))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.write_sep("=", "hostile input and faults: figures")
    total_cases = total_failures = 0
    for part in sorted(FIGURES):
        figures = FIGURES[part]
        total_cases += figures.cases
        total_failures += figures.failures
        terminalreporter.write_line(
            f"part {part:<24} {figures.cases:>7} cases tried, {figures.failures} failed"
            f"   (tests {figures.passed} passed, {figures.failed} failed; {', '.join(sorted(figures.modules))})"
        )
        for note in figures.notes:
            terminalreporter.write_line(f"    {note}")
    terminalreporter.write_line(f"{'all parts':<29} {total_cases:>7} cases tried, {total_failures} failed")


# -- bakes and samples (for the whole session), running services (per module, so that none
# idles through the rest of the test run) ----------------------------------------------------


@pytest.fixture(scope="session")
def hostile_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def bake(root: Path, **answers: str) -> Path:
    """``cookiecutter --no-input`` as a user runs it; the generated service's directory."""
    output = root / f"bake-{uuid.uuid4().hex[:8]}"
    scratch = root / "cookiecutter-tmp"
    scratch.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "cookiecutter", "--no-input", str(ROOT), "-o", str(output)]
    command += [f"{key}={value}" for key, value in answers.items()]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    (directory,) = output.iterdir()
    return directory


@pytest.fixture(scope="session")
def sample_area(hostile_root: Path) -> SampleArea:
    area = hostile_root / "area"
    sample_dir = area / "samples"
    outside = area / "outside"
    sample_dir.mkdir(parents=True)
    outside.mkdir()
    secret = f"HOLMES-SECRET-{uuid.uuid4().hex}".encode()
    secret_path = outside / "secret.bin"
    secret_path.write_bytes(secret)
    valid = {
        str(uuid.uuid4()): os.urandom(4096),
        str(uuid.uuid4()): b"MZ" + bytes(range(256)) * 8,
        "plain-name_1.bin": b"%PDF-1.7\n" + os.urandom(512),
    }
    for name, content in valid.items():
        (sample_dir / name).write_bytes(content)
    # Traps: each names something inside sample_dir that leads outside it or is not a file.
    (sample_dir / "escape").symlink_to("../outside/secret.bin")
    (sample_dir / "escape-absolute").symlink_to(secret_path)
    (sample_dir / "dirlink").symlink_to(outside)
    os.mkfifo(sample_dir / "pipe")
    (sample_dir / "folder").mkdir()
    (sample_dir / "folder" / "inner").write_bytes(secret)
    traps = ("escape", "escape-absolute", "dirlink", "pipe", "folder")
    return SampleArea(sample_dir, valid, secret_path, secret, traps)


@pytest.fixture(scope="session")
def file_bake(hostile_root: Path) -> Path:
    return bake(hostile_root, service_name="hashinfo", input_kind="file")


@pytest.fixture(scope="session")
def object_bake(hostile_root: Path) -> Path:
    return bake(hostile_root, service_name="objinfo", input_kind="object")


@pytest.fixture(scope="session")
def faulty_bake(hostile_root: Path) -> Path:
    """A file service whose analysis.py fails on demand (the author's one file, replaced)."""
    directory = bake(hostile_root, service_name="faultlab", input_kind="file")
    (directory / "analysis.py").write_text(FAULTY_ANALYSIS)
    return directory


@pytest.fixture(scope="session")
def fault_samples(hostile_root: Path) -> Path:
    """Samples whose first line tells the faulty analysis what to do."""
    directory = hostile_root / "fault-samples"
    directory.mkdir()
    for command in ("raise", "exit", "segfault", "loop", "allocate", "normal", "sleep 1.5"):
        (directory / command.replace(" ", "-")).write_text(command + "\n")
    return directory


@pytest.fixture(scope="module")
def file_service(file_bake: Path, sample_area: SampleArea, hostile_root: Path) -> Iterator[RunningService]:
    # max_pending covers the load test's 64 connections: saturation (503) is not what it measures.
    service = RunningService(
        file_bake,
        hostile_root / "file-service.log",
        sample_dir=sample_area.sample_dir,
        workers=2,
        max_pending=64,
        timeout=20,
    ).start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def object_service(object_bake: Path, sample_area: SampleArea, hostile_root: Path) -> Iterator[RunningService]:
    service = RunningService(
        object_bake, hostile_root / "object-service.log", sample_dir=sample_area.sample_dir, workers=1, timeout=20
    ).start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def fault_service(faulty_bake: Path, fault_samples: Path, hostile_root: Path) -> Iterator[RunningService]:
    service = RunningService(
        faulty_bake,
        hostile_root / "fault-service.log",
        sample_dir=fault_samples,
        workers=2,
        timeout=2,
        memory_limit_mb=256,
    ).start()
    yield service
    service.stop()


@pytest.fixture
def private_copy(tmp_path: Path) -> Callable[[Path], Path]:
    """A copy of a bake of its own, for tests that stop, break or reconfigure a service."""

    def copy(directory: Path) -> Path:
        target = tmp_path / directory.name
        shutil.copytree(directory, target, symlinks=True)
        return target

    return copy
