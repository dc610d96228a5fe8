#!/usr/bin/env bash
# Build a STAND-IN for the official python:<version>-slim image from Debian packages and import it
# into the container storage that CONTAINERS_STORAGE_CONF points at, tagged so that an unchanged
# `FROM python:<version>-slim` resolves to it without a registry.
#
# It is a stand-in: Debian's python3 on a minbase Debian, not the official image (which builds
# CPython from source under /usr/local). Building on it proves the Dockerfile and the service,
# not the official image.
#
# usage: images/make-base-image.sh SUITE PYTHON_VERSION WORKDIR
#   SUITE           Debian suite whose python3 is PYTHON_VERSION: bookworm (3.11) or trixie (3.13)
#   PYTHON_VERSION  the tag's version, checked against the python3 the suite installs
#   WORKDIR         scratch directory used when there is no /dev/shm (the scratch is removed)
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 SUITE PYTHON_VERSION WORKDIR" >&2
    exit 2
fi
suite=$1
python_version=$2
workdir=$3
tag="docker.io/library/python:${python_version}-slim"

case "$suite:$python_version" in
    bookworm:3.11 | trixie:3.13) ;;
    *)
        echo "ERROR: $suite:$python_version: Debian $suite does not ship Python $python_version; e.g. bookworm 3.11 or trixie 3.13" >&2
        exit 2
        ;;
esac
: "${CONTAINERS_STORAGE_CONF:?must point at the private storage.conf (see scripts/test-images.sh)}"

# The machine's own Debian mirror, read at run time so that no host name is written down here.
sources=/etc/apt/sources.list.d/debian.sources
mirror=$(awk '$1 == "URIs:" { print $2; exit }' "$sources" 2>/dev/null || true)
if [ -z "$mirror" ]; then
    echo "ERROR: $sources: no URIs: line; cannot find the Debian mirror for the stand-in base image" >&2
    exit 1
fi

here=$(cd "$(dirname "$0")" && pwd)
echo "stand-in base image: Debian $suite packages -> $tag (NOT the official python image)"
# dpkg's many small writes are the slow part; a RAM-backed scratch dir, when there is one, helps.
scratch_parent=$workdir
if [ -d /dev/shm ] && [ -w /dev/shm ]; then scratch_parent=/dev/shm; fi
scratch=$(mktemp -d "$scratch_parent/holmes-standin.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
rootfs="$scratch/python-${python_version}-slim-standin.tar"

TMPDIR=$scratch mmdebstrap --quiet --variant=minbase --mode=root --format=tar \
    --include=python3,python3-pip,python3-venv,ca-certificates,netbase \
    --dpkgopt='force-unsafe-io' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --customize-hook="\"$here/standin-fixups.sh\" \"\$1\" $python_version $suite" \
    "$suite" "$rootfs" "$mirror"

podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change "LABEL org.opencontainers.image.description=\"STAND-IN for python:${python_version}-slim, built from Debian ${suite} packages; not the official image\"" \
    --change 'CMD ["python3"]' \
    "$rootfs" "$tag" >/dev/null
rm -f "$rootfs"
size=$(podman image inspect --format '{{.Size}}' "$tag")
echo "stand-in base image: $tag ready, $((size / 1000000)) MB (Debian $suite python3, NOT the official image)"
