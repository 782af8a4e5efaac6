#!/usr/bin/env bash
# Make sure headless Chromium is there for the browser test of report.html: on Debian as root,
# install it; elsewhere say what is missing (the test then skips, or fails when CI is set).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-browser: no chromium; install it for the browser test of report.html" >&2
  exit 0
fi
echo "ensure-browser: installing chromium from Debian" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
