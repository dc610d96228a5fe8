"""/metrics and /openapi.json of running bakes: every real answer matches the served contract.

A file service (metrics=yes) runs with an analysis that an author might write for testing: the
sample's first bytes make it slow, hang, refuse the input or crash, so that every documented
status really happens. Each answer is validated against the service's own OpenAPI document
with openapi-core, and /metrics must count exactly what was sent.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from prometheus_client.parser import text_string_to_metric_families
from running import RunningService, bake

TRIGGERED_ANALYSIS = '''"""The default analysis behind triggers for the contract tests (the sample's first 4 bytes)."""

import time
from typing import Any

import default_analysis
from holmeslibrary import Sample, UnsupportedSample


def analyze(sample: Sample, config: dict[str, Any]) -> dict[str, Any]:
    with sample.open() as stream:
        head = stream.read(4)
    if head == b"SLOW":
        time.sleep(1.5)
    elif head == b"HANG":
        time.sleep(60)
    elif head == b"NOPE":
        raise UnsupportedSample("not a format this analysis reads")
    elif head == b"CRSH":
        raise RuntimeError("the analysis crashed")
    return default_analysis.analyze(sample, config)
'''

Metrics = dict[tuple[str, tuple[tuple[str, str], ...]], float]


class Client:
    """Calls a running service and checks each answer against the service's OpenAPI document."""

    def __init__(self, service: RunningService) -> None:
        self.service = service
        self.base = f"http://127.0.0.1:{service.port}"
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only, never through a proxy
        spec = self.session.get(self.base + "/openapi.json", timeout=10).json()
        self.spec = spec
        self.openapi = OpenAPI.from_dict(spec)  # also validates the document itself
        self.analyses: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    def call(self, method: str, path: str, expect: int, **kwargs: object) -> requests.Response:
        response = self.session.request(method, self.base + path, timeout=30, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == expect, (path, response.status_code, response.text)
        self.openapi.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))
        if path.startswith(("/analyze", f"/{self.route}/")):
            outcome = "ok" if response.status_code < 400 else response.json()["error"]["type"]
            with self.lock:
                self.analyses[(str(response.status_code), outcome)] += 1
        return response

    @property
    def route(self) -> str:
        return next(path.split("/")[1] for path in self.spec["paths"] if path.endswith("/{id}"))

    def metrics(self) -> Metrics:
        response = self.session.get(self.base + "/metrics", timeout=10)
        assert response.status_code == 200
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }


def sample(service: RunningService, data: bytes) -> str:
    name = str(uuid.uuid4())
    (service.sample_dir / name).write_bytes(data)
    return name


def wait_for(condition: object, limit: float = 10.0) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    pytest.fail("condition not met in time")


@pytest.fixture
def file_service(tmp_path: Path) -> Iterator[RunningService]:
    project = bake(tmp_path / "bake", service_name="contract", route="original")
    (project / "analysis.py").rename(project / "default_analysis.py")
    (project / "analysis.py").write_text(TRIGGERED_ANALYSIS)
    samples = tmp_path / "samples"
    samples.mkdir()
    settings = {"workers": 2, "max_pending": 0, "timeout": 3, "max_sample_size": 4096}
    with RunningService(project, samples, **settings) as service:
        yield service


def test_file_service_answers_match_contract_and_metrics(file_service: RunningService) -> None:
    client = Client(file_service)
    assert set(client.spec["paths"]) == {"/", "/analyze/", "/original/{id}", "/health", "/openapi.json", "/metrics"}
    assert client.spec["info"]["title"] == "contract"
    before = client.metrics()
    assert before[("holmes_workers", ())] == 2

    good = sample(file_service, b"MZ" + bytes(100))
    client.call("GET", "/", 200, headers={"Accept": "application/json"})
    client.call("GET", "/", 200)
    client.call("GET", f"/analyze/?obj={good}", 200)
    client.call("GET", f"/original/{good}", 200)
    client.call("POST", f"/analyze/?obj={good}", 200, data={"custom_rule": "cnVsZSB4IHt9"})
    client.call("GET", "/analyze/", 400)
    client.call("GET", "/analyze/?obj=..%2Fetc%2Fpasswd", 400)
    client.call("GET", f"/analyze/?obj={uuid.uuid4()}", 404)
    client.call("GET", f"/analyze/?obj={sample(file_service, bytes(5000))}", 413)
    client.call("GET", f"/analyze/?obj={sample(file_service, b'NOPE')}", 422)
    client.call("GET", f"/analyze/?obj={sample(file_service, b'CRSH')}", 500)
    client.call("GET", "/health", 200)
    client.call("GET", "/metrics", 200)
    client.call("GET", "/openapi.json", 200)

    # A slow analysis shows as in flight and as a busy worker while it runs.
    slow = threading.Thread(target=client.call, args=("GET", f"/analyze/?obj={sample(file_service, b'SLOW')}", 200))
    slow.start()
    wait_for(lambda: client.metrics()[("holmes_analyses_in_flight", ())] == 1)
    assert client.metrics()[("holmes_workers_busy", ())] == 1
    slow.join()
    idle = client.metrics()
    assert idle[("holmes_analyses_in_flight", ())] == 0
    assert idle[("holmes_workers_busy", ())] == 0

    # Two hung analyses fill both workers: a third request is refused (503), they end with 504.
    hung = sample(file_service, b"HANG")
    hangs = [threading.Thread(target=client.call, args=("GET", f"/analyze/?obj={hung}", 504)) for _ in range(2)]
    for thread in hangs:
        thread.start()
    wait_for(lambda: client.metrics()[("holmes_workers_busy", ())] == 2)
    busy = client.call("GET", f"/analyze/?obj={good}", 503)
    assert int(busy.headers["Retry-After"]) >= 1
    for thread in hangs:
        thread.join()

    after = client.metrics()

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    for (code, outcome), count in client.analyses.items():
        assert grew("holmes_requests_total", endpoint="analyze", code=code, outcome=outcome) == count, (code, outcome)
    total = sum(client.analyses.values())
    assert grew("holmes_request_duration_seconds_count", endpoint="analyze") == total
    # The slow and the two hung analyses took longer than a second; the others did not.
    assert grew("holmes_request_duration_seconds_bucket", endpoint="analyze", le="1.0") <= total - 3
    assert grew("holmes_worker_restarts_total") == 2
    assert after[("holmes_service_info", (("service", "contract"), ("version", "0.1.0")))] == 1


@pytest.fixture
def object_service_without_metrics(tmp_path: Path) -> Iterator[RunningService]:
    project = bake(tmp_path / "bake", service_name="objcontract", input_kind="object", metrics="no")
    assert not (project / "holmeslibrary" / "metrics.py").exists()
    assert "prometheus" not in (project / "requirements.txt").read_text()
    samples = tmp_path / "samples"
    samples.mkdir()
    with RunningService(project, samples, workers=1) as service:
        yield service


def test_object_service_without_metrics_matches_contract(object_service_without_metrics: RunningService) -> None:
    service = object_service_without_metrics
    client = Client(service)
    assert "/metrics" not in client.spec["paths"]
    analyze = client.spec["paths"]["/analyze/"]["get"]["responses"]
    assert "404" not in analyze and "413" not in analyze  # no sample file, so neither can happen
    client.call("GET", "/analyze/?obj=example.com", 200)
    client.call("GET", "/objcontract/192.0.2.7", 422 if _private_refused(service) else 200)
    client.call("GET", "/analyze/?obj=", 400)
    client.call("GET", "/health", 200)
    missing = client.session.get(client.base + "/metrics", timeout=10)
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "NotFound"


def _private_refused(service: RunningService) -> bool:
    """192.0.2.0/24 is reserved for documentation: refused unless allow_private_addresses is set."""
    return service.env.get("HOLMES_ALLOW_PRIVATE_ADDRESSES", "false") != "true"
