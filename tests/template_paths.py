"""Where the template lives, and free loopback ports: shared by every test module.

Kept out of conftest.py because tests/hostile has a conftest of its own, and both cannot be
imported under the same module name.
"""

from __future__ import annotations

import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = ROOT / "{{cookiecutter.service_name}}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
