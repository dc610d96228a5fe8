"""holmeslibrary driven through a baked service: slow, hung, crashing and segfaulting analyses,
saturation, and a clean stop with analyses in flight (issue: runtime)."""

from __future__ import annotations

import shutil
import signal
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from running import Response, RunningService, bake

FAULTS = Path(__file__).resolve().parent / "unit" / "analyses" / "faults.py"
SAMPLES = ("ok-1", "slow-1", "slow-2", "slow-3", "slow-4", "hang-1", "hang-2", "raise-1", "exit-1", "segfault-1")


@pytest.fixture(scope="module")
def fault_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default bake with analysis.py replaced by one that misbehaves on request."""
    project = bake(tmp_path_factory.mktemp("bake"))
    shutil.copy(FAULTS, project / "analysis.py")
    return project


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    directory = tmp_path / "samples"
    directory.mkdir()
    for name in SAMPLES:
        (directory / name).write_bytes(b"MZ" + name.encode())
    return directory


def in_background(service: RunningService, path: str) -> tuple[threading.Thread, list[Response]]:
    replies: list[Response] = []
    thread = threading.Thread(target=lambda: replies.append(service.get(path)))
    thread.start()
    return thread, replies


def wait_until_busy(service: RunningService, busy: int) -> None:
    for _ in range(200):
        if service.get("/health").json()["workers"]["busy"] >= busy:
            return
        time.sleep(0.01)
    raise AssertionError(f"workers never became busy: {service.get('/health').json()}")


def median_latency(service: RunningService, path: str, count: int = 20) -> float:
    return statistics.median(service.get(path).elapsed for _ in range(count))


@pytest.fixture
def hung_service(fault_service: Path, samples: Path) -> Iterator[RunningService]:
    with RunningService(fault_service, samples, workers=2, timeout=2) as service:
        yield service


def test_hung_analyses_get_504_while_health_stays_fast(hung_service: RunningService) -> None:
    service = hung_service
    stuck = [in_background(service, f"/analyze/?obj=hang-{n}") for n in (1, 2)]
    wait_until_busy(service, 2)
    # Every worker is stuck; the IOLoop is not, so / and /health still answer at once.
    assert median_latency(service, "/health") < 0.05
    assert median_latency(service, "/") < 0.05
    for thread, replies in stuck:
        thread.join(10)
        assert replies[0].status == 504
        assert replies[0].json()["error"]["type"] == "AnalysisTimeout"
    assert service.get("/analyze/?obj=ok-1").status == 200
    health = service.get("/health").json()
    assert health["workers"]["restarts"] == 2 and health["status"] == "ok"


@pytest.mark.parametrize(("sample", "message"), [("segfault-1", "SIGSEGV"), ("exit-1", "exit code 3")])
def test_a_dying_worker_gives_500_and_is_replaced(
    fault_service: Path, samples: Path, sample: str, message: str
) -> None:
    with RunningService(fault_service, samples, workers=1, timeout=5) as service:
        before = service.worker_pids()
        reply = service.get(f"/analyze/?obj={sample}")
        assert reply.status == 500
        assert message in reply.json()["error"]["message"]
        assert service.get("/analyze/?obj=ok-1").status == 200
        assert len(service.worker_pids()) == 1 and service.worker_pids() != before


def test_an_exception_is_a_500_that_leaks_no_detail(fault_service: Path, samples: Path) -> None:
    with RunningService(fault_service, samples, workers=1) as service:
        reply = service.get("/analyze/?obj=raise-1")
        assert reply.status == 500
        assert reply.json() == {"error": {"type": "AnalysisFailed", "message": "the analysis raised ValueError"}}
        assert "Traceback" in service.log()  # for the operator, not the caller


def test_saturation_is_503_with_retry_after(fault_service: Path, samples: Path) -> None:
    with RunningService(fault_service, samples, workers=1, max_pending=0, timeout=5) as service:
        running = in_background(service, "/analyze/?obj=slow-1")
        wait_until_busy(service, 1)
        refused = service.get("/analyze/?obj=slow-2")
        assert refused.status == 503 and refused.headers["Retry-After"] == "1"
        running[0].join(10)
        assert running[1][0].status == 200


def test_sigterm_lets_in_flight_analyses_finish_and_exits_0(fault_service: Path, samples: Path) -> None:
    service = RunningService(fault_service, samples, workers=2, timeout=10, grace_period=10)
    with service:
        in_flight = [in_background(service, f"/analyze/?obj=slow-{n}") for n in (1, 2, 3, 4)]
        wait_until_busy(service, 2)
        assert service.process is not None
        service.process.send_signal(signal.SIGTERM)
        for thread, _ in in_flight:
            thread.join(15)
        assert [replies[0].status for _, replies in in_flight] == [200] * 4
        assert service.process.wait(15) == 0


def test_an_idle_service_stops_at_once(fault_service: Path, samples: Path) -> None:
    with RunningService(fault_service, samples, workers=2) as service:
        assert service.process is not None
        started = time.monotonic()
        service.process.send_signal(signal.SIGTERM)
        assert service.process.wait(10) == 0
        stopped_after = time.monotonic() - started
    assert stopped_after < 1.0, f"idle stop took {stopped_after:.2f} s"
    assert "stopped" in service.log()
