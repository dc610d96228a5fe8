"""The worker pool: results, every kind of fault, deadlines, saturation and clean shutdown."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from helpers import fault_samples, make_pool, run

from holmeslibrary.errors import AnalysisFailed, AnalysisTimeout, ServiceBusy, UnsupportedSample
from holmeslibrary.pool import WorkerStartError


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    return fault_samples(tmp_path / "samples")


def child_pids(pid: int) -> set[int]:
    """Live (non-zombie) children of pid, read from /proc."""
    children = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            if Path(f"/proc/{child}/stat").read_text().split(")")[-1].split()[0] != "Z":
                children.add(int(child))
    return children


def zombies(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            stat = Path(f"/proc/{child}/stat")
            if stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z":
                found.add(int(child))
    return found


async def settle_children(pool_pids: list[int], expected: int) -> None:
    """Wait (bounded) until the pool's replacement workers are running and old ones reaped."""
    for _ in range(400):
        if len(child_pids(os.getpid())) == expected and not zombies(os.getpid()):
            return
        await asyncio.sleep(0.01)


def test_result_comes_back_with_the_services_config(sample_dir: Path) -> None:
    async def scenario() -> dict:
        pool = make_pool(sample_dir, section={"key": "value"})
        await pool.start()
        try:
            return await pool.submit("ok-1")
        finally:
            await pool.close()

    result = run(scenario)
    assert result == {"size": 6, "head": b"MZok-1".hex(), "config": {"key": "value"}}


@pytest.mark.parametrize(
    ("sample", "error", "message"),
    [
        ("raise-1", AnalysisFailed, "the analysis raised ValueError"),
        ("unsupported-1", UnsupportedSample, "not a PE file"),
        ("exit-1", AnalysisFailed, "the analysis worker died (exit code 3)"),
        ("segfault-1", AnalysisFailed, "the analysis worker died (killed by SIGSEGV)"),
        ("notdict-1", AnalysisFailed, "analyze returned list, not a dict"),
        ("notjson-1", AnalysisFailed, "analyze returned a value that is not JSON"),
        ("nan-1", AnalysisFailed, "analyze returned a value that is not JSON"),
    ],
)
def test_a_fault_gives_its_error_and_the_next_request_succeeds(
    sample_dir: Path, sample: str, error: type, message: str
) -> None:
    async def scenario() -> None:
        pool = make_pool(sample_dir)
        await pool.start()
        try:
            with pytest.raises(error) as caught:
                await pool.submit(sample)
            assert caught.value.message.startswith(message)
            assert "/etc/host-path" not in caught.value.message
            assert (await pool.submit("ok-2"))["size"] == 6
            await settle_children(pool.worker_pids(), 1)
            assert child_pids(os.getpid()) == set(pool.worker_pids())
            assert not zombies(os.getpid())
        finally:
            await pool.close()

    run(scenario)


def test_a_hung_analysis_is_killed_at_the_deadline_and_replaced(sample_dir: Path) -> None:
    async def scenario() -> None:
        pool = make_pool(sample_dir, timeout=0.5)
        await pool.start()
        try:
            stuck = pool.worker_pids()
            started = time.monotonic()
            with pytest.raises(AnalysisTimeout):
                await pool.submit("hang-1")
            assert time.monotonic() - started >= 0.5
            assert (await pool.submit("ok-1"))["size"] == 6
            assert pool.worker_pids() != stuck
            assert pool.stats()["restarts"] == 1
            await settle_children(pool.worker_pids(), 1)
            assert not zombies(os.getpid())
        finally:
            await pool.close()

    run(scenario)


def test_unbounded_allocation_under_the_memory_limit_fails_cleanly(sample_dir: Path) -> None:
    async def scenario() -> None:
        pool = make_pool(sample_dir, memory_limit_mb=512)
        await pool.start()
        try:
            with pytest.raises(AnalysisFailed, match="out of memory"):
                await pool.submit("hog-1")
            assert (await pool.submit("ok-1"))["size"] == 6
        finally:
            await pool.close()

    run(scenario)


def test_stray_prints_do_not_corrupt_the_protocol(sample_dir: Path) -> None:
    async def scenario() -> dict:
        pool = make_pool(sample_dir)
        await pool.start()
        try:
            return await pool.submit("print-1")
        finally:
            await pool.close()

    assert run(scenario) == {"printed": True}


def test_workers_run_analyses_in_parallel(sample_dir: Path) -> None:
    async def scenario() -> float:
        pool = make_pool(sample_dir, size=2, section={"slow_seconds": 0.5})
        await pool.start()
        try:
            started = time.monotonic()
            await asyncio.gather(pool.submit("slow-1"), pool.submit("slow-2"))
            return time.monotonic() - started
        finally:
            await pool.close()

    # Two 0.5 s analyses on two workers overlap; one after the other would take 1 s or more.
    assert run(scenario) < 0.95


def test_saturation_refuses_at_once_with_503(sample_dir: Path) -> None:
    async def scenario() -> None:
        pool = make_pool(sample_dir, size=1, max_pending=1, section={"slow_seconds": 0.5})
        await pool.start()
        try:
            running = pool.submit("slow-1")
            waiting = pool.submit("slow-2")
            with pytest.raises(ServiceBusy) as refused:
                pool.submit("slow-3")
            assert refused.value.status == 503 and refused.value.retry_after
            assert pool.stats()["busy"] == 1 and pool.stats()["waiting"] == 1
            assert await running == {"slept": True}
            assert await waiting == {"slept": True}
        finally:
            await pool.close()

    run(scenario)


def test_close_lets_running_analyses_finish_within_the_grace_period(sample_dir: Path) -> None:
    async def scenario() -> None:
        pool = make_pool(sample_dir, size=2, section={"slow_seconds": 0.3})
        await pool.start()
        jobs = [pool.submit(name) for name in ("slow-1", "slow-2", "slow-3", "slow-4")]
        await pool.close(grace=10)
        assert [await job for job in jobs] == [{"slept": True}] * 4
        with pytest.raises(ServiceBusy):
            pool.submit("ok-1")
        assert not child_pids(os.getpid())

    run(scenario)


def test_close_of_an_idle_pool_is_quick_and_leaves_no_process(sample_dir: Path) -> None:
    async def scenario() -> None:
        pool = make_pool(sample_dir, size=2)
        await pool.start()
        assert len(child_pids(os.getpid())) == 2
        await pool.close(grace=10)
        assert not child_pids(os.getpid())
        assert not zombies(os.getpid())

    run(scenario, timeout=5)


def test_an_analysis_that_cannot_be_imported_stops_the_start(sample_dir: Path) -> None:
    async def scenario() -> None:
        pool = make_pool(sample_dir, size=2, module="broken_import")
        with pytest.raises(WorkerStartError, match="a dependency of this analysis is missing"):
            await pool.start()
        assert not child_pids(os.getpid())

    run(scenario)


def test_a_replacement_that_cannot_load_fails_fast_instead_of_hanging(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario() -> None:
        pool = make_pool(sample_dir, timeout=0.3, module="breakable")
        await pool.start()
        try:
            monkeypatch.setenv("BREAK_ANALYSIS_IMPORT", "1")
            with pytest.raises(AnalysisTimeout):
                await pool.submit("hang-1")
            for _ in range(300):
                if pool.fatal:
                    break
                await asyncio.sleep(0.01)
            assert not pool.can_serve()
            with pytest.raises(AnalysisFailed, match="cannot be loaded"):
                pool.submit("ok-1")
        finally:
            await pool.close()
        assert not child_pids(os.getpid())

    run(scenario)
