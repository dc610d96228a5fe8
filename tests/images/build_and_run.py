"""Build and run baked services' images for real: buildah and podman, no daemon, no registry.

Run by scripts/test-images.sh, which installs the tooling, sets up private container storage and
builds the STAND-IN base image python:3.11-slim from Debian packages (it proves the Dockerfile
and the service, not the official image). The normal pytest run does not collect this file (its
name does not start with test_); run on its own without the tooling, every test fails: none skips.

Containers get their port published on 127.0.0.1 only, over slirp4netns (no bridge network), and
the sample directory mounted read-only at the service's sample_dir, as Totem mounts /tmp.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import image_checks
import pytest
from image_checks import Container, ContainerTools

STAND_IN_BASE = "docker.io/library/python:3.11-slim"  # from Debian bookworm packages
STAND_IN_BASE_313 = "docker.io/library/python:3.13-slim"  # from Debian trixie packages
FILE_SERVICE = {"service_name": "hashinfo"}  # the default bake: input_kind file, Python 3.11
OBJECT_SERVICE = {"service_name": "objinfo", "input_kind": "object", "port": "7720"}
PYTHON_313_SERVICE = {"service_name": "hash313", "python_version": "3.13", "port": "7730"}
STOP_LIMIT_SECONDS = 2.0
FIGURES: dict[str, Any] = {}


@dataclass
class Service:
    project: Path
    tag: str
    port: int
    sample_dir: str
    python_version: str
    cold_build: image_checks.Build


@pytest.fixture(scope="session")
def tools() -> Iterator[ContainerTools]:
    try:
        found = ContainerTools.from_environment()
    except image_checks.ToolingMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    require_image(found, STAND_IN_BASE)
    yield found
    # Containers a failed test left behind; each test also removes its own.
    for container_id in found.started:
        found.podman("rm", "-f", "-t", "2", container_id, check=False, timeout=30)


def require_image(tools: ContainerTools, base: str) -> None:
    if tools.podman("image", "exists", base, check=False).returncode != 0:
        pytest.fail(f"{base} (stand-in) is missing: images/make-base-image.sh builds it", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def figures() -> Iterator[dict[str, Any]]:
    """Sizes and times for the CI log and docs/images.md, written where test-images.sh reads them."""
    yield FIGURES
    target = os.environ.get("HOLMES_IMAGES_FIGURES")
    if target:
        # Merged: scripts/test-images.sh runs the 3.11 and the 3.13 tests as two sessions.
        path = Path(target)
        merged = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        path.write_text(json.dumps({**merged, **FIGURES}, indent=2) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("images")


def bake_and_build(tools: ContainerTools, work: Path, answers: dict[str, str]) -> Service:
    project = image_checks.bake(work / "bakes", work / "hooks", **answers)
    settings = json.loads((project / "service.conf").read_text(encoding="utf-8"))["settings"]
    build = tools.build(project, f"localhost/{project.name}:ci")
    base = f"docker.io/library/python:{answers.get('python_version', '3.11')}-slim"
    print(f"built {build.tag} on the STAND-IN base {base} in {build.seconds:.1f} s")
    python_version = answers.get("python_version", "3.11")
    return Service(project, build.tag, settings["httpbinding"], settings["sample_dir"], python_version, build)


@pytest.fixture(scope="session")
def file_service(tools: ContainerTools, work: Path) -> Service:
    service = bake_and_build(tools, work, FILE_SERVICE)
    base_size = tools.image(STAND_IN_BASE)["Size"]
    image_size = tools.image(service.tag)["Size"]
    FIGURES.update(
        {
            "base_image": f"{STAND_IN_BASE} (STAND-IN built from Debian packages, not the official image)",
            "base_image_mb": round(base_size / 1e6, 1),
            "image": f"{service.tag} (default bake: input_kind file, python_version 3.11)",
            "image_mb": round(image_size / 1e6, 1),
            "service_layers_mb": round((image_size - base_size) / 1e6, 1),
            "cold_build_s": round(service.cold_build.seconds, 2),
        }
    )
    return service


@pytest.fixture(scope="session")
def object_service(tools: ContainerTools, work: Path) -> Service:
    service = bake_and_build(tools, work, OBJECT_SERVICE)
    FIGURES["object_image_mb"] = round(tools.image(service.tag)["Size"] / 1e6, 1)
    FIGURES["object_cold_build_s"] = round(service.cold_build.seconds, 2)
    return service


@pytest.fixture
def start(tools: ContainerTools) -> Iterator[Callable[..., Container]]:
    """Start containers for one test; all are removed after it, also when it fails."""
    started: list[Container] = []

    def run(service: Service, samples: Path, name: str, environment: dict[str, str] | None = None) -> Container:
        container = tools.run(
            service.tag,
            name=name,
            container_port=service.port,
            samples=(samples, service.sample_dir),
            environment=environment,
        )
        started.append(container)
        return container

    yield run
    for container in started:
        killed = container.remove()
        assert not killed, f"{container.name}: processes {killed} outlived podman rm and were killed"


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    """A sample directory as Totem fills it: readable by the service's unprivileged user."""
    directory = tmp_path / "samples"
    directory.mkdir()
    directory.chmod(0o755)
    return directory


