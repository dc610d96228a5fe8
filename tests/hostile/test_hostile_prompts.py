"""Part 1: hostile answers to the template's prompts.

Every bad answer must stop ``cookiecutter`` with a non-zero exit and the template's one line
``ERROR: <answer>: <problem>; e.g. <example>`` naming it, and leave the file system exactly as it
was: no directory created anywhere, and the output directory that already existed untouched.

Answers go in as users give them: ``key=value`` on the command line (which cookiecutter renders
with Jinja first, so a literal ``{{`` is written ``{% raw %}{{{% endraw %}``) or typed at the
interactive prompts (never rendered). All cookiecutter runs happen first, two at a time, in one
fixture (cookiecutter_runner.py); each answer is then its own test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).resolve().parent / "cookiecutter_runner.py"
RAW_BRACES = "{% raw %}{{{% endraw %}"  # how a literal {{ survives cookiecutter's rendering of key=value
ABSOLUTE = "<area>"  # replaced by the case's own temporary area


@dataclass(frozen=True)
class Answer:
    field: str
    value: str  # what the template's hook receives
    why: str
    typed: bool = False  # typed at the interactive prompt instead of given as key=value
    fresh_output: bool = False  # -o names a directory that does not exist yet


HOSTILE_ANSWERS = [
    # service_name: a directory, an image name, a Python identifier, a Totem routing key
    Answer("service_name", "pe info", "space"),
    Answer("service_name", "pe-info", "dash"),
    Answer("service_name", "PeInfo", "capitals"),
    Answer("service_name", "1peinfo", "leading digit"),
    Answer("service_name", "class", "Python keyword"),
    Answer("service_name", "match", "Python soft keyword"),
    Answer("service_name", "import", "Python keyword"),
    Answer("service_name", "x/y", "path separator"),
    Answer("service_name", "x/y/z/", "path separators and a trailing one"),
    Answer("service_name", "./x", "current directory"),
    Answer("service_name", "../escape", "parent directory"),
    Answer("service_name", "a/../b", "separator and parent inside"),
    Answer("service_name", "x/../../outer", "climbs above the output directory"),
    Answer("service_name", f"{ABSOLUTE}/abs/x", "absolute path"),
    Answer("service_name", "a\\b", "backslash"),
    Answer("service_name", "{{", "Jinja marker, as key=value"),
    Answer("service_name", "pe{{info}}", "Jinja markers, typed", typed=True),
    Answer("service_name", 'pe"info', "double quote"),
    Answer("service_name", "pe'info", "single quote"),
    Answer("service_name", "pe\ninfo", "newline"),
    Answer("service_name", "pe\tinfo", "tab"),
    Answer("service_name", "café", "non-ASCII"),
    Answer("service_name", "пейнфо", "Cyrillic"),
    Answer("service_name", "", "empty", fresh_output=True),
    Answer("service_name", "a" * 200, "200 characters"),
    Answer("service_name", "p", "one character"),
    # port: a number a non-root user may bind inside the container
    Answer("port", "0", "zero"),
    Answer("port", "80", "privileged"),
    Answer("port", "1023", "privileged, just"),
    Answer("port", "65536", "above 65535"),
    Answer("port", "-1", "negative"),
    Answer("port", "7715.5", "fraction"),
    Answer("port", "abc", "not a number"),
    Answer("port", "", "empty"),
    Answer("port", "7715; rm -rf /", "shell"),
    Answer("port", "99999999999999999999", "huge"),
    # route: one path segment the service does not already use
    Answer("route", "analyze", "the service's own endpoint"),
    Answer("route", "health", "the service's own endpoint"),
    Answer("route", "a/b", "two segments"),
    Answer("route", "..", "parent directory"),
    Answer("route", "", "empty"),
    Answer("route", "a b", "space"),
    Answer("route", "Peinfo", "capital"),
    Answer("route", "-peinfo", "leading dash"),
    Answer("route", "r" * 65, "65 characters"),
    Answer("route", "(?P<x>.*)", "a regular expression"),
    Answer("route", "{{", "Jinja marker, typed", typed=True),
    # free text: one line, no template markers
    Answer("description", "two\nlines", "newline"),
    Answer("author", "{{ cookiecutter.port }}", "Jinja markers, typed", typed=True),
    Answer("version", "1.0", "not semantic"),
]


def prompt_order() -> list[str]:
    """The prompts in the order cookiecutter asks them (private keys are never asked)."""
    return [key for key in json.loads((ROOT / "cookiecutter.json").read_text()) if not key.startswith("_")]


def snapshot(area: Path) -> dict[str, tuple[str, int, int]]:
    """Everything under area (but its cookiecutter scratch dir): kind, size, mtime."""
    found = {}
    for path in sorted(area.rglob("*")):
        relative = path.relative_to(area).as_posix()
        if relative == "scratch" or relative.startswith("scratch/"):
            continue
        info = path.lstat()
        kind = "dir" if path.is_dir() and not path.is_symlink() else "file"
        found[relative] = (kind, info.st_size if kind == "file" else 0, info.st_mtime_ns if kind == "file" else 0)
    return found


@dataclass
class Outcome:
    answer: Answer
    value: str  # with <area> filled in
    returncode: int
    stdout: str
    stderr: str
    before: dict[str, tuple[str, int, int]]
    after: dict[str, tuple[str, int, int]]

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def prepare_area(area: Path, *, empty_output: bool = False) -> Path:
    """An output directory that already holds a user's work (or nothing), in an area of its own."""
    output = area / "out"
    output.mkdir(parents=True)
    (area / "scratch").mkdir()
    if not empty_output:
        (output / "keep.txt").write_text("the user's own file\n")
        (output / "earlier-project").mkdir()
        (output / "earlier-project" / "notes.md").write_text("# older work\n")
    return output


