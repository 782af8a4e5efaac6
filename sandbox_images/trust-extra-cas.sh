#!/bin/sh
# Add every *.crt in the folder given as $1 to the system trust store, under neutral names.
# Build hosts whose registry traffic passes a TLS-inspecting proxy need their extra CAs in
# every image that installs packages; harness/sandbox/images.py puts them (and this script)
# into each build context. Without any .crt this only refreshes the store.
set -eu
dest=/usr/local/share/ca-certificates/local
n=0
for f in "$1"/*.crt; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  mkdir -p "$dest"
  cp "$f" "$dest/local-$n.crt"
done
update-ca-certificates >/dev/null
