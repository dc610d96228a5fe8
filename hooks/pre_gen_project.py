"""Check every answer before anything is generated (standard library only, offline, idempotent).

A bad answer prints one line, ``ERROR: <answer>: <what is wrong>; e.g. <a good one>``, and the
hook exits 1; cookiecutter then removes the directory it created. The validation lives in
functions so that the template's tests can call them directly. Everything but ANSWERS at the
bottom is kept from Jinja (the checks mention template markers).{% raw %}
"""

from __future__ import annotations

import keyword
import os
import re
import subprocess
import sys

NAME = re.compile(r"[a-z][a-z0-9]{1,39}")
SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
ROUTE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# Paths the service itself serves, or that browsers and proxies ask for.
RESERVED_ROUTES = {
    "analyze",
    "health",
    "metrics",
    "static",
    "openapi",
    "docs",
    "info",
    "feed",
    "check",
    "results",
    "status",
}
LICENSES = ("Apache-2.0", "MIT", "BSD-3-Clause", "GPL-3.0-only", "Proprietary")
INPUT_KINDS = ("file", "object")
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
METRICS = ("yes", "no")


class BadAnswer(ValueError):
    def __init__(self, answer: str, problem: str, example: str) -> None:
        super().__init__(f"ERROR: {answer}: {problem}; e.g. {example}")
        self.answer = answer


def shown(value: object) -> str:
    text = str(value)
    return ascii(text if len(text) <= 60 else text[:60] + "...")


def one_line(answer: str, value: str, example: str, limit: int) -> None:
    if not value.strip():
        raise BadAnswer(answer, "must not be empty", example)
    if len(value) > limit:
        raise BadAnswer(answer, f"is {len(value)} characters long, at most {limit} allowed", example)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise BadAnswer(answer, "must be one line without control characters", example)
    if "{{" in value or "{%" in value or "}}" in value:
        raise BadAnswer(answer, "must not contain template markers ({{, {%, }})", example)


