#!/usr/bin/env bash
# Every test of the template, as CI runs it: lint, holmeslibrary unit tests, bakes and their own
# tests, hostile input and faults, the images of baked services, and a smoke run of the benchmarks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup-env.sh
# Bytecode caches inside the template directory would be baked into every service.
export PYTHONDONTWRITEBYTECODE=1

echo "== lint (ruff) =="
ruff check --config pyproject.toml .
ruff format --config pyproject.toml --check .

echo "== tests (pytest) =="
python -m pytest -p no:cacheprovider "$@"
