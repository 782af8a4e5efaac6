#!/usr/bin/env bash
# Make sure the base image every sandbox image builds FROM exists locally.
# Order: already present -> docker pull -> debootstrap + docker import (offline
# from any container registry; needs only a Debian package mirror).
set -euo pipefail
BASE_TAG="${BASE_TAG:-debian:bookworm-slim}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
  exit 0
fi
if timeout 60 docker pull "$BASE_TAG" >/dev/null 2>&1; then
  exit 0
fi
echo "bootstrap-base: $BASE_TAG not pullable; building it with debootstrap" >&2
if ! command -v debootstrap >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap-base: debootstrap is missing; install it (apt-get install debootstrap)" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >/dev/null
# Drop caches and logs so the imported layer is small and reproducible-ish.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*
tar -C "$rootfs" -c . | docker import \
  --change 'CMD ["bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$BASE_TAG" >/dev/null
echo "bootstrap-base: imported $BASE_TAG" >&2
