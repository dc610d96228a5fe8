"""Helpers for the pool tests: fault analyses in analyses/, samples that pick the fault."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from holmeslibrary.pool import WorkerPool

ANALYSES = Path(__file__).resolve().parent / "analyses"
T = TypeVar("T")


def pool_setup(sample_dir: Path, **overrides: Any) -> dict[str, Any]:
    setup = {
        "input_kind": "file",
        "sample_dir": str(sample_dir),
        "max_sample_size": 1024 * 1024,
        "allow_private_addresses": False,
        "memory_limit_mb": 0,
        "log_level": "WARNING",
        "section": {},
        "module_dir": str(ANALYSES),
        "module": "faults",
        "function": "analyze",
        "service": {"service": "unittest", "version": "0"},
    }
    setup.update(overrides)
    return setup


def run(factory: Callable[[], Awaitable[T]], timeout: float = 60) -> T:
    """Run one coroutine on a fresh event loop, bounded in time."""

    async def bounded() -> T:
        return await asyncio.wait_for(factory(), timeout)

    return asyncio.run(bounded())


def fault_samples(directory: Path) -> Path:
    """One sample per fault; analyses/faults.py reads the fault from the sample's name."""
    directory.mkdir()
    for name in (
        "ok-1", "ok-2", "ok-3", "ok-4", "slow-1", "slow-2", "slow-3", "slow-4", "hang-1", "raise-1",
        "unsupported-1", "exit-1", "segfault-1", "hog-1", "print-1", "notdict-1", "notjson-1", "nan-1",
    ):  # fmt: skip
        (directory / name).write_bytes(b"MZ" + name.encode())
    return directory


def make_pool(
    sample_dir: Path, *, size: int = 1, timeout: float = 10, max_pending: int = 8, **setup: Any
) -> WorkerPool:
    return WorkerPool(pool_setup(sample_dir, **setup), size=size, timeout=timeout, max_pending=max_pending)
