"""The Dockerfile of every bake of the option matrix: hadolint-clean and structurally sound.

Needs no container tooling (these run in the normal pytest run). That the images really build,
keep their dependency layers cached and serve is shown by tests/images/build_and_run.py, which
scripts/test-images.sh runs with buildah and podman.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
from pathlib import Path

import image_checks
import pytest

INPUT_KINDS = ["file", "object"]
PYTHON_VERSIONS = ["3.11", "3.12", "3.13"]
LICENSES = ["Apache-2.0", "MIT", "BSD-3-Clause", "GPL-3.0-only", "Proprietary"]
# Ports vary with the license so that EXPOSE is checked against more than the default.
PORTS = dict(zip(LICENSES, ["7715", "8080", "1024", "65535", "9001"], strict=True))
MATRIX = list(itertools.product(INPUT_KINDS, PYTHON_VERSIONS, LICENSES))


@pytest.fixture(scope="module")
def default_dockerfile(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("default-bake")
    project = image_checks.bake(root / "out", root / "tmp")
    return (project / "Dockerfile").read_text(encoding="utf-8")


def dockerignore_excludes(project: Path, relative: str) -> bool:
    patterns = [
        line.strip()
        for line in (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return any(fnmatch.fnmatch(relative.rstrip("/"), pattern.rstrip("/")) for pattern in patterns)


@pytest.mark.parametrize(("input_kind", "python_version", "license_name"), MATRIX)
def test_baked_dockerfile_is_lint_clean_and_sound(
    tmp_path: Path, input_kind: str, python_version: str, license_name: str
) -> None:
    port = PORTS[license_name]
    project = image_checks.bake(
        tmp_path / "out",
        tmp_path / "hooks",
        input_kind=input_kind,
        python_version=python_version,
        license=license_name,
        port=port,
    )
    dockerfile = project / "Dockerfile"
    assert image_checks.hadolint_findings(dockerfile) == []
    text = dockerfile.read_text(encoding="utf-8")
    assert image_checks.structure_problems(text, port=int(port), python_version=python_version) == []
    # Everything the Dockerfile copies is in the bake and reaches the build context.
    for step in image_checks.instructions(text):
        if step.name in ("COPY", "ADD"):
            for source in image_checks.copy_sources(step.value):
                if source.startswith("$"):
                    continue
                assert (project / source).exists(), f"{step.name} {source}: not in the bake"
                assert not dockerignore_excludes(project, source), f"{step.name} {source}: .dockerignore drops it"
    # The HEALTHCHECK reads the same port the service listens on.
    conf = json.loads((project / "service.conf").read_text(encoding="utf-8"))
    assert conf["settings"]["httpbinding"] == int(port)


def test_structure_check_passes_the_default_dockerfile(default_dockerfile: str) -> None:
    assert image_checks.structure_problems(default_dockerfile, port=7715, python_version="3.11") == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda text: image_checks.with_code_copied_first(text), "comes before the dependencies are installed"),
        (lambda text: text.replace("USER 10001", "USER service"), "is not numeric"),
        (lambda text: text.replace("USER 10001", "USER 0"), "is root"),
        (lambda text: text.replace("USER 10001\n", ""), "no USER before CMD"),
        (lambda text: text.replace("USER 10001\n", "") + "USER 10001\n", "no USER before CMD"),
        (lambda text: text.replace("EXPOSE 7715", "EXPOSE 8080"), "must expose exactly the chosen port 7715"),
        (lambda text: text.replace("EXPOSE 7715", "EXPOSE 7715 22"), "must expose exactly"),
        (lambda text: re.sub(r"CMD \[\"python\", \"service.py\"\]", "CMD python service.py", text), "is shell form"),
        (
            lambda text: text.replace('CMD ["python", "-m", "holmeslibrary.healthcheck"]', "CMD python -m x"),
            "shell form",
        ),
        (lambda text: re.sub(r"HEALTHCHECK[^\n]*\\\n[^\n]*\n", "", text), "no HEALTHCHECK"),
        (lambda text: "# syntax=docker/dockerfile:1\n" + text, "'# syntax=' makes BuildKit pull"),
        (lambda text: text.replace("FROM python:3.11-slim", "FROM python:slim"), "not a pinned version tag"),
        (lambda text: text.replace("FROM python:3.11-slim", "FROM python"), "no tag"),
        (lambda text: text.replace("FROM python:3.11-slim", "FROM python:latest"), "not a pinned version tag"),
        (lambda text: text.replace("FROM python:3.11-slim", "FROM python:3.12-slim"), "needs python:3.11-slim"),
        (lambda text: text.replace("COPY requirements.txt .\n", ""), "requirements.txt is not copied"),
    ],
    ids=[
        "code-before-deps",
        "named-user",
        "root-user",
        "no-user",
        "user-after-cmd",
        "wrong-port",
        "extra-port",
        "shell-cmd",
        "shell-healthcheck",
        "no-healthcheck",
        "syntax-line",
        "floating-tag",
        "untagged",
        "latest",
        "wrong-python",
        "requirements-not-copied",
    ],
)
def test_structure_check_catches(default_dockerfile: str, change, expected: str) -> None:
    broken = change(default_dockerfile)
    assert broken != default_dockerfile, "the change must apply to the current Dockerfile"
    problems = image_checks.structure_problems(broken, port=7715, python_version="3.11")
    assert any(expected in problem for problem in problems), problems


def test_hadolint_runs_and_reports(tmp_path: Path, default_dockerfile: str) -> None:
    # Without its justified ignore, ADD of a (possibly local) conf is reported: hadolint really ran.
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(default_dockerfile.replace("# hadolint ignore=DL3020\n", ""), encoding="utf-8")
    assert [finding["code"] for finding in image_checks.hadolint_findings(dockerfile)] == ["DL3020"]


BUILDAH_REBUILD = """\
STEP 1/4: FROM python:3.11-slim
STEP 2/4: COPY requirements.txt .
--> Using cache 7a43d73e2516
--> 7a43d73e251
STEP 3/4: RUN pip install --no-cache-dir -r requirements.txt
{install}
STEP 4/4: COPY service.py analysis.py ./
--> afa27a60427
"""


def test_cache_check_reads_buildah_logs() -> None:
    cached = BUILDAH_REBUILD.format(install="--> Using cache 6c4a1a10406c\n--> 6c4a1a10406")
    assert image_checks.cache_problems(cached) == []
    rebuilt = BUILDAH_REBUILD.format(install="Collecting tornado==6.6.1\n--> 6c4a1a10406")
    assert image_checks.cache_problems(rebuilt) == [
        "step 3 (RUN pip install --no-cache-dir -r requirements.txt) ran again instead of coming from the cache"
    ]
    assert image_checks.cache_problems("") == ["the build log shows no steps"]


def test_cache_check_reads_docker_legacy_logs() -> None:
    log = "Step 5/9 : RUN pip install -r requirements.txt\n ---> Using cache\n ---> 1f2e3d\nStep 6/9 : COPY . .\n"
    assert image_checks.parse_build_log(log)[0].cached
    assert image_checks.cache_problems(log) == []
