"""Remove what the chosen options do not need (offline, and safe to run again)."""

from __future__ import annotations

import shutil
from pathlib import Path

# Files that belong to only one input kind; the other kind's copy is removed.
ONLY_FOR = {
    "file": ["tests/test_analysis_file.py"],
    "object": ["tests/test_analysis_object.py"],
}


# Files of the /metrics endpoint, removed when the service is generated without metrics.
METRICS_FILES = ["holmeslibrary/metrics.py", "tests/test_metrics.py"]


def unneeded(input_kind: str, metrics: str = "yes") -> list[str]:
    paths = [path for kind, paths in ONLY_FOR.items() if kind != input_kind for path in paths]
    return paths + (METRICS_FILES if metrics == "no" else [])


def remove(paths: list[str], root: Path) -> None:
    for relative in paths:
        target = root / relative
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()


if __name__ == "__main__":
    INPUT_KIND = {{cookiecutter.input_kind | tojson}}
    METRICS = {{cookiecutter.metrics | tojson}}
    remove(unneeded(INPUT_KIND, METRICS), Path.cwd())
