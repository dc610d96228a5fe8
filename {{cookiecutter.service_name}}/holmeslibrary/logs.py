"""Structured logs: one JSON object per line on stderr, which Docker and Totem's hosts collect."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from typing import Any

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def __init__(self, static: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.static = dict(static or {})

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **self.static,
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str, *, service: Mapping[str, Any] | None = None, role: str = "server") -> None:
    """Send every log record to stderr as JSON, tagged with the service's name and version."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter({**(service or {}), "role": role}))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Tornado logs each request itself; the service writes its own richer request line instead.
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
