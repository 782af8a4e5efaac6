#!/usr/bin/env bash
# Make sure a Docker engine answers. On a fresh Debian machine (as root) this
# installs Debian's docker.io and starts dockerd; elsewhere it explains what is missing.
set -euo pipefail
if docker info >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-engine: no Docker engine answers; start Docker (or run this as root on Debian to install it)" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-engine: installing docker.io from Debian" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io iptables debootstrap >/dev/null
fi
if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "ensure-engine: starting dockerd" >&2
  nohup dockerd >/var/log/dockerd.log 2>&1 &
fi
for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 0.5
done
echo "ensure-engine: dockerd did not answer within 60s; see /var/log/dockerd.log" >&2
tail -n 5 /var/log/dockerd.log >&2 || true
exit 1
