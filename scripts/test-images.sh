#!/usr/bin/env bash
# The images of baked services, built and run for real, on a machine with no container registry
# and no Docker engine (see docs/images.md):
#   1. installs buildah, podman, runc, slirp4netns and mmdebstrap with apt-get (fails loudly if it
#      cannot: these tests never skip);
#   2. builds STAND-INs for python:3.11-slim and python:3.13-slim from Debian bookworm and trixie
#      packages (images/make-base-image.sh): they prove the Dockerfile and the service, NOT the
#      official python images;
#   3. runs tests/images/build_and_run.py: builds (cold and cached), the layer-cache proof and its
#      negative test, containers on 127.0.0.1-only published ports, the loopback-bound negative test;
#   4. prints the figures (image size, cold and cached build times).
# Everything it starts is stopped by PID and its private storage removed on exit, also on failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/setup-env.sh
source scripts/setup-env.sh
export PYTHONDONTWRITEBYTECODE=1
started_at=$(date +%s)

echo "== images: container tooling (apt-get) =="
tools=(buildah podman runc slirp4netns mmdebstrap)
if [ "$(id -u)" -ne 0 ]; then
    echo "ERROR: the image tests install ${tools[*]} with apt-get and need root; they do not skip" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq >/dev/null || ! apt-get install -y -qq --no-install-recommends "${tools[@]}" >/dev/null; then
    echo "ERROR: apt-get could not install ${tools[*]}; the image tests cannot run (they do not skip)" >&2
    exit 1
fi
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { echo "ERROR: $tool is not on PATH after apt-get install" >&2; exit 1; }
done
echo "installed: $(buildah --version | cut -d' ' -f1-3), $(podman --version), $(runc --version | head -1)"

# Private storage and state under one temp dir; podman and runc also create these host paths.
work=$(mktemp -d /tmp/holmes-images.XXXXXX)
chmod 755 "$work"
created_paths=()
for path in /var/lib/containers /run/runc /run/netns; do
    [ -e "$path" ] || created_paths+=("$path")
done
pid_file="$work/pids"
: >"$pid_file"

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    # The background base build (its own process group), then containers (podman stops each and
    # its conmon), then any process of ours left over.
    if [ -n "${base313_pid:-}" ] && kill -0 "$base313_pid" 2>/dev/null; then
        kill -TERM -- "-$base313_pid" 2>/dev/null
        wait "$base313_pid" 2>/dev/null
    fi
    if [ -f "$work/containers.conf" ]; then
        podman --runtime runc ps -aq 2>/dev/null | while read -r id; do
            podman --runtime runc rm -f -t 2 "$id" >/dev/null 2>&1
        done
        buildah rm --all >/dev/null 2>&1
    fi
    # Lines "PID START_TIME": a PID is ended only while it still names the process we started
    # (same start time, not a zombie), never a later process that got the same number.
    while read -r pid started_at; do
        [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || continue
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        read -r -a fields <<<"${stat##*) }"
        if [ "${fields[0]}" != Z ] && [ "${fields[19]}" = "$started_at" ]; then
            echo "images: ending leftover process $pid" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
    done <"$pid_file"
    # Overlay mounts of the private storage must go before the directory can.
    findmnt -rn -o TARGET | grep -F "$work/" | sort -r | while read -r target; do
        umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null
    done
    rm -rf "$work"
    # Host paths podman/runc created for this run (only those that were not there before).
    for path in "${created_paths[@]}"; do
        case "$path" in
            /var/lib/containers) rm -rf /var/lib/containers ;;
            # podman bind-mounts /run/netns onto itself to share the namespaces it pins there.
            /run/netns) umount /run/netns 2>/dev/null; rmdir /run/netns 2>/dev/null ;;
            *) rmdir "$path" 2>/dev/null ;;
        esac
    done
    if [ "$status" -ne 0 ]; then
        echo "images: FAILED (exit $status)" >&2
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$work"/{graph,run,tmp,pytest}
cat >"$work/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$work/graph"
runroot = "$work/run"
EOF
cat >"$work/containers.conf" <<EOF
[engine]
tmp_dir = "$work/tmp"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/tmp/events.log"
runtime = "runc"
lock_type = "file"
EOF
export CONTAINERS_STORAGE_CONF="$work/storage.conf" CONTAINERS_CONF="$work/containers.conf"
export TMPDIR="$work/tmp"

seconds_since() {
    python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$1"
}
echo "== images: STAND-IN base image python:3.11-slim (Debian bookworm packages, not the official image) =="
base_started=$(date +%s.%N)
bash images/make-base-image.sh bookworm 3.11 "$work"
base_seconds=$(seconds_since "$base_started")

# The 3.13 stand-in builds while the 3.11 tests run (they mostly wait on pip and containers), in
# its own process group so that the trap can end all of it.
echo "== images: STAND-IN base image python:3.13-slim (Debian trixie packages) builds in the background =="
setsid bash -c 'started=$(date +%s.%N); bash images/make-base-image.sh trixie 3.13 "$1" >"$1/base313.log" 2>&1 || exit
python3 -c "import sys, time; print(f\"{time.time() - float(sys.argv[1]):.1f}\")" "$started" >"$1/base313.seconds"' \
    _ "$work" &
base313_pid=$!

run_image_tests() {
    python -m pytest -p no:cacheprovider -p no:randomly -o addopts="" -v -s -rfEs --timeout 300 \
        --basetemp "$work/pytest-$1" tests/images/build_and_run.py -k "$2"
}
export HOLMES_IMAGES_PID_FILE="$pid_file" HOLMES_IMAGES_FIGURES="$work/figures.json"
echo "== images: build and run on the STAND-IN python:3.11-slim (tests/images/build_and_run.py) =="
run_image_tests 311 "not python_313"

echo "== images: build and run on the STAND-IN python:3.13-slim (tests/images/build_and_run.py) =="
if ! wait "$base313_pid"; then
    base313_pid=
    cat "$work/base313.log" >&2
    echo "ERROR: the python:3.13-slim stand-in could not be built" >&2
    exit 1
fi
base313_pid=
cat "$work/base313.log"
base313_seconds=$(cat "$work/base313.seconds")
run_image_tests 313 "python_313"

echo "== images: figures (STAND-IN base image; see docs/images.md for how they are measured) =="
python3 - "$work/figures.json" "$base_seconds" "$base313_seconds" "$(($(date +%s) - started_at))" <<'EOF'
import json
import sys

figures = json.load(open(sys.argv[1], encoding="utf-8"))
rows = [
    ("base image", figures["base_image"]),
    ("base image build (mmdebstrap + import)", f"{sys.argv[2]} s"),
    ("base image size", f"{figures['base_image_mb']} MB"),
    ("service image", figures["image"]),
    ("service image size", f"{figures['image_mb']} MB ({figures['service_layers_mb']} MB above the base)"),
    ("cold build (base present, empty layer cache)", f"{figures['cold_build_s']} s"),
    ("cached build (after an analysis.py edit)", f"{figures['cached_build_s']} s"),
    ("object-kind image size / cold build", f"{figures['object_image_mb']} MB / {figures['object_cold_build_s']} s"),
    ("podman stop (SIGTERM to exit 0)", f"{figures['stop_s']} s"),
    ("python:3.13-slim STAND-IN (Debian trixie) build", f"{sys.argv[3]} s (in the background)"),
    ("python 3.13 image size / cold build", f"{figures['python313_image_mb']} MB / {figures['python313_cold_build_s']} s"),
    ("whole image step (apt-get to here)", f"{sys.argv[4]} s"),
]
for name, value in rows:
    print(f"  {name:<46} {value}")
EOF
