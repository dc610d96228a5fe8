"""Benchmark variant of analysis.py: next to no work, so a request measures the service's overhead."""

from __future__ import annotations

from typing import Any

from holmeslibrary import Sample


def analyze(sample: Sample, config: dict[str, Any]) -> dict[str, Any]:
    """The sample's name and size, which the worker already knows: no read of the file."""
    return {"name": sample.name, "size": sample.size}
