"""A small HTTP/1.1 load generator: keep-alive connections to one loopback server, latencies.

Run as its own process (``python bench/loadgen.py SPEC-JSON``) so that it never shares an
interpreter lock with the server it measures. SPEC is a JSON object:

    {"port": 8080, "duration": 10, "warmup": 2,
     "groups": [{"name": "analyze", "path": "/analyze/?obj=x", "connections": 16, "pause": 0}]}

Every connection of a group sends GET path, reads the whole answer, waits ``pause`` seconds and
sends the next, until ``warmup + duration`` seconds have passed; answers to requests sent during
the warm-up are not counted. A group with ``"after_warmup": true`` sends nothing before then.
It prints one JSON object: per group the number of answers by status, failures (connection
errors, malformed answers), answers per second, latency percentiles in milliseconds and the
generator's own CPU time per answer.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"  # loopback only, whatever the spec says


@dataclass
class GroupStats:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    total: int = 0  # answers including the warm-up, to divide the server's CPU time by

    def summary(self, duration: float) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        return {
            "answers": len(ordered),
            "total_answers": self.total,
            "statuses": self.statuses,
            "failures": len(self.failures),
            "first_failures": self.failures[:3],
            "rps": len(ordered) / duration if duration > 0 else 0.0,
            "p50_ms": percentile(ordered, 50) * 1000,
            "p99_ms": percentile(ordered, 99) * 1000,
            "max_ms": (ordered[-1] if ordered else 0.0) * 1000,
        }


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty one)."""
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


class Exchange(asyncio.Protocol):
    """One keep-alive connection: a request, then its whole answer, then the next request."""

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future[int] | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def send(self) -> asyncio.Future[int]:
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.buffer.clear()
        self.transport.write(self.request)
        return self.answer

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.answer is None or self.answer.done():
            return
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        try:
            status = int(head[0].split(" ", 2)[1])
            length = next(int(line.split(":", 1)[1]) for line in head[1:] if line.lower().startswith("content-length:"))
        except (IndexError, ValueError, StopIteration):
            self.answer.set_exception(ValueError(f"malformed answer: {head[0][:80]!r}"))
            return
        if len(self.buffer) >= end + 4 + length:
            self.answer.set_result(status)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(ConnectionError(f"connection closed: {exc}"))
        if not self.closed.done():
            self.closed.set_result(None)


async def drive(port: int, group: dict[str, Any], stats: GroupStats, counted_from: float, until: float) -> None:
    """One connection of a group; reconnects after a failure so that one error is one error."""
    loop = asyncio.get_running_loop()
    request = f"GET {group['path']} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: keep-alive\r\n\r\n".encode()
    pause = float(group.get("pause", 0))
    if group.get("after_warmup"):
        # A probe sent during the warm-up and answered late would be neither counted nor followed
        # by another before the end: start at the window, so that its first answer always counts.
        await asyncio.sleep(max(0.0, counted_from - time.monotonic()))
    while time.monotonic() < until:
        try:
            _, exchange = await loop.create_connection(lambda: Exchange(request), HOST, port)
        except OSError as exc:
            stats.failures.append(f"connect: {exc}")
            await asyncio.sleep(0.05)
            continue
        try:
            while time.monotonic() < until:
                sent = time.monotonic()
                status = await exchange.send()
                done = time.monotonic()
                stats.total += 1
                if sent >= counted_from:
                    stats.latencies.append(done - sent)
                    stats.statuses[str(status)] = stats.statuses.get(str(status), 0) + 1
                if pause:
                    await asyncio.sleep(pause)
        except (ConnectionError, ValueError) as exc:
            if time.monotonic() >= counted_from:
                stats.failures.append(str(exc))
            await asyncio.sleep(0.05)
        finally:
            assert exchange.transport is not None
            exchange.transport.close()


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    port = int(spec["port"])
    duration = float(spec["duration"])
    warmup = float(spec.get("warmup", 0))
    cpu_started = time.process_time()
    start = time.monotonic()
    counted_from = start + warmup
    until = counted_from + duration
    results = {group["name"]: GroupStats(group["name"]) for group in spec["groups"]}
    tasks = [
        drive(port, group, results[group["name"]], counted_from, until)
        for group in spec["groups"]
        for _ in range(int(group["connections"]))
    ]
    await asyncio.gather(*tasks)
    # Requests still in flight at the end are awaited, so the counted window is warmup..until.
    summaries = {name: stats.summary(duration) for name, stats in results.items()}
    # The generator's own CPU time, interpreter start excluded, shared out by answers.
    cpu = time.process_time() - cpu_started
    answers = sum(stats.total for stats in results.values())
    for summary in summaries.values():
        summary["client_cpu_ms_per_request"] = cpu / answers * 1000 if answers else 0.0
    return summaries


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: loadgen.py SPEC-JSON", file=sys.stderr)
        return 2
    print(json.dumps(asyncio.run(run(json.loads(argv[0])))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
