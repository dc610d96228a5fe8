"""Part 4: 64 kept-alive loopback connections for 30 s against the file service.

Each connection sends, one after the other, a mix of valid sample ids (200), unknown ids (404)
and hostile ids (400), as raw HTTP/1.1 on asyncio sockets. There must be no socket error and no
status other than the one each id calls for, and the memory of the service and its workers (RSS
from /proc) must grow less than 10 % between the first and the last 10 s.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

from hostile_service import LOOPBACK, RunningService, SampleArea

CONNECTIONS = 64
DURATION = 30.0
WINDOW = 10.0
MAX_GROWTH = 0.10
SAMPLE_EVERY = 0.25
ANSWER_TIMEOUT = 20.0

HOSTILE_IDS = [
    "../outside/secret.bin",
    "../../../../etc/passwd",
    "/etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "escape",
    "escape-absolute",
    "dirlink",
    "pipe",
    "folder",
    "name\x00.bin",
    "A" * 300,
    ".",
    "..",
]


@dataclass
class LoadFigures:
    requests: int = 0
    socket_errors: int = 0
    unexpected: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    memory: list[tuple[float, int]] = field(default_factory=list)  # (seconds since start, KiB)


def request_plan(area: SampleArea) -> list[tuple[str, bytes, int]]:
    """(kind, raw request, expected status), mixed so that every connection sees every kind."""
    plan = []
    valid = sorted(area.valid)
    unknown = [str(uuid.uuid4()) for _ in range(4)]
    for index in range(max(len(HOSTILE_IDS), 8)):
        name = valid[index % len(valid)]
        plan.append(("valid", _get(f"/analyze/?obj={quote_plus(name)}"), 200))
        plan.append(("valid", _get(f"/hashinfo/{quote(name, safe='')}"), 200))
        plan.append(("unknown", _get(f"/analyze/?obj={unknown[index % len(unknown)]}"), 404))
        hostile = HOSTILE_IDS[index % len(HOSTILE_IDS)]
        plan.append(("hostile", _get(f"/analyze/?obj={quote_plus(hostile)}"), 400))
    return plan


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {LOOPBACK}\r\nUser-Agent: hostile-load\r\n\r\n".encode()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split()[1])
    length = None
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise ConnectionError(f"an answer without Content-Length: {status_line!r}")
    return status, await reader.readexactly(length)


async def connection_loop(
    index: int, port: int, plan: list[tuple[str, bytes, int]], area: SampleArea, end: float, figures: LoadFigures
) -> None:
    position = index * 7
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while time.monotonic() < end:
        kind, request, expected = plan[position % len(plan)]
        position += 1
        try:
            if connection is None:
                connection = await asyncio.open_connection(LOOPBACK, port)
            reader, writer = connection
            writer.write(request)
            # Bounded: a stalled server shows up as errors, not as a hung test.
            status, body = await asyncio.wait_for(read_response(reader), ANSWER_TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError, TimeoutError):
            figures.socket_errors += 1
            if connection is not None:
                connection[1].close()
            connection = None
            continue
        figures.requests += 1
        figures.statuses[(kind, status)] += 1
        if status != expected:
            figures.unexpected[f"{kind} {status}: {body[:120]!r}"] += 1
        elif kind == "valid" and json.loads(body).get("sha256") not in area.valid_sha256:
            figures.unexpected[f"valid 200 with a wrong result: {body[:120]!r}"] += 1
    if connection is not None:
        connection[1].close()
        await connection[1].wait_closed()


async def sample_memory(service: RunningService, start: float, end: float, figures: LoadFigures) -> None:
    while (now := time.monotonic()) < end:
        figures.memory.append((now - start, service.total_rss_kib()))
        await asyncio.sleep(SAMPLE_EVERY)


async def run_load(service: RunningService, area: SampleArea) -> LoadFigures:
    figures = LoadFigures()
    plan = request_plan(area)
    start = time.monotonic()
    end = start + DURATION
    await asyncio.gather(
        sample_memory(service, start, end, figures),
        *(connection_loop(index, service.port, plan, area, end, figures) for index in range(CONNECTIONS)),
    )
    return figures


def test_sixty_four_connections_for_thirty_seconds(
    file_service: RunningService, sample_area: SampleArea, record_cases: Callable[..., None]
) -> None:
    figures = asyncio.run(run_load(file_service, sample_area))
    first = [kib for at, kib in figures.memory if at < WINDOW]
    last = [kib for at, kib in figures.memory if at >= DURATION - WINDOW]
    growth = (statistics.mean(last) - statistics.mean(first)) / statistics.mean(first)
    unexpected = sum(figures.unexpected.values())
    memory_failed = growth >= MAX_GROWTH
    note = (
        f"{figures.requests} requests in {DURATION:g} s on {CONNECTIONS} connections "
        f"({figures.requests / DURATION:.0f}/s): {figures.socket_errors} socket errors, {unexpected} unexpected "
        f"statuses; RSS of service + workers {statistics.mean(first) / 1024:.1f} MiB in the first {WINDOW:g} s, "
        f"{statistics.mean(last) / 1024:.1f} MiB in the last ({growth:+.1%})"
    )
    record_cases(figures.requests + figures.socket_errors, figures.socket_errors + unexpected + memory_failed, note)
    assert figures.socket_errors == 0
    assert not figures.unexpected, figures.unexpected.most_common(5)
    assert {kind for kind, _ in figures.statuses} == {"valid", "unknown", "hostile"}
    assert not memory_failed, f"memory grew {growth:.1%} between the first and the last {WINDOW:g} s"
    # The service is still healthy, with its workers, after the load.
    assert file_service.health()["ready"] == 2
