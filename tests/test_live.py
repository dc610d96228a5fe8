"""Each kind's bake, started as a real process and called as Totem calls it (issue: template)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from running import RunningService, bake


@pytest.fixture(scope="module")
def file_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bake(tmp_path_factory.mktemp("bake"), route="legacy")


@pytest.fixture(scope="module")
def object_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bake(tmp_path_factory.mktemp("bake"), service_name="ipmeta", input_kind="object")


def test_file_service_as_totem_calls_it(file_service: Path, tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    data = b"MZ" + bytes(range(256)) * 16
    sample = str(uuid.uuid4())
    (samples / sample).write_bytes(data)
    with RunningService(file_service, samples, workers=2) as service:
        reply = service.get(f"/analyze/?obj={sample}")
        assert reply.status == 200
        assert reply.headers["Content-Type"].startswith("application/json")
        result = reply.json()
        assert isinstance(result, dict)
        assert result["sha256"] == hashlib.sha256(data).hexdigest()
        assert result["size"] == len(data)

        assert service.get(f"/legacy/{sample}").json() == result
        post = service.get("/analyze/", method="POST", data=f"obj={sample}".encode())
        assert (post.status, post.json()) == (200, result)

        missing = service.get("/analyze/")
        assert (missing.status, missing.json()["error"]["type"]) == (400, "BadRequest")
        unknown = service.get(f"/analyze/?obj={uuid.uuid4()}")
        assert (unknown.status, unknown.json()["error"]["type"]) == (404, "SampleNotFound")
        for hostile in ("../../etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/etc/passwd", "x%00y"):
            reply = service.get(f"/analyze/?obj={hostile}")
            assert reply.status == 400, hostile
            assert b"root:" not in reply.body

        info = service.get("/")
        assert info.status == 200 and b"hashinfo" in info.body
        health = service.get("/health").json()
        assert health["status"] == "ok" and health["workers"]["size"] == 2

        requests = [entry for entry in service.log_entries() if entry["message"] == "request"]
        analysed = next(entry for entry in requests if entry.get("obj") == sample)
        assert analysed["status"] == 200
        assert analysed["sample_size"] == len(data)
        assert analysed["service"] == "hashinfo" and analysed["version"] == "0.1.0"
        assert analysed["elapsed_ms"] > 0
    assert service.process is not None and service.process.returncode == 0


def test_sample_over_the_size_limit_is_413_before_analysis(file_service: Path, tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "big").write_bytes(b"x" * 2048)
    with RunningService(file_service, samples, workers=1, max_sample_size=1024) as service:
        reply = service.get("/analyze/?obj=big")
        assert (reply.status, reply.json()["error"]["type"]) == (413, "SampleTooLarge")
        assert service.get("/health").json()["workers"]["completed"] == 0


def test_object_service_as_totem_calls_it(object_service: Path, tmp_path: Path) -> None:
    with RunningService(object_service, tmp_path, workers=1) as service:
        ip = service.get("/analyze/?obj=8.8.8.8")
        assert (ip.status, ip.json()["kind"]) == (200, "ipv4")
        domain = service.get("/analyze/?obj=holmesprocessing.example")
        assert (domain.status, domain.json()["kind"]) == (200, "domain")
        assert service.get("/ipmeta/8.8.4.4").json()["normalized"] == "8.8.4.4"
        assert service.get("/analyze/?obj=10.0.0.1").status == 422
        assert service.get("/analyze/?obj=not%20an%20object").status == 400
        assert service.get("/analyze/").status == 400


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "service.conf: file not found"),
        ('{"settings": ', "service.conf: not valid JSON"),
        ('{"settings": {"timeout": "soon"}}', "service.conf: settings.timeout: must be a number"),
        ('{"settings": {"httpbinding": 80000}}', "settings.httpbinding: must be between 1 and 65535"),
    ],
)
def test_a_bad_config_stops_the_start_with_one_line(
    file_service: Path, tmp_path: Path, content: str | None, expected: str
) -> None:
    conf = tmp_path / "service.conf"
    if content is not None:
        conf.write_text(content)
    done = subprocess.run(
        [sys.executable, "service.py", "--config", str(conf)],
        cwd=file_service,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hashinfo: cannot start: ")
    assert expected in lines[0]
