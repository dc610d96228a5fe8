"""Run the ``cookiecutter`` command many times, cheaply: ``python cookiecutter_runner.py JOBS.json``.

Each job is one run of cookiecutter's own command-line entry point (``cookiecutter.cli.main``,
what the ``cookiecutter`` command calls) in a process of its own, forked after the import so that
the import is paid once instead of once per run. A job gives the arguments, the TMPDIR, and what
to type at the prompts; the result is its exit code, stdout and stderr, read until every process
holding them is done (the pre_gen hook's clean-up helper included). JSON results go to stdout.
"""

from __future__ import annotations

import json
import os
import selectors
import sys
import tempfile
import traceback
from typing import Any

from cookiecutter.cli import main as cookiecutter_main


def child(job: dict[str, Any], stdin: int, stdout: int, stderr: int) -> None:
    os.dup2(stdin, 0)
    os.dup2(stdout, 1)
    os.dup2(stderr, 2)
    os.environ["TMPDIR"] = job["tmpdir"]
    tempfile.tempdir = None  # forget the parent's choice, as a fresh process would
    code = 1
    try:
        cookiecutter_main(job["args"], prog_name="cookiecutter")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run(job: dict[str, Any]) -> dict[str, Any]:
    stdin_read, stdin_write = os.pipe()
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        for fd in (stdin_write, out_read, err_read):
            os.close(fd)
        child(job, stdin_read, out_write, err_write)
    for fd in (stdin_read, out_write, err_write):
        os.close(fd)
    os.write(stdin_write, job.get("stdin", "").encode())  # far below a pipe's capacity
    os.close(stdin_write)
    captured = {out_read: bytearray(), err_read: bytearray()}
    with selectors.DefaultSelector() as selector:
        for fd in captured:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            for key, _ in selector.select():
                data = os.read(key.fd, 65536)
                if data:
                    captured[key.fd] += data
                else:
                    selector.unregister(key.fd)
                    os.close(key.fd)
    _, status = os.waitpid(pid, 0)
    return {
        "returncode": os.waitstatus_to_exitcode(status),
        "stdout": captured[out_read].decode(errors="replace"),
        "stderr": captured[err_read].decode(errors="replace"),
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as jobs:
        print(json.dumps([run(job) for job in json.load(jobs)]))
