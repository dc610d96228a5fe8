#!/bin/sh
# mmdebstrap customize hook of images/make-base-image.sh: make the STAND-IN root file system
# behave like the official python:<version>-slim image where a Dockerfile notices.
# usage (by mmdebstrap): standin-fixups.sh ROOTFS PYTHON_VERSION SUITE
set -eu
rootfs=$1
python_version=$2
suite=$3

# python and pip under their plain names on PATH, as in the official image.
for name in python python3; do ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/$name"; done
for name in pip pip3; do ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/$name"; done
# The official image's Python is not Debian's, so pip may install into it system-wide.
rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
# pip inside a build reaches the package index through this machine's TLS-re-signing egress,
# whose CA certificates live here; without them pip fails with CERTIFICATE_VERIFY_FAILED.
for certificate in /usr/local/share/ca-certificates/*.crt; do
    if [ -e "$certificate" ]; then cp "$certificate" "$rootfs/usr/local/share/ca-certificates/"; fi
done
if ! output=$(chroot "$rootfs" update-ca-certificates 2>&1); then
    echo "$output" >&2
    echo "ERROR: update-ca-certificates failed in the stand-in root file system" >&2
    exit 1
fi
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin

found=$(chroot "$rootfs" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$found" != "$python_version" ]; then
    echo "ERROR: Debian $suite installed Python $found, not $python_version" >&2
    exit 1
fi
