"""Bakes: the default and every combination of input_kind x license x python_version.

Each bake must render completely (no Jinja left), be ruff-clean, and pass its own tests when
they are run inside the bake, as a service author would run them.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

LICENSES = ["Apache-2.0", "MIT", "BSD-3-Clause", "GPL-3.0-only", "Proprietary"]
LICENSE_FIRST_LINES = {
    "Apache-2.0": "Apache License",
    "MIT": "MIT License",
    "BSD-3-Clause": "BSD 3-Clause License",
    "GPL-3.0-only": "GNU GENERAL PUBLIC LICENSE",
    "Proprietary": "All rights reserved.",
}
MATRIX = list(itertools.product(["file", "object"], LICENSES, ["3.11", "3.12", "3.13"]))
JINJA_MARKERS = ("{{ cookiecutter", "{{cookiecutter", "{%", "{#")


def run(command: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def leftover_jinja(project: Path) -> list[str]:
    found = []
    for path in project.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path.relative_to(project)}: {marker}" for marker in JINJA_MARKERS if marker in text]
    return found


def check_bake(project: Path, answers: dict[str, str]) -> None:
    assert not leftover_jinja(project)
    lint = run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], project)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run([sys.executable, "-m", "ruff", "format", "--no-cache", "--check", "."], project)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    own_tests = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    assert own_tests.returncode == 0, own_tests.stdout[-3000:] + own_tests.stderr[-3000:]
    assert " passed" in own_tests.stdout


def test_default_bake(cookies) -> None:
    result = cookies.bake()
    assert result.exit_code == 0, result.exception
    project = Path(result.project_path)
    assert project.name == "hashinfo"
    expected = {
        "service.py", "analysis.py", "service.conf", "Dockerfile", ".dockerignore", "requirements.txt",
        "requirements-dev.txt", "README.md", "LICENSE", ".gitignore", "pyproject.toml", "holmeslibrary", "tests",
    }  # fmt: skip
    assert expected <= {p.name for p in project.iterdir()}
    assert not (project / "tests" / "test_analysis_object.py").exists()
    conf = json.loads((project / "service.conf").read_text())
    assert conf["settings"]["httpbinding"] == 7715
    assert conf["settings"]["sample_dir"] == "/tmp"
    assert "hashinfo" in conf
    check_bake(project, {})


def test_holmeslibrary_is_copied_verbatim(cookies) -> None:
    result = cookies.bake()
    template = Path(__file__).resolve().parent.parent / "{{cookiecutter.service_name}}" / "holmeslibrary"
    for source in template.glob("*.py"):
        assert (Path(result.project_path) / "holmeslibrary" / source.name).read_bytes() == source.read_bytes()


@pytest.mark.parametrize(("input_kind", "license", "python_version"), MATRIX)
def test_matrix_bake(cookies, input_kind: str, license: str, python_version: str) -> None:
    answers = {
        "service_name": f"svc{input_kind}",
        "input_kind": input_kind,
        "license": license,
        "python_version": python_version,
        "port": "9710",
        "route": "legacy",
    }
    result = cookies.bake(extra_context=answers)
    assert result.exit_code == 0, result.exception
    project = Path(result.project_path)
    assert LICENSE_FIRST_LINES[license] in (project / "LICENSE").read_text()[:400]
    assert (project / "Dockerfile").read_text().startswith(f"FROM python:{python_version}-slim\n")
    kind_tests = {p.name for p in (project / "tests").glob("test_analysis_*.py")}
    assert kind_tests == {f"test_analysis_{input_kind}.py"}
    assert '"/legacy/([^/]+)"' in (project / "service.py").read_text()
    check_bake(project, answers)
