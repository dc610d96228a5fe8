"""The hooks: every answer is validated, a bad one stops generation cleanly, cleanup is idempotent."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from template_paths import ROOT

GOOD = {
    "service_name": "peinfo",
    "description": "PE headers",
    "author": "Holmes Processing",
    "version": "1.2.3",
    "license": "MIT",
    "port": "7715",
    "route": "peinfo",
    "input_kind": "file",
    "python_version": "3.11",
    "host_port": "7700",
    "metrics": "yes",
}


def load_hook(name: str) -> ModuleType:
    """Import a hook as a module: only its `__main__` block holds Jinja, so it imports as is."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")


def test_good_answers_pass() -> None:
    pre_gen.validate(GOOD)
    for version in ("0.1.0", "10.20.30", "1.0.0-rc.1", "1.0.0+build.5"):
        pre_gen.validate({**GOOD, "version": version})
    for port in ("1024", "65535"):
        pre_gen.validate({**GOOD, "port": port})


@pytest.mark.parametrize(
    ("answer", "value", "problem"),
    [
        ("service_name", "Pe", "lower-case letters and digits"),
        ("service_name", "p", "2 to 40"),
        ("service_name", "class", "Python keyword"),
        ("service_name", "match", "Python keyword"),
        ("version", "1.0", "not a semantic version"),
        ("version", "01.0.0", "not a semantic version"),
        ("description", "two\nlines", "one line"),
        ("description", "x" * 201, "at most 200"),
        ("description", "{{ cookiecutter.author }}", "template markers"),
        ("author", " ", "must not be empty"),
        ("license", "WTFPL", "not one of"),
        ("port", "1023", "outside 1024-65535"),
        ("port", "7715.5", "not a whole number"),
        ("route", "metrics", "path the service itself uses"),
        ("route", "-x", "one path segment"),
        ("input_kind", "stream", "not one of"),
        ("python_version", "2.7", "not one of"),
        ("host_port", "77OO", "not a whole number"),
        ("host_port", "70000", "outside 1-65535"),
        ("metrics", "maybe", "not one of"),
    ],
)
def test_each_bad_answer_names_itself_and_gives_an_example(answer: str, value: str, problem: str) -> None:
    with pytest.raises(pre_gen.BadAnswer) as caught:
        pre_gen.validate({**GOOD, answer: value})
    line = str(caught.value)
    assert line.startswith(f"ERROR: {answer}: ")
    assert problem in line
    assert "; e.g. " in line
    assert "\n" not in line


def test_post_gen_removes_only_the_other_kinds_files_and_can_run_again(tmp_path: Path) -> None:
    for relative in ("tests/test_analysis_file.py", "tests/test_analysis_object.py", "service.py"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("x")
    for _ in range(2):
        post_gen.remove(post_gen.unneeded("file"), tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*.py")) == ["service.py", "test_analysis_file.py"]


# Bad answers as a user gives them on the command line; each must stop generation with the
# template's one-line ERROR naming the answer, and leave the output directory as it was.
BAD_ANSWERS = [
    ("service_name", "My Service"),
    ("service_name", "pe-info"),
    ("service_name", "pe_info"),
    ("service_name", "PEinfo"),
    ("service_name", "1peinfo"),
    ("service_name", "import"),
    ("service_name", "a/b"),
    ("service_name", "../escape"),
    ("service_name", "x" * 41),
    ("service_name", "caf\u00e9"),
    ("port", "0"),
    ("port", "80"),
    ("port", "65536"),
    ("port", "-1"),
    ("port", "abc"),
    ("port", "7715.5"),
    ("route", "analyze"),
    ("route", "health"),
    ("route", "a/b"),
    ("route", ".."),
    ("route", "a b"),
    ("route", "Upper"),
    ("version", "one"),
    ("description", ""),
]


def bake_cli(out: Path, answer: str, value: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", str(ROOT), "-o", str(out), f"{answer}={value}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_error_line(done: subprocess.CompletedProcess[str], answer: str) -> None:
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith(f"ERROR: {answer}: ")]
    assert len(errors) == 1, done.stderr
    assert "; e.g. " in errors[0]


@pytest.mark.parametrize(("answer", "value"), BAD_ANSWERS)
def test_cookiecutter_stops_on_a_bad_answer_and_leaves_no_directory(tmp_path: Path, answer: str, value: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "existing").mkdir()
    (out / "existing" / "keep.txt").write_text("untouched")
    assert_one_error_line(bake_cli(out, answer, value), answer)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["existing", "existing/keep.txt"]
    assert (out / "existing" / "keep.txt").read_text() == "untouched"


def test_an_empty_name_stops_generation_and_leaves_no_directory(tmp_path: Path) -> None:
    # An empty name renders to the output directory itself, which cookiecutter then creates.
    out = tmp_path / "out"
    assert_one_error_line(bake_cli(out, "service_name", ""), "service_name")
    assert not out.exists()
