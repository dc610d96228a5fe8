"""The Totem wiring a bake carries in totem/: every piece parses with the tool its owner uses.

docker-compose.yml as YAML, totem.conf as HOCON (pyhocon), compose_download_conf.sh with sh, the
Scala files with Debian's scalac (parser phase), and the uri of totem.conf is called for real on a
running bake, as Totem would call it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyhocon import ConfigFactory, ConfigTree
from running import RunningService, bake
from template_paths import free_port

# One file service and one object service, with answers that differ from every default.
BAKES = {
    "file": {"service_name": "zipmeta2", "input_kind": "file", "port": "8080", "host_port": "7730"},
    "object": {"service_name": "dnsmeta2", "input_kind": "object", "port": "9090", "host_port": "9710"},
}


@pytest.fixture(scope="module")
def bakes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("totem-bakes")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(out))  # the rendered hooks land here, not in /tmp
        return {kind: bake(out / kind, **answers) for kind, answers in BAKES.items()}


@pytest.mark.parametrize("kind", BAKES)
def test_totem_dir_has_every_piece(bakes: dict[str, Path], kind: str) -> None:
    name = BAKES[kind]["service_name"]
    files = {path.name for path in (bakes[kind] / "totem").iterdir()}
    assert files == {
        "totem.conf",
        "docker-compose.yml",
        "compose_download_conf.sh",
        "driver.scala.snippet",
        f"{name.capitalize()}REST.scala",
    }


@pytest.mark.parametrize("kind", BAKES)
def test_compose_entry(bakes: dict[str, Path], kind: str) -> None:
    answers = BAKES[kind]
    name = answers["service_name"]
    compose = yaml.safe_load((bakes[kind] / "totem" / "docker-compose.yml").read_text())
    assert list(compose) == ["services"]
    entry = compose["services"][name]
    assert entry["build"] == {
        "context": f"../src/main/scala/org/holmesprocessing/totem/services/{name}",
        "args": {"conf": "${CONFSTORAGE_" + name.upper() + "}service.conf"},
    }
    assert entry["ports"] == [f"{answers['host_port']}:{answers['port']}"]
    assert entry["restart"] == "unless-stopped"
    if kind == "file":
        assert entry["volumes"] == ["/tmp:/tmp:ro"]
    else:
        assert "volumes" not in entry
    # The container port is the one the service listens on.
    conf = json.loads((bakes[kind] / "service.conf").read_text())
    assert str(conf["settings"]["httpbinding"]) == answers["port"]


@pytest.mark.parametrize("kind", BAKES)
def test_totem_conf_block_is_hocon(bakes: dict[str, Path], kind: str) -> None:
    answers = BAKES[kind]
    name = answers["service_name"]
    conf = ConfigFactory.parse_file(str(bakes[kind] / "totem" / "totem.conf"))
    assert conf.get_list(f"totem.services.{name}.uri") == [f"http://127.0.0.1:{answers['host_port']}/analyze/?obj="]
    assert conf.get_string(f"totem.services.{name}.resultRoutingKey") == f"{name}.result.static.totem"
    # Merged into a totem.conf with other services, it adds one service and changes nothing else.
    existing = ConfigFactory.parse_string(
        'totem { version = "1.0.0"\n services { peinfo { uri = ["http://127.0.0.1:7700/analyze/?obj="]\n'
        ' resultRoutingKey = "peinfo.result.static.totem" } } }'
    )
    merged = ConfigTree.merge_configs(existing, conf)
    assert sorted(merged.get_config("totem.services").keys()) == sorted(["peinfo", name])
    assert merged.get_string("totem.version") == "1.0.0"


@pytest.mark.parametrize("kind", BAKES)
def test_compose_download_conf_export(bakes: dict[str, Path], kind: str) -> None:
    name = BAKES[kind]["service_name"]
    script = bakes[kind] / "totem" / "compose_download_conf.sh"
    assert subprocess.run(["sh", "-n", str(script)], check=False).returncode == 0
    shown = subprocess.run(
        ["sh", "-c", f'. "$1"; printf %s "$CONFSTORAGE_{name.upper()}"', "sh", str(script)],
        env={"PATH": os.environ["PATH"], "CONFSTORAGE": "http://127.0.0.1:8017/config/services/"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout == f"http://127.0.0.1:8017/config/services/{name}/"


@pytest.mark.parametrize("kind", BAKES)
def test_scala_names_routing_key_and_filename(bakes: dict[str, Path], kind: str) -> None:
    name = BAKES[kind]["service_name"]
    cls = name.capitalize()
    rest = (bakes[kind] / "totem" / f"{cls}REST.scala").read_text()
    driver = (bakes[kind] / "totem" / "driver.scala.snippet").read_text()
    assert f"package org.holmesprocessing.totem.services.{name}\n" in rest
    assert f'routingKey: String = "{name}.result.static.totem", WorkType: String = "{name.upper()}"' in rest
    assert f"import org.holmesprocessing.totem.services.{name}.{{{cls}Success, {cls}Work}}" in driver
    assert f'case "{name.upper()}" => Random.shuffle(services.getOrElse("{name}", List())).head' in driver
    filename = "uuid_filename" if kind == "file" else "orig_filename"
    assert f'{cls}Work(key, {filename}, taskingConfig.default_service_timeout, "{name.upper()}"' in driver
    assert f'conf.getString("totem.services.{name}.resultRoutingKey")' in driver


def scalac() -> str:
    found = shutil.which("scalac")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("scalac is missing: scripts/setup-env.sh installs Debian's scala")
        pytest.skip("scalac is not installed (apt-get install scala; scripts/setup-env.sh does it as root)")
    return found


def test_scala_files_pass_scalacs_parser(bakes: dict[str, Path], tmp_path: Path) -> None:
    sources = []
    for kind, project in bakes.items():
        for path in (project / "totem").iterdir():
            if path.suffix == ".scala" or path.name.endswith(".scala.snippet"):
                # scalac reads only *.scala; the snippet is named so that sbt leaves it alone.
                copy = tmp_path / f"{kind}-{path.name.removesuffix('.snippet')}"
                shutil.copyfile(path, copy)
                sources.append(str(copy))
    assert len(sources) == 4
    parsed = subprocess.run(
        [scalac(), "-Ystop-after:parser", "-d", str(tmp_path), *sources],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr


@pytest.mark.parametrize("kind", BAKES)
def test_readme_lists_the_steps_in_order(bakes: dict[str, Path], kind: str) -> None:
    readme = (bakes[kind] / "README.md").read_text()
    section = readme.split("## Register with Totem", 1)[1]
    order = [
        section.index(step)
        for step in (
            "1. Copy this folder",
            "2. `config/totem.conf`",
            "3. `src/main/scala/org/holmesprocessing/totem/driver/driver.scala`",
            "4. `config/docker-compose.yml.example`",
            "5. `config/compose_download_conf.sh`",
            "6. Rebuild Totem",
        )
    ]
    assert order == sorted(order)
    assert f"{BAKES[kind]['host_port']}:{BAKES[kind]['port']}" in section


@pytest.fixture
def running_file_service(tmp_path: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    """A bake whose host port is free, served on that port as Docker's mapping would expose it."""
    port = free_port()
    project = bake(tmp_path / "bake", service_name="totemcall", host_port=str(port))
    samples = tmp_path / "samples"
    samples.mkdir()
    with RunningService(project, samples, port=port, workers=1):
        conf = ConfigFactory.parse_file(str(project / "totem" / "totem.conf"))
        yield conf.get_config("totem.services.totemcall"), samples


def test_totem_uri_reaches_the_analysis(running_file_service: tuple[dict[str, Any], Path]) -> None:
    service, samples = running_file_service
    sample = str(uuid.uuid4())  # Totem's name for a downloaded sample
    (samples / sample).write_bytes(b"MZ" + bytes(1000))
    # Totem appends the sample's name to a uri picked from the list.
    with urllib.request.urlopen(service["uri"][0] + sample, timeout=30) as response:
        assert response.status == 200
        result = json.loads(response.read())
    assert result["size"] == 1002
