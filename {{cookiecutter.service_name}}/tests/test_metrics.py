"""/metrics: Prometheus' text format, counting requests by outcome and showing the worker pool."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

import service
from holmeslibrary.testing import ServiceTestCase


class MetricsTest(ServiceTestCase):
    service = service

    def scrape(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        response = self.fetch("/metrics")
        self.assertEqual(response.code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.body.decode())
            for sample in family.samples
        }

    def test_worker_pool_and_identity_are_exported(self) -> None:
        metrics = self.scrape()
        self.assertEqual(metrics[("holmes_workers", ())], 1)
        self.assertEqual(metrics[("holmes_workers_busy", ())], 0)
        self.assertEqual(metrics[("holmes_analyses_in_flight", ())], 0)
        name, version = service.SERVICE.name, service.SERVICE.version
        self.assertEqual(metrics[("holmes_service_info", (("service", name), ("version", version)))], 1)

    def test_requests_are_counted_by_outcome(self) -> None:
        before = self.scrape()
        for _ in range(3):
            self.fetch("/analyze/", raise_error=False)  # no obj: 400 BadRequest
        self.fetch("/health")
        after = self.scrape()

        def grew(name: str, **labels: str) -> float:
            key = (name, tuple(sorted(labels.items())))
            return after.get(key, 0) - before.get(key, 0)

        self.assertEqual(grew("holmes_requests_total", endpoint="analyze", code="400", outcome="BadRequest"), 3)
        self.assertEqual(grew("holmes_requests_total", endpoint="health", code="200", outcome="ok"), 1)
        self.assertEqual(grew("holmes_request_duration_seconds_count", endpoint="analyze"), 3)
