"""Bakes: the default and every combination of input_kind x license x python_version.

Each bake must render completely (no Jinja left), be ruff-clean, and pass its own tests when
they are run inside the bake, as a service author would run them.

python_version changes only the Dockerfile's FROM line and the CI workflow, which the service's
tests cannot observe. So the service's own test suite runs once for each distinct code tree
(input_kind x license, and metrics off), and every matrix bake proves that its code tree is
byte-identical to the one whose tests ran: the same inputs, the same outcome.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter
from template_paths import ROOT

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


def check_rendered_and_clean(project: Path) -> None:
    assert not leftover_jinja(project)
    lint = run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], project)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run([sys.executable, "-m", "ruff", "format", "--no-cache", "--check", "."], project)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def check_own_tests_pass(project: Path) -> None:
    own_tests = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    assert own_tests.returncode == 0, own_tests.stdout[-3000:] + own_tests.stderr[-3000:]
    assert " passed" in own_tests.stdout


# What the service's tests can observe: its code, config and requirements.
CODE_SUFFIXES = {".py", ".conf", ".toml", ".txt", ".json"}


def code_fingerprint(project: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(project.rglob("*")):
        if path.is_file() and path.suffix in CODE_SUFFIXES:
            digest.update(path.relative_to(project).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def matrix_answers(input_kind: str, license: str, metrics: str = "yes") -> dict[str, str]:
    return {
        "service_name": f"svc{input_kind}",
        "input_kind": input_kind,
        "license": license,
        "port": "9710",
        "route": "legacy",
        "metrics": metrics,
    }


@functools.cache
def reference_fingerprint(input_kind: str, license: str) -> str:
    """The code tree of a matrix bake with the default python_version."""
    out = Path(os.environ["TMPDIR"]) / f"reference-{input_kind}-{license}"
    answers = matrix_answers(input_kind, license)
    return code_fingerprint(Path(cookiecutter(str(ROOT), no_input=True, extra_context=answers, output_dir=str(out))))


CODE_TREES = [(kind, license, "yes") for kind, license in itertools.product(["file", "object"], LICENSES)]
CODE_TREES += [("file", "Apache-2.0", "no"), ("object", "Apache-2.0", "no")]


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
    check_rendered_and_clean(project)
    check_own_tests_pass(project)


@pytest.mark.parametrize(
    ("description", "checks"),
    [
        ("Hashes, entropy and file type of a sample", (["check"], ["format", "--check"])),
        # tojson writes "A \"quoted\"" where ruff format would prefer single quotes: lint only.
        ('A "quoted" description, with a \\ backslash', (["check"],)),
    ],
)
def test_rendered_hooks_are_ruff_clean(
    cookies, private_tmpdir: Path, description: str, checks: tuple[list[str], ...]
) -> None:
    # cookiecutter leaves each hook, as rendered and run, in $TMPDIR.
    result = cookies.bake(extra_context={"description": description})
    assert result.exit_code == 0, result.exception
    hooks = sorted(map(str, private_tmpdir.glob("*.py")))
    assert len(hooks) == 2
    config = ["--no-cache", "--config", str(ROOT / "pyproject.toml")]
    for command in checks:
        lint = run([sys.executable, "-m", "ruff", *command, *config, *hooks], ROOT)
        assert lint.returncode == 0, lint.stdout + lint.stderr


def test_holmeslibrary_is_copied_verbatim(cookies) -> None:
    result = cookies.bake()
    template = Path(__file__).resolve().parent.parent / "{{cookiecutter.service_name}}" / "holmeslibrary"
    for source in template.glob("*.py"):
        assert (Path(result.project_path) / "holmeslibrary" / source.name).read_bytes() == source.read_bytes()


@pytest.mark.parametrize(("input_kind", "license", "metrics"), CODE_TREES)
def test_own_tests_pass_in_each_code_tree(cookies, input_kind: str, license: str, metrics: str) -> None:
    result = cookies.bake(extra_context=matrix_answers(input_kind, license, metrics))
    assert result.exit_code == 0, result.exception
    project = Path(result.project_path)
    check_rendered_and_clean(project)
    assert (project / "holmeslibrary" / "metrics.py").exists() == (metrics == "yes")
    check_own_tests_pass(project)


@pytest.mark.parametrize(("input_kind", "license", "python_version"), MATRIX)
def test_matrix_bake(cookies, input_kind: str, license: str, python_version: str) -> None:
    answers = {**matrix_answers(input_kind, license), "python_version": python_version}
    result = cookies.bake(extra_context=answers)
    assert result.exit_code == 0, result.exception
    project = Path(result.project_path)
    check_rendered_and_clean(project)
    assert LICENSE_FIRST_LINES[license] in (project / "LICENSE").read_text()[:400]
    assert (project / "Dockerfile").read_text().startswith(f"FROM python:{python_version}-slim\n")
    kind_tests = {p.name for p in (project / "tests").glob("test_analysis_*.py")}
    assert kind_tests == {f"test_analysis_{input_kind}.py"}
    assert '"/legacy/([^/]+)"' in (project / "service.py").read_text()
    # The code tree whose own tests pass in test_own_tests_pass_in_each_code_tree.
    assert code_fingerprint(project) == reference_fingerprint(input_kind, license)