@dataclass
class Attempt:
    key: str
    answer: Answer
    value: str
    area: Path
    before: dict[str, tuple[str, int, int]]
    job: dict[str, Any]


def prepare(root: Path, key: str, answer: Answer, *, empty_output: bool = False, literal: bool = False) -> Attempt:
    """The area, its snapshot and the cookiecutter command line for one answer."""
    area = root / key
    output = prepare_area(area, empty_output=empty_output)
    value = answer.value.replace(ABSOLUTE, str(area))
    before = snapshot(area)
    if answer.fresh_output:
        output = area / "fresh"
    job: dict[str, Any] = {"tmpdir": str(area / "scratch"), "args": [str(ROOT), "-o", str(output)]}
    if answer.typed:
        job["stdin"] = "".join(f"{value if name == answer.field else ''}\n" for name in prompt_order())
    else:
        given = value if literal else value.replace("{{", RAW_BRACES)
        job["args"] += ["--no-input", f"{answer.field}={given}"]
    return Attempt(key, answer, value, area, before, job)


def run_all(attempts: list[Attempt]) -> dict[str, Outcome]:
    """Every attempt, in two runner processes side by side (the CI machine has 2 cores)."""
    halves = [attempts[0::2], attempts[1::2]]

    def run_half(index: int) -> list[dict[str, Any]]:
        jobs_file = attempts[0].area.parent / f"jobs-{index}.json"
        jobs_file.write_text(json.dumps([attempt.job for attempt in halves[index]]))
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        command = [sys.executable, str(RUNNER), str(jobs_file)]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=240)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run_half, range(2)))
    outcomes = {}
    for half, half_results in zip(halves, results, strict=True):
        for attempt, result in zip(half, half_results, strict=True):
            outcomes[attempt.key] = Outcome(
                attempt.answer,
                attempt.value,
                result["returncode"],
                result["stdout"],
                result["stderr"],
                attempt.before,
                snapshot(attempt.area),
            )
    return outcomes


def case_id(index: int, answer: Answer) -> str:
    return f"{index:02d}-{answer.field}-{answer.why.replace(' ', '_')}"


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("prompts")
    attempts = [prepare(root, case_id(index, answer), answer) for index, answer in enumerate(HOSTILE_ANSWERS)]
    # The separator answers again, into an output directory that is empty: it must survive too.
    attempts += [
        prepare(root, f"empty-{case_id(index, answer)}", answer, empty_output=True)
        for index, answer in enumerate(HOSTILE_ANSWERS)
        if answer.field == "service_name" and re.search(r"[/\\]", answer.value) and "escape" not in answer.value
    ]
    # Names that render to a directory that exists (the output directory, its parent): cookiecutter
    # refuses them before any hook runs.
    attempts += [
        prepare(root, f"exists-{why}", Answer("service_name", value, why))
        for value, why in (("", "empty"), ("..", "parent"), (".", "current"))
    ]
    attempts.append(prepare(root, "control", Answer("service_name", "hashinfo", "a good answer")))
    attempts.append(prepare(root, "unescaped-braces", Answer("service_name", "{{", "unescaped"), literal=True))
    return run_all(attempts)


