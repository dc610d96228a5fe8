#!/usr/bin/env bash
# Bake the default service into build/demo and start it on 127.0.0.1 with a demo sample to analyse.
# Ctrl-C stops it. PORT=... picks another port.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/setup-env.sh"
export PYTHONDONTWRITEBYTECODE=1
port=${PORT:-7715}
out="$root/build/demo"
samples="$out/samples"

rm -rf "$out"
mkdir -p "$out"
cookiecutter --no-input "$root" -o "$out" >/dev/null
service="$out/hashinfo"
mkdir -p "$samples"
# A demo sample under a random UUID name, as Totem stores downloaded samples.
sample=$(python -c 'import uuid; print(uuid.uuid4())')
python - "$samples/$sample" <<'PY'
import sys
# A tiny ELF-looking file with a readable string: enough for hashes, entropy and a file type.
with open(sys.argv[1], "wb") as f:
    f.write(b"\x7fELF\x02\x01\x01" + b"\x00" * 57 + b"Holmes demo sample\n" * 32)
PY

cat <<MSG
Baked the default service into $service
Starting it on 127.0.0.1:$port with sample_dir $samples. Try, in another terminal:

    curl -s 'http://127.0.0.1:$port/analyze/?obj=$sample'
    curl -s 'http://127.0.0.1:$port/hashinfo/$sample'
    curl -s 'http://127.0.0.1:$port/health'
    curl -s 'http://127.0.0.1:$port/'

MSG
cd "$service"
export HOLMES_ADDRESS=127.0.0.1 HOLMES_HTTPBINDING="$port" HOLMES_SAMPLE_DIR="$samples"
exec python service.py
