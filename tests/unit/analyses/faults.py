"""Analyses that misbehave in every way a real one can; the name of the sample picks the fault."""

from __future__ import annotations

import ctypes
import os
import sys
import time
from typing import Any

from holmeslibrary import UnsupportedSample


def analyze(sample: Any, config: dict[str, Any]) -> Any:
    behaviour = sample.name.split("-")[0]
    if behaviour == "ok":
        with sample.open() as stream:
            return {"size": sample.size, "head": stream.read(16).hex(), "config": config}
    if behaviour == "slow":
        time.sleep(float(config.get("slow_seconds", 0.5)))
        return {"slept": True}
    if behaviour == "hang":
        while True:
            time.sleep(0.01)
    if behaviour == "raise":
        raise ValueError("secret detail /etc/host-path that must not leak")
    if behaviour == "unsupported":
        raise UnsupportedSample("not a PE file")
    if behaviour == "exit":
        os._exit(3)
    if behaviour == "segfault":
        ctypes.string_at(0)
    if behaviour == "hog":
        hoard = []
        while True:
            hoard.append(bytearray(64 * 1024 * 1024))
    if behaviour == "print":
        print("stray output on stdout")
        sys.stdout.flush()
        os.write(1, b"raw bytes on fd 1\n")
        return {"printed": True}
    if behaviour == "notdict":
        return ["a", "list"]
    if behaviour == "notjson":
        return {"value": object()}
    if behaviour == "nan":
        return {"value": float("nan")}
    raise AssertionError(f"unknown behaviour {behaviour}")
