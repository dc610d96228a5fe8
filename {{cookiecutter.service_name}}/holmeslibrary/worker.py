"""A worker process: imports the service's analysis once, then analyses one sample at a time.

Started by WorkerPool as ``python -m holmeslibrary.worker``. Requests arrive on stdin, answers
leave on the original stdout; fd 1 is pointed at stderr first, so a stray print() in an analysis
(or a C library writing to stdout) lands in the log instead of corrupting the protocol.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import resource
import signal
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

from . import protocol
from .errors import AnalysisFailed, ServiceRequestError, error_to_wire
from .logs import configure_logging
from .objects import classify_object
from .results import ServiceResultSet
from .samples import Sample, open_sample

log = logging.getLogger("holmeslibrary.worker")


class Analysis:
    """The service's analyze function, with what it needs to turn obj into its argument."""

    def __init__(self, setup: dict[str, Any]) -> None:
        self.input_kind: str = setup["input_kind"]
        self.sample_dir: str = setup["sample_dir"]
        self.max_sample_size: int = setup["max_sample_size"]
        self.allow_private: bool = setup["allow_private_addresses"]
        self.section: dict[str, Any] = setup["section"]
        if setup.get("module_dir"):
            sys.path.insert(0, setup["module_dir"])
        module = importlib.import_module(setup["module"])
        self.function: Callable[[Any, dict[str, Any]], Any] = getattr(module, setup["function"])

    def sample_for(self, obj: str) -> Any:
        if self.input_kind == "object":
            return classify_object(obj, allow_private=self.allow_private)
        # Checked again here: the file may have changed since the server looked at it.
        fd, size = open_sample(self.sample_dir, obj, self.max_sample_size)
        os.close(fd)
        return Sample(name=obj, path=os.path.join(self.sample_dir, obj), size=size)

    def run(self, obj: str) -> dict[str, Any]:
        result = self.function(self.sample_for(obj), self.section)
        if isinstance(result, ServiceResultSet):
            result = result.to_dict()
        if not isinstance(result, dict):
            raise AnalysisFailed(f"analyze returned {type(result).__name__}, not a dict")
        try:
            json.dumps(result, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise AnalysisFailed(f"analyze returned a value that is not JSON: {exc}") from None
        return result


def answer(analysis: Analysis, job: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"id": job["id"], "result": analysis.run(job["obj"])}
    except ServiceRequestError as exc:
        return {"id": job["id"], "error": error_to_wire(exc)}
    except MemoryError:
        # Nothing is done here: the traceback still holds the analysis' frames and so all the
        # memory it took; it is released when this block ends, and only then is there room to
        # log and answer.
        pass
    except Exception as exc:
        # The traceback goes to the operator's log, never to the caller.
        log.exception("analysis raised %s", type(exc).__name__, extra={"obj": job["obj"]})
        failure = AnalysisFailed(f"the analysis raised {type(exc).__name__}")
        return {"id": job["id"], "error": error_to_wire(failure)}
    log.error("analysis ran out of memory", extra={"obj": job["obj"]})
    return {"id": job["id"], "error": error_to_wire(AnalysisFailed("the analysis ran out of memory"))}


def limit_memory(megabytes: int) -> None:
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def serve(setup: dict[str, Any], requests: BinaryIO, answers: BinaryIO) -> int:
    try:
        analysis = Analysis(setup)
    except Exception as exc:
        answers.write(protocol.encode({"fatal": f"cannot load the analysis: {type(exc).__name__}: {exc}"}))
        answers.flush()
        return 1
    # The limit comes after the import: it bounds what one analysis may allocate.
    limit_memory(setup.get("memory_limit_mb", 0))
    answers.write(protocol.encode({"ready": True}))
    answers.flush()
    for line in requests:
        reply = answer(analysis, protocol.decode(line))
        answers.write(protocol.encode(reply))
        answers.flush()
    return 0


def main() -> int:
    # Ctrl-C reaches the whole process group; only the server decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    setup = json.loads(os.environ.pop(protocol.SETUP_VARIABLE))
    configure_logging(setup.get("log_level", "INFO"), service=setup.get("service", {}), role="worker")
    return serve(setup, sys.stdin.buffer, answers)


if __name__ == "__main__":
    sys.exit(main())
