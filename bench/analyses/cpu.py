"""Benchmark variant of analysis.py: ``config["cpu_seconds"]`` of pure-Python computation."""

from __future__ import annotations

import time
from typing import Any

from holmeslibrary import Sample


def analyze(sample: Sample, config: dict[str, Any]) -> dict[str, Any]:
    """Compute until this process has used cpu_seconds of CPU time.

    Counting CPU time rather than wall time makes every analysis the same amount of work, even
    when the machine is shared and the worker is descheduled now and then.
    """
    budget = float(config["cpu_seconds"])
    started = time.process_time()
    rounds = 0
    checksum = 0
    while time.process_time() - started < budget:
        for value in range(2000):
            checksum = (checksum * 31 + value) % 1_000_003
        rounds += 1
    return {"name": sample.name, "rounds": rounds, "checksum": checksum}
