"""Shared fixtures: a private TMPDIR for every test, and no bytecode in the template directory."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest
from template_paths import TEMPLATE_DIR

# Bytecode caches written inside the template directory would be baked into every service.
sys.dont_write_bytecode = True
# holmeslibrary is imported straight from the template, as plain Python.
sys.path.insert(0, str(TEMPLATE_DIR))


@pytest.fixture(autouse=True)
def private_tmpdir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each bake leaves its rendered hook scripts in $TMPDIR: keep them in pytest's temp dir."""
    tmp = tmp_path_factory.mktemp("tmpdir")
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp
