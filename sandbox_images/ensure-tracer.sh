#!/usr/bin/env bash
# Make sure the host can trace the server's probe reads (bpftrace on the syscall tracepoints): on
# Debian as root, install bpftrace and mount tracefs; elsewhere say what is missing (the tracing
# tests then skip, or fail when CI is set, and audits report that probes were not traced).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-tracer: not root; reads of container markers and hardware ids will not be traced" >&2
  exit 0
fi
if ! command -v bpftrace >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-tracer: no bpftrace; install it to trace probe reads" >&2
    exit 0
  fi
  echo "ensure-tracer: installing bpftrace from Debian" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftrace >/dev/null
fi
if [ ! -d /sys/kernel/tracing/events/syscalls ] && [ ! -d /sys/kernel/debug/tracing/events/syscalls ]; then
  echo "ensure-tracer: mounting tracefs for the syscall tracepoints" >&2
  mount -t tracefs nodev /sys/kernel/tracing || echo "ensure-tracer: cannot mount tracefs" >&2
fi