def add_sample(directory: Path, name: str, content: bytes) -> Path:
    path = directory / name
    path.write_bytes(content)
    path.chmod(0o644)
    return path


def expect(condition: bool, message: str, container: Container) -> None:
    """Assert, with the container's log attached so that a CI failure explains itself."""
    if not condition:
        raise AssertionError(f"{message}\n--- podman logs {container.name} ---\n{container.logs()[-4000:]}")


def host_interfaces() -> set[str]:
    return {path.name for path in Path("/sys/class/net").iterdir()}


def check_published_on_loopback_only(container: Container, service: Service, interfaces_before: set[str]) -> None:
    info = container.inspect()
    expect(info["HostConfig"]["NetworkMode"].startswith("slirp4netns"), "not on slirp4netns", container)
    bindings = info["NetworkSettings"]["Ports"]
    expect(
        bindings == {f"{service.port}/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(container.host_port)}]},
        f"port must be published on 127.0.0.1 only, got {bindings}",
        container,
    )
    expect(not info["NetworkSettings"].get("IPAddress"), "the container got a bridge address", container)
    new_interfaces = host_interfaces() - interfaces_before
    expect(not new_interfaces, f"the host got new network interfaces {new_interfaces}", container)


def check_healthy_non_root_and_read_only(container: Container, service: Service) -> None:
    healthcheck = container.healthcheck()
    expect(healthcheck.returncode == 0, f"HEALTHCHECK failed: {healthcheck.stdout}{healthcheck.stderr}", container)
    state = container.inspect()["State"]
    health = state.get("Health") or state.get("Healthcheck") or {}
    expect(health.get("Status") == "healthy", f"health status is {health.get('Status')!r}", container)
    uids = {pid: image_checks.process_uid(pid) for pid in container.process_ids()}
    expect(len(uids) >= 2, f"expected the server and its workers, found processes {uids}", container)
    expect(set(uids.values()) == {10001}, f"processes must run as the service user 10001: {uids}", container)
    mounts = [mount for mount in container.inspect()["Mounts"] if mount["Destination"] == service.sample_dir]
    expect(len(mounts) == 1 and mounts[0]["RW"] is False, f"sample dir must be mounted read-only: {mounts}", container)
    version = container.tools.podman("exec", container.id, "python", "-c", "import sys; print(sys.version[:4])")
    expect(version.stdout.strip() == service.python_version, f"runs Python {version.stdout.strip()}", container)
    write = container.tools.podman("exec", container.id, "touch", f"{service.sample_dir}/probe", check=False)
    expect(write.returncode != 0 and "Read-only" in write.stderr, f"sample dir is writable: {write}", container)


def check_stops_cleanly(container: Container) -> float:
    seconds = container.stop()
    state = container.inspect()["State"]
    expect(seconds < STOP_LIMIT_SECONDS, f"podman stop took {seconds:.2f} s (limit {STOP_LIMIT_SECONDS} s)", container)
    expect(state["ExitCode"] == 0, f"exit code {state['ExitCode']} after SIGTERM", container)
    return seconds


def test_default_image_builds_on_the_stand_in_base(tools: ContainerTools, file_service: Service) -> None:
    image = tools.image(file_service.tag)
    config = image["Config"]
    assert config["User"] == "10001"
    assert list(config["ExposedPorts"]) == ["7715/tcp"]
    assert config["Cmd"] == ["python", "service.py"]
    assert image["Healthcheck"]["Test"] == ["CMD", "python", "-m", "holmeslibrary.healthcheck"]
    assert config["StopSignal"] == "SIGTERM"
    # The label the stand-in base carries is inherited: the image says what it was built on.
    assert "STAND-IN" in config["Labels"]["org.opencontainers.image.description"]


def test_code_only_edit_takes_dependencies_from_the_cache(tools: ContainerTools, file_service: Service) -> None:
    analysis = file_service.project / "analysis.py"
    # A unique edit: content seen before (an earlier run on the same storage) would be cached.
    edit = f"\n# an edit to the analysis only: {uuid.uuid4()}\n"
    analysis.write_text(analysis.read_text(encoding="utf-8") + edit, encoding="utf-8")
    before = tools.image(file_service.tag)["Id"]
    rebuild = tools.build(file_service.project, file_service.tag)
    FIGURES["cached_build_s"] = round(rebuild.seconds, 2)
    print(f"rebuilt {rebuild.tag} after an analysis.py edit in {rebuild.seconds:.1f} s")
    assert image_checks.cache_problems(rebuild.log) == [], rebuild.log
    print("cache check: every dependency-install step of the rebuild came from the cache")
    # The edit did reach the build: the step copying analysis.py ran again and made a new image.
    code_steps = [step for step in image_checks.parse_build_log(rebuild.log) if "analysis.py" in step.instruction]
    assert code_steps and not any(step.cached for step in code_steps), rebuild.log
    assert tools.image(file_service.tag)["Id"] != before


def test_code_copied_before_dependencies_fails_the_cache_check(
    tools: ContainerTools, object_service: Service, tmp_path: Path
) -> None:
    # A copy of a bake whose Dockerfile copies everything before installing the dependencies.
    project = tmp_path / object_service.project.name
    shutil.copytree(object_service.project, project)
    wrong = tmp_path / "Dockerfile.code-first"
    wrong.write_text(image_checks.with_code_copied_first((project / "Dockerfile").read_text(encoding="utf-8")))
    (project / "analysis.py").write_text((project / "analysis.py").read_text() + f"\n# built first: {uuid.uuid4()}\n")
    tools.build(project, "localhost/code-first:ci", dockerfile=wrong)
    (project / "analysis.py").write_text((project / "analysis.py").read_text() + f"\n# an edit: {uuid.uuid4()}\n")
    rebuild = tools.build(project, "localhost/code-first:ci", dockerfile=wrong)
    problems = image_checks.cache_problems(rebuild.log)
    assert problems, rebuild.log
    assert all("pip install" in problem and "ran again" in problem for problem in problems), problems
    print(f"negative test, code copied before dependencies: the cache check fails: {problems}")


def serve_and_check_file_service(
    service: Service, samples: Path, start: Callable[..., Container], container_name: str
) -> float:
    """Run a file-kind image and check it end to end; the seconds `podman stop` took."""
    name = service.project.name  # also its route (the default)
    content = b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 64
    sample_id = "0b4c8a2e-5f6d-4e1a-9c3b-7d2e1f0a6b5c"
    add_sample(samples, sample_id, content)
    interfaces_before = host_interfaces()
    container = start(service, samples, container_name)
    check_published_on_loopback_only(container, service, interfaces_before)

    health = image_checks.wait_for_health(container.url, within=30)
    expect(health.json()["status"] == "ok", f"/health: {health.body!r}", container)
    info = image_checks.http_get(f"{container.url}/")
    expect(info.status == 200 and name.encode() in info.body, f"/: {info.status} {info.body[:300]!r}", container)
    described = image_checks.http_get(f"{container.url}/", headers={"Accept": "application/json"})
    expect(described.json()["name"] == name, f"/ as JSON: {described.body[:300]!r}", container)
    expected = {digest: hashlib.new(digest, content).hexdigest() for digest in ("md5", "sha1", "sha256")}
    for path in (f"/analyze/?obj={sample_id}", f"/{name}/{sample_id}"):
        answer = image_checks.http_get(container.url + path)
        expect(answer.status == 200, f"{path}: {answer.status} {answer.body[:300]!r}", container)
        result = answer.json()
        expect(result["size"] == len(content), f"{path}: size {result['size']}", container)
        expect({digest: result[digest] for digest in expected} == expected, f"{path}: wrong hashes {result}", container)
    missing = image_checks.http_get(f"{container.url}/analyze/?obj=no-such-sample")
    expect(missing.status == 404 and "error" in missing.json(), f"missing sample: {missing.status}", container)

    check_healthy_non_root_and_read_only(container, service)
    return check_stops_cleanly(container)


def test_file_service_container_serves_on_its_published_loopback_port(
    file_service: Service, samples: Path, start: Callable[..., Container]
) -> None:
    FIGURES["stop_s"] = round(serve_and_check_file_service(file_service, samples, start, "holmes-images-hashinfo"), 2)


def test_python_313_bake_builds_and_serves(
    tools: ContainerTools, work: Path, samples: Path, start: Callable[..., Container]
) -> None:
    # On the trixie stand-in python:3.13-slim (Debian trixie packages, not the official image).
    require_image(tools, STAND_IN_BASE_313)
    service = bake_and_build(tools, work, PYTHON_313_SERVICE)
    FIGURES["python313_image_mb"] = round(tools.image(service.tag)["Size"] / 1e6, 1)
    FIGURES["python313_cold_build_s"] = round(service.cold_build.seconds, 2)
    serve_and_check_file_service(service, samples, start, "holmes-images-hash313")


def test_object_service_container_serves_on_its_published_loopback_port(
    object_service: Service, samples: Path, start: Callable[..., Container]
) -> None:
    interfaces_before = host_interfaces()
    container = start(object_service, samples, "holmes-images-objinfo")
    check_published_on_loopback_only(container, object_service, interfaces_before)
    image_checks.wait_for_health(container.url, within=30)
    described = image_checks.http_get(f"{container.url}/", headers={"Accept": "application/json"})
    expect(described.json()["name"] == "objinfo", f"/ as JSON: {described.body[:300]!r}", container)
    answer = image_checks.http_get(f"{container.url}/analyze/?obj=Example.COM")
    expect(answer.status == 200, f"analysis: {answer.status} {answer.body[:300]!r}", container)
    expect("domain" in json.dumps(answer.json()), f"analysis of a domain: {answer.body[:300]!r}", container)
    check_healthy_non_root_and_read_only(container, object_service)
    check_stops_cleanly(container)


def test_loopback_bound_service_fails_the_published_port_check(
    file_service: Service, samples: Path, start: Callable[..., Container]
) -> None:
    container = start(file_service, samples, "holmes-images-loopback", {"HOLMES_ADDRESS": "127.0.0.1"})
    # The service is up inside its container: its own HEALTHCHECK (which asks 127.0.0.1) passes...
    for _ in range(60):
        if container.healthcheck().returncode == 0:
            break
    else:
        raise AssertionError(f"the loopback-bound service never came up\n{container.logs()}")
    # ...yet from outside, through the published port, it cannot be reached: the check must fail.
    with pytest.raises(AssertionError, match="did not answer 200") as failed:
        image_checks.wait_for_health(container.url, within=3)
    print(f"negative test, service bound to 127.0.0.1 in its container: the check fails: {failed.value}")


def test_central_conf_from_a_url_is_readable_by_the_service(
    tools: ContainerTools, object_service: Service, samples: Path, tmp_path: Path, start: Callable[..., Container]
) -> None:
    # Totem's compose file passes conf=<URL of a central service.conf>; serve one on loopback.
    served = tmp_path / "central"
    served.mkdir()
    conf = json.loads((object_service.project / "service.conf").read_text(encoding="utf-8"))
    conf["settings"].update({"workers": 3, "max_pending": 7})
    (served / "service.conf").write_text(json.dumps(conf), encoding="utf-8")
    with image_checks.loopback_file_server(served) as url:
        build = tools.build(
            object_service.project, "localhost/objinfo:central", build_args={"conf": f"{url}/service.conf"}
        )
    central = Service(
        object_service.project,
        build.tag,
        object_service.port,
        object_service.sample_dir,
        object_service.python_version,
        build,
    )
    container = start(central, samples, "holmes-images-central")
    health = image_checks.wait_for_health(container.url, within=30).json()
    expect(health["workers"]["size"] == 3 and health["workers"]["max_pending"] == 7, f"/health {health}", container)
    check_stops_cleanly(container)
