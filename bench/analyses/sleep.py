"""Benchmark variant of analysis.py: waits ``config["seconds"]`` (a slow external tool, say)."""

from __future__ import annotations

import time
from typing import Any

from holmeslibrary import Sample


def analyze(sample: Sample, config: dict[str, Any]) -> dict[str, Any]:
    """Sleep without using the CPU, like an analysis waiting on a tool or a disk."""
    seconds = float(config["seconds"])
    time.sleep(seconds)
    return {"name": sample.name, "slept": seconds}
