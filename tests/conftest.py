"""Shared fixtures: the template's paths, bakes into temporary directories, free loopback ports."""

from __future__ import annotations

import socket
import sys
import tempfile
from pathlib import Path

import pytest

# Bytecode caches written inside the template directory would be baked into every service.
sys.dont_write_bytecode = True

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = ROOT / "{{cookiecutter.service_name}}"
sys.path.insert(0, str(TEMPLATE_DIR))


@pytest.fixture(autouse=True)
def private_tmpdir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each bake leaves its rendered hook scripts in $TMPDIR: keep them in pytest's temp dir."""
    tmp = tmp_path_factory.mktemp("tmpdir")
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
