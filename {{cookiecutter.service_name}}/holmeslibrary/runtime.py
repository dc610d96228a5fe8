"""Run a service: load its config, start its workers, serve HTTP, stop cleanly; or analyse once.

``python service.py`` (or ``serve``) starts the server; ``python service.py analyze X`` prints
the result for X without a server. SIGTERM and SIGINT stop accepting connections, let running
analyses finish for up to ``grace_period`` seconds, stop the workers and exit 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.web

from .config import ConfigError, ServiceConfig
from .errors import ServiceRequestError
from .logs import configure_logging
from .objects import classify_object
from .pool import WorkerPool, WorkerStartError
from .samples import resolve_sample

log = logging.getLogger("holmeslibrary.runtime")


@dataclass(frozen=True)
class ServiceInfo:
    """What a service is: shown on its info page, in its logs and in its Totem wiring."""

    name: str
    version: str
    description: str
    license: str
    author: str
    input_kind: str  # "file" or "object"
    route: str
    port: int
    directory: str  # where service.py, analysis.py and service.conf live

    def describe(self) -> dict[str, str]:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "license": self.license,
            "author": self.author,
            "input": "sample id" if self.input_kind == "file" else "IP address, domain, e-mail address or URL",
        }


class Runtime:
    """The running service: its info, its config and its worker pool, shared by the handlers."""

    def __init__(self, info: ServiceInfo, config: ServiceConfig, pool: WorkerPool) -> None:
        self.info = info
        self.config = config
        self.pool = pool
        self.requests_in_flight = 0
        # Called with (handler, status, seconds) for every finished request, e.g. by metrics.
        self.request_observers: list[Callable[[tornado.web.RequestHandler, int, float], None]] = []
        self._drained = asyncio.Event()
        self._drained.set()

    async def analyze(self, obj: str, log_fields: dict[str, Any] | None = None) -> dict[str, Any]:
        """Check obj here (cheap, no worker needed for a bad one), then analyse it in a worker."""
        fields = log_fields if log_fields is not None else {}
        settings = self.config.settings
        if self.info.input_kind == "file":
            fields["sample_size"] = resolve_sample(settings.sample_dir, obj, settings.max_sample_size)
        else:
            fields["object_kind"] = classify_object(obj, allow_private=settings.allow_private_addresses).kind
        return await self.pool.submit(obj)

    def on_request_done(self) -> None:
        if self.requests_in_flight == 0:
            self._drained.set()

    def observe_request(self, handler: tornado.web.RequestHandler, status: int, seconds: float) -> None:
        """Called once per finished request (by web.log_request); passes it to every observer."""
        for observer in self.request_observers:
            observer(handler, status, seconds)

    async def drained(self, timeout: float) -> bool:
        """Wait until no analysis request is in flight; False if ``timeout`` passed first."""
        if self.requests_in_flight == 0:
            return True
        self._drained.clear()
        try:
            await asyncio.wait_for(self._drained.wait(), timeout)
        except TimeoutError:
            return False
        return True


def worker_setup(info: ServiceInfo, config: ServiceConfig) -> dict[str, Any]:
    settings = config.settings
    return {
        "input_kind": info.input_kind,
        "sample_dir": settings.sample_dir,
        "max_sample_size": settings.max_sample_size,
        "allow_private_addresses": settings.allow_private_addresses,
        "memory_limit_mb": settings.memory_limit_mb,
        "log_level": settings.log_level,
        "section": config.section,
        "module_dir": info.directory,
        "module": "analysis",
        "function": "analyze",
        "service": {"service": info.name, "version": info.version},
    }


def load_config(info: ServiceInfo, path: str | None) -> ServiceConfig:
    conf = path or os.environ.get("HOLMES_CONFIG") or str(Path(info.directory) / "service.conf")
    return ServiceConfig.load(conf, info.name, defaults={"httpbinding": info.port})


def make_pool(info: ServiceInfo, config: ServiceConfig, size: int | None = None) -> WorkerPool:
    settings = config.settings
    return WorkerPool(
        worker_setup(info, config),
        size=size or settings.worker_count,
        timeout=settings.timeout,
        max_pending=settings.max_pending,
    )


AppFactory = Callable[[Runtime], tornado.web.Application]


async def serve(info: ServiceInfo, config: ServiceConfig, make_app: AppFactory) -> int:
    settings = config.settings
    pool = make_pool(info, config)
    await pool.start()
    runtime = Runtime(info, config, pool)
    server = tornado.httpserver.HTTPServer(make_app(runtime), idle_connection_timeout=60)
    try:
        server.listen(settings.httpbinding, settings.address)
    except OSError as exc:
        await pool.close()
        raise ConfigError(f"cannot listen on port {settings.httpbinding}: {exc.strerror}") from None

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info(
        "listening",
        extra={
            "address": settings.address or "*",
            "port": settings.httpbinding,
            "workers": pool.size,
            "sample_dir": settings.sample_dir,
        },
    )
    await stop.wait()

    log.info("stopping", extra={"in_flight": runtime.requests_in_flight, "grace_period": settings.grace_period})
    server.stop()
    if not await runtime.drained(settings.grace_period):
        log.warning("grace period over with requests in flight", extra={"in_flight": runtime.requests_in_flight})
    await pool.close()
    await asyncio.wait_for(server.close_all_connections(), 1.0)
    log.info("stopped")
    return 0


async def analyze_once(info: ServiceInfo, config: ServiceConfig, target: str) -> dict[str, Any]:
    """Analyse one file or object without a server, with the same checks and limits."""
    obj = target
    if info.input_kind == "file":
        # The file's own directory plays the sample directory, with all the usual checks.
        path = Path(target)
        obj = path.name
        config = replace(config, settings=replace(config.settings, sample_dir=str(path.parent.resolve())))
    pool = make_pool(info, config, size=1)
    await pool.start()
    try:
        return await Runtime(info, config, pool).analyze(obj)
    finally:
        await pool.close()


def main(
    info: ServiceInfo,
    make_app: AppFactory,
    argv: list[str] | None = None,
) -> int:
    """The command line of a service: ``serve`` (the default) or ``analyze FILE-OR-OBJECT``."""
    parser = argparse.ArgumentParser(prog="service.py", description=f"{info.name}: {info.description}")
    parser.add_argument("--config", help="service.conf to use (default: beside service.py, or $HOLMES_CONFIG)")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="start the HTTP service (the default)")
    once = commands.add_parser("analyze", help="analyse one sample or object and print the JSON result")
    once.add_argument("target", help="a file path" if info.input_kind == "file" else "an IP, domain, e-mail or URL")
    args = parser.parse_args(argv)

    try:
        config = load_config(info, args.config)
    except ConfigError as exc:
        print(f"{info.name}: cannot start: {exc}", file=sys.stderr)
        return 2
    configure_logging(config.settings.log_level, service={"service": info.name, "version": info.version})

    if args.command == "analyze":
        try:
            result = asyncio.run(analyze_once(info, config, args.target))
        except ServiceRequestError as exc:
            print(json.dumps({**exc.to_dict(), "status": exc.status}), file=sys.stderr)
            return 1
        except WorkerStartError as exc:
            print(f"{info.name}: cannot start: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(result, indent=2))
        return 0

    try:
        return asyncio.run(serve(info, config, make_app))
    except (ConfigError, WorkerStartError) as exc:
        print(f"{info.name}: cannot start: {exc}", file=sys.stderr)
        return 2
