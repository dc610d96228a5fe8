"""The line protocol between the server and its worker processes: one JSON object per line.

server -> worker   {"id": 1, "obj": "<obj>"}
worker -> server   {"ready": true} once, after importing the analysis
                   {"fatal": "<message>"} instead, if the analysis cannot be imported
                   {"id": 1, "result": {...}} or {"id": 1, "error": {"type", "message", "status"}}
The worker's setup travels in the environment variable below, not on the command line, so that
secrets in the service's config section never show in the process list.
"""

from __future__ import annotations

import json
from typing import Any

SETUP_VARIABLE = "HOLMES_WORKER_SETUP"


def encode(message: dict[str, Any]) -> bytes:
    # json.dumps escapes every newline inside strings, so a line is always one message.
    return json.dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("a protocol message must be a JSON object")
    return message
