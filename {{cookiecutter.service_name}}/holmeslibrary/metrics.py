"""Prometheus metrics on ``/metrics``: requests by outcome, latency, analyses in flight, workers.

A service generated with ``metrics=yes`` routes ``/metrics`` to MetricsHandler with a
ServiceMetrics of its runtime; with ``metrics=no`` this file and prometheus-client are left out.
The worker pool's figures are read when Prometheus scrapes, so they are never stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import tornado.web
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from .openapi import OpenAPIHandler
from .web import AnalysisHandler, HealthHandler, InfoHandler, JsonHandler, NotFoundHandler

if TYPE_CHECKING:
    from .runtime import Runtime

# Seconds, from a cheap hash of a small sample to the minutes operators allow slow analyses.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class MetricsHandler(JsonHandler):
    """``/metrics``: the service's metrics in Prometheus' text format (OpenMetrics if asked)."""

    def initialize(self, metrics: ServiceMetrics) -> None:  # type: ignore[override]
        super().initialize()
        self.metrics = metrics

    def get(self) -> None:
        encode, content_type = choose_encoder(self.request.headers.get("Accept", ""))
        self.set_header("Content-Type", content_type)
        self.finish(encode(self.metrics.registry))


# Endpoint label of each handler; an author's handler subclasses get its parent's label.
ENDPOINTS: tuple[tuple[type[tornado.web.RequestHandler], str], ...] = (
    (AnalysisHandler, "analyze"),
    (InfoHandler, "info"),
    (HealthHandler, "health"),
    (MetricsHandler, "metrics"),
    (OpenAPIHandler, "openapi"),
    (NotFoundHandler, "not_found"),
)


def endpoint_of(handler: tornado.web.RequestHandler) -> str:
    for handler_class, name in ENDPOINTS:
        if isinstance(handler, handler_class):
            return name
    return type(handler).__name__.lower()


def outcome_of(handler: tornado.web.RequestHandler, status: int) -> str:
    """``ok`` below 400, else the error type the service answered with (BadRequest, ...)."""
    if status < 400:
        return "ok"
    return str(getattr(handler, "log_fields", {}).get("error") or "HTTPError")


class ServiceMetrics:
    """The metrics of one running service, in a registry of its own (tests run several apps)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "holmes_requests",
            "Finished HTTP requests by endpoint, status code and outcome (ok or the error type).",
            ["endpoint", "code", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "holmes_request_duration_seconds",
            "Time from receiving a request to finishing its answer.",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(RuntimeCollector(runtime))
        runtime.request_observers.append(self.observe_request)

    def observe_request(self, handler: tornado.web.RequestHandler, status: int, seconds: float) -> None:
        endpoint = endpoint_of(handler)
        self.requests.labels(endpoint, str(status), outcome_of(handler, status)).inc()
        self.latency.labels(endpoint).observe(seconds)


class RuntimeCollector(Collector):
    """The service's identity, analyses in flight and the worker pool, read at scrape time."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        info = self.runtime.info
        identity = GaugeMetricFamily(
            "holmes_service_info", "The service's name and version (always 1).", labels=["service", "version"]
        )
        identity.add_metric([info.name, info.version], 1)
        yield identity
        yield gauge(
            "holmes_analyses_in_flight",
            "Analysis requests received and not yet answered.",
            self.runtime.requests_in_flight,
        )
        stats: dict[str, Any] = self.runtime.pool.stats()
        yield gauge("holmes_workers", "Worker processes the pool keeps (its configured size).", stats["size"])
        yield gauge("holmes_workers_ready", "Worker processes started and ready for work.", stats["ready"])
        yield gauge("holmes_workers_busy", "Worker processes running an analysis now.", stats["busy"])
        yield gauge("holmes_analyses_waiting", "Analyses waiting for a free worker.", stats["waiting"])
        yield gauge(
            "holmes_analyses_max_pending",
            "Analyses allowed to wait before the service answers 503.",
            stats["max_pending"],
        )
        yield CounterMetricFamily(
            "holmes_worker_restarts",
            "Workers replaced after a crash, a deadline or a memory limit.",
            value=stats["restarts"],
        )
        yield CounterMetricFamily(
            "holmes_analyses_completed",
            "Analyses a worker answered, with a result or an error.",
            value=stats["completed"],
        )


def gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