def check_service_name(value: str) -> None:
    example = "peinfo"
    if not NAME.fullmatch(value):
        raise BadAnswer(
            "service_name",
            f"{shown(value)} is not 2 to 40 lower-case letters and digits starting with a letter "
            "(Totem names have no spaces, dashes, underscores or capitals)",
            example,
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise BadAnswer("service_name", f"{shown(value)} is a Python keyword", example)


def check_port(value: str) -> None:
    example = "7715"
    if not re.fullmatch(r"[0-9]{1,5}", value.strip()):
        raise BadAnswer("port", f"{shown(value)} is not a whole number", example)
    if not 1024 <= int(value) <= 65535:
        raise BadAnswer("port", f"{value} is outside 1024-65535 (the container runs as a non-root user)", example)


def check_host_port(value: str, input_kind: str) -> None:
    """The Docker host's port for Totem; Totem's own numbering is a convention, not a rule."""
    example = "7700" if input_kind == "file" else "9700"
    if not re.fullmatch(r"[0-9]{1,5}", value.strip()):
        raise BadAnswer("host_port", f"{shown(value)} is not a whole number", example)
    if not 1 <= int(value) <= 65535:
        raise BadAnswer("host_port", f"{value} is outside 1-65535", example)


def check_route(value: str) -> None:
    example = "peinfo"
    if not ROUTE.fullmatch(value):
        raise BadAnswer(
            "route",
            f"{shown(value)} is not one path segment of lower-case letters, digits, - and _ (at most 64)",
            example,
        )
    if value in RESERVED_ROUTES:
        raise BadAnswer("route", f"{shown(value)} is a path the service itself uses", example)


def check_choice(answer: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise BadAnswer(answer, f"{shown(value)} is not one of {', '.join(choices)}", choices[0])


def validate(answers: dict[str, str]) -> None:
    """Raise BadAnswer for the first answer that is not acceptable."""
    check_service_name(answers["service_name"])
    one_line("description", answers["description"], "Hashes and file type of a sample", 200)
    one_line("author", answers["author"], "Holmes Processing", 100)
    if not SEMVER.fullmatch(answers["version"]):
        raise BadAnswer("version", f"{shown(answers['version'])} is not a semantic version", "0.1.0")
    check_choice("license", answers["license"], LICENSES)
    check_port(answers["port"])
    check_route(answers["route"])
    check_choice("input_kind", answers["input_kind"], INPUT_KINDS)
    check_choice("python_version", answers["python_version"], PYTHON_VERSIONS)
    check_host_port(answers["host_port"], answers["input_kind"])
    check_choice("metrics", answers["metrics"], METRICS)


def created_parents(project_dir: str, service_name: str, output_dir: str | None = None) -> list[str]:
    """Directories cookiecutter may have made above project_dir because the name held a separator.

    cookiecutter makes ``<output_dir>/<service_name>`` with os.makedirs, so every prefix of the
    name that ends at a separator may be a new directory, wherever it points (``a/../b`` makes
    ``a`` too; an absolute name starts at the root). Only the platform's separators count (a
    backslash is a plain character on POSIX). The output directory (-o) and its ancestors are
    never listed: the user's own directory is left untouched even when it is empty. Deepest first.
    """
    separators = re.escape(os.sep + (os.altsep or ""))
    cuts = [match.start() for match in re.finditer(f"[{separators}]", service_name)]
    if not cuts:
        return []
    project = os.path.abspath(project_dir)
    if output_dir is None:
        # Without the output directory only a plain relative name (a/b/c) can be placed.
        parts = re.split(f"[{separators}]", service_name)
        if os.path.isabs(service_name) or any(part in ("", ".", "..") for part in parts):
            return []
        output_dir = project
        for _ in parts:
            output_dir = os.path.dirname(output_dir)
    output = os.path.abspath(output_dir)
    protected = {project, output}
    ancestor = output
    while os.path.dirname(ancestor) != ancestor:
        ancestor = os.path.dirname(ancestor)
        protected.add(ancestor)
    parents = {os.path.abspath(os.path.join(output, service_name[:cut])) for cut in cuts if cut > 0}
    return sorted(parents - protected, key=lambda path: (-path.count(os.sep), path))


def remove_parents_later(project_dir: str, parents: list[str]) -> None:
    """Remove the empty parents once cookiecutter has removed project_dir after this hook fails.

    They can only go after project_dir, which cookiecutter deletes when the hook has exited, so
    a short-lived helper process waits for that (at most 5 s) and removes only empty ones. It
    keeps this hook's stderr open, so a caller reading cookiecutter's output waits for it.
    """
    code = (
        "import os, sys, time\n"
        "project, parents = sys.argv[1], sys.argv[2:]\n"
        "end = time.monotonic() + 5\n"
        "while os.path.lexists(project) and time.monotonic() < end:\n"
        "    time.sleep(0.005)\n"
        "for path in parents:\n"
        "    try:\n"
        "        os.rmdir(path)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    subprocess.Popen([sys.executable, "-c", code, project_dir, *parents], start_new_session=True)


def main(answers: dict[str, str], output_dir: str | None = None) -> int:
    try:
        validate(answers)
    except BadAnswer as exc:
        print(exc, file=sys.stderr)
        parents = created_parents(os.getcwd(), answers.get("service_name", ""), output_dir)
        if parents:
            remove_parents_later(os.getcwd(), parents)
        return 1
    return 0


if __name__ == "__main__":
    # The answers, rendered by cookiecutter.{% endraw %}
    ANSWERS = {
        "service_name": {{cookiecutter.service_name | tojson}},
        "description": {{cookiecutter.description | tojson}},
        "author": {{cookiecutter.author | tojson}},
        "version": {{cookiecutter.version | tojson}},
        "license": {{cookiecutter.license | tojson}},
        "port": {{cookiecutter.port | string | tojson}},
        "route": {{cookiecutter.route | tojson}},
        "input_kind": {{cookiecutter.input_kind | tojson}},
        "python_version": {{cookiecutter.python_version | tojson}},
        "host_port": {{cookiecutter.host_port | string | tojson}},
        "metrics": {{cookiecutter.metrics | tojson}},
    }
    # Where cookiecutter was asked to generate; older versions do not tell.
    OUTPUT_DIR = {{cookiecutter._output_dir | default("") | tojson}}
    sys.exit(main({key: str(value) for key, value in ANSWERS.items()}, OUTPUT_DIR or None))
