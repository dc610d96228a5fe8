"""Updates with cruft: a service made from a git copy of the template follows the template's changes.

The whole life cycle runs without a network (in a network namespace of its own when the machine
allows one), which also shows that the hooks never reach out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from template_paths import ROOT

TEMPLATE_PARTS = ["cookiecutter.json", "hooks", "templates", "{{cookiecutter.service_name}}"]
CACHES = shutil.ignore_patterns("__pycache__", "*.pyc", ".ruff_cache", ".pytest_cache", ".hypothesis")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def offline_prefix() -> list[str]:
    """``unshare --net`` (no interface but a downed loopback) where the machine permits it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "--net", "true"], capture_output=True, check=False).returncode == 0:
        return [unshare, "--net"]
    return []


def run(command: list[str], cwd: Path, *, offline: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_IDENTITY, "PYTHONDONTWRITEBYTECODE": "1"}
    prefix = offline_prefix() if offline else []
    return subprocess.run(prefix + command, cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False)


def git(cwd: Path, *args: str) -> str:
    done = run(["git", *args], cwd)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def commit_all(cwd: Path, message: str) -> str:
    git(cwd, "add", "--all")
    git(cwd, "commit", "--quiet", "--message", message)
    return git(cwd, "rev-parse", "HEAD")


def cruft(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([shutil.which("cruft") or "cruft", *args], cwd, offline=True)


@pytest.fixture
def template_repo(tmp_path: Path) -> Path:
    """A git repository holding the template as it is in the work tree."""
    repo = tmp_path / "template"
    repo.mkdir()
    for part in TEMPLATE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, repo / part, ignore=CACHES)
        else:
            shutil.copyfile(source, repo / part)
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit_all(repo, "template")
    return repo


def test_cruft_create_update_check(template_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "services"
    out.mkdir()
    created = cruft(
        out, "create", str(template_repo), "--no-input", "--extra-context", json.dumps({"service_name": "peinfo2"})
    )
    assert created.returncode == 0, created.stdout + created.stderr
    service = out / "peinfo2"
    cruft_state = json.loads((service / ".cruft.json").read_text())
    assert cruft_state["context"]["cookiecutter"]["service_name"] == "peinfo2"
    assert (service / "totem" / "Peinfo2REST.scala").is_file()
    git(service, "init", "--quiet", "--initial-branch=main")
    commit_all(service, "service from the template")
    assert cruft(service, "check").returncode == 0

    # The author edits the analysis; the template gains a file and changes another one.
    analysis = service / "analysis.py"
    analysis.write_text(analysis.read_text() + "\n# the author's own change\n")
    commit_all(service, "author's change")
    (template_repo / "{{cookiecutter.service_name}}" / "CHANGES.md").write_text(
        "# {{ cookiecutter.service_name }} changes\n"
    )
    editorconfig = template_repo / "{{cookiecutter.service_name}}" / ".editorconfig"
    editorconfig.write_text(editorconfig.read_text() + "\n[Makefile]\nindent_style = tab\n")
    new_commit = commit_all(template_repo, "template change")

    stale = cruft(service, "check")
    assert stale.returncode != 0, stale.stdout + stale.stderr

    updated = cruft(service, "update", "--skip-apply-ask")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert (service / "CHANGES.md").read_text() == "# peinfo2 changes\n"
    assert (service / ".editorconfig").read_text().endswith("[Makefile]\nindent_style = tab\n")
    assert analysis.read_text().endswith("# the author's own change\n")
    assert json.loads((service / ".cruft.json").read_text())["commit"] == new_commit
    assert not list(service.rglob("*.rej")), "a hunk did not apply"

    current = cruft(service, "check")
    assert current.returncode == 0, current.stdout + current.stderr


def test_post_gen_hook_is_idempotent(template_repo: Path, tmp_path: Path) -> None:
    """Running the cleanup hook again on a generated service removes nothing more."""
    out = tmp_path / "services"
    out.mkdir()
    extra = json.dumps({"service_name": "dnsmeta2", "input_kind": "object", "metrics": "no"})
    created = cruft(out, "create", str(template_repo), "--no-input", "--extra-context", extra)
    assert created.returncode == 0, created.stdout + created.stderr
    service = out / "dnsmeta2"
    before = sorted(str(path.relative_to(service)) for path in service.rglob("*"))
    assert "holmeslibrary/metrics.py" not in before
    assert "tests/test_analysis_file.py" not in before
    # Rendered as cookiecutter renders it, with the answers the service was made with.
    hook = (template_repo / "hooks" / "post_gen_project.py").read_text()
    context = json.loads((service / ".cruft.json").read_text())["context"]
    rendered = jinja2.Template(hook, keep_trailing_newline=True).render(context)
    (tmp_path / "hook.py").write_text(rendered)
    again = run([sys.executable, str(tmp_path / "hook.py")], service, offline=True)
    assert again.returncode == 0, again.stderr
    assert sorted(str(path.relative_to(service)) for path in service.rglob("*")) == before