def template_errors(outcome: Outcome) -> list[str]:
    """The template's own ERROR lines (cookiecutter adds ``ERROR: Stopping generation ...``)."""
    lines = outcome.stdout.splitlines() + outcome.stderr.splitlines()
    return [line for line in lines if line.startswith("ERROR: ") and not line.startswith("ERROR: Stopping")]


def check_refused(outcome: Outcome) -> None:
    answer = outcome.answer
    assert outcome.returncode != 0, f"{answer.field}={outcome.value!r} was accepted:\n{outcome.output}"
    errors = template_errors(outcome)
    assert len(errors) == 1, f"expected one ERROR line for {answer.field}={outcome.value!r}:\n{outcome.output}"
    line = errors[0]
    # The line names the answer and shows the bad value (printable, maybe shortened), and an example.
    assert re.fullmatch(rf"ERROR: {answer.field}: .+; e\.g\. \S.*", line), line
    if answer.field in ("service_name", "port", "route"):
        shown = ascii(outcome.value)[1:-1][:40]
        assert shown in line, f"{line!r} does not show {shown!r}"
    assert outcome.after == outcome.before, f"the file system changed for {answer.field}={outcome.value!r}"


@pytest.mark.parametrize(
    "key", [case_id(index, answer) for index, answer in enumerate(HOSTILE_ANSWERS)], ids=lambda key: key
)
def test_hostile_answer_is_refused_and_leaves_nothing(
    key: str, outcomes: dict[str, Outcome], record_cases: Callable[..., None]
) -> None:
    record_cases(1)
    check_refused(outcomes[key])


def test_separator_answers_leave_an_empty_output_directory_in_place(
    outcomes: dict[str, Outcome], record_cases: Callable[..., None]
) -> None:
    cases = {key: outcome for key, outcome in outcomes.items() if key.startswith("empty-")}
    failed = []
    for key, outcome in cases.items():
        try:
            check_refused(outcome)
            assert "out" in outcome.after, "the empty output directory was removed"
        except AssertionError as exc:
            failed.append(f"{key}: {exc}")
    record_cases(len(cases), len(failed))
    assert len(cases) >= 6
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("why", ["empty", "parent", "current"])
def test_name_of_an_existing_directory_is_refused_untouched(
    why: str, outcomes: dict[str, Outcome], record_cases: Callable[..., None]
) -> None:
    # "", "." and ".." render the output directory or its parent, which exist: cookiecutter
    # refuses before any hook can run, so its own line is the one to expect here. (An empty
    # name into an output directory that does not exist yet reaches the template: see above.)
    record_cases(1)
    outcome = outcomes[f"exists-{why}"]
    assert outcome.returncode != 0
    assert re.search(r'^Error: ".*/out(/\.\.?)?" directory already exists$', outcome.output, re.MULTILINE), (
        outcome.output
    )
    assert outcome.after == outcome.before


def test_unescaped_braces_on_the_command_line_create_nothing(
    outcomes: dict[str, Outcome], record_cases: Callable[..., None]
) -> None:
    # cookiecutter renders key=value with Jinja before the template sees it: `{{` is a syntax
    # error there, reported by cookiecutter (not the template); nothing may be created.
    record_cases(1)
    outcome = outcomes["unescaped-braces"]
    assert outcome.returncode != 0
    assert "TemplateSyntaxError" in outcome.output
    assert outcome.after == outcome.before


def test_a_good_answer_in_the_same_setup_is_generated(outcomes: dict[str, Outcome]) -> None:
    # The control: the same command line with a good answer generates, beside the user's files.
    outcome = outcomes["control"]
    assert outcome.returncode == 0, outcome.output
    assert "out/hashinfo/service.py" in outcome.after
    assert {key: value for key, value in outcome.after.items() if not key.startswith("out/hashinfo")} == outcome.before
