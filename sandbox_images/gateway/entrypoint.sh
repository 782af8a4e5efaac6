#!/bin/bash
# Gateway start-up, run as PID 1 with NET_ADMIN and NET_RAW in a namespace
# that has only loopback (--network none).
#
# 1. Route everything via lo, so a packet to any address leaves no host.
# 2. nat OUTPUT: redirect non-loopback traffic to the fakes on 127.0.0.1 (and ::1)
#    (SMTP ports -> 15025, DNS -> 15053, DNS over TCP and other TCP -> 15001, other UDP -> 15054).
# 3. mangle OUTPUT: NFLOG every packet (before NAT, so with its true
#    destination); tcpdump writes them to /data/capture.pcap, cut at
#    CAPTURE_BUDGET bytes (what was cut is counted in /data/capture.json).
# 4. Run the fakes (python3 -m harness.services): they read /data/ca.pem,
#    /data/ca.key and optional /data/config.json, write /data/ready once
#    listening (and GATE/ready when GATE is mounted: the server container's
#    PID 1 waits for it) and events to /data/gateway.jsonl. They start as soon
#    as loopback is up, while steps 1-3 run (their start-up is most of the
#    gateway's), and write ready only once those are done (NETWORK_READY).
# Ports must match PORTS in harness/services/__init__.py.
# On SIGTERM/SIGINT: stop the fakes first, then tcpdump (SIGINT, so the pcap
# is complete), and exit with the fakes' status.
set -euo pipefail

DATA=/data
NFLOG_GROUP=5
SMTP_PORTS=25,587,2525
TCP_PORT=15001 SMTP_PORT=15025 DNS_PORT=15053 UDP_PORT=15054
CAPTURE_BUDGET=${CAPTURE_BUDGET:-$((64 << 20))}
PCAP_PIPE=/run/capture.pipe TCPDUMP_LOG=/run/tcpdump.log NETWORK_READY=/run/network.ready
inodes=() queued=0
GATE=/srv/gate

say() { echo "entrypoint: $*" >&2; }

# Under Kubernetes the pod comes with an interface and routes of its own: take every interface
# but loopback down, so the namespace is as sealed as Docker's --network none.
isolate_interfaces() {
  local dev
  for dev in /sys/class/net/*; do
    dev=${dev##*/}
    [ "$dev" = lo ] || ip link set "$dev" down
  done
}

# Under Kubernetes the harness cannot read /data from the host: when the seed left .to-log,
# the run's data (and the server's home, mounted read-only at /home-view) go to our log,
# framed, as a gzipped tar in base64. The CA key stays behind.
dump_to_log() {
  [ -e "$DATA/.to-log" ] || return 0
  echo "----- BEGIN RUN DATA -----"
  local extra=()
  [ -d /home-view ] && extra=(-C / home-view)
  tar -czf - --exclude=./ca.key -C "$DATA" . "${extra[@]}" 2>/dev/null | base64 -w 76 || say "run data incomplete"
  echo "----- END RUN DATA -----"
}

route_and_redirect() {
  # "src" matters: replies to redirected UDP are dropped without it.
  ip route replace default dev lo src 127.0.0.1
  iptables -w -t nat -A OUTPUT -p tcp -m multiport --dports "$SMTP_PORTS" ! -d 127.0.0.0/8 \
    -j REDIRECT --to-ports "$SMTP_PORT"
  # DNS to any address, loopback stub resolvers included: nothing of ours listens on port 53.
  iptables -w -t nat -A OUTPUT -p udp --dport 53 -j REDIRECT --to-ports "$DNS_PORT"
  iptables -w -t nat -A OUTPUT -p tcp --dport 53 -j REDIRECT --to-ports "$TCP_PORT"
  iptables -w -t nat -A OUTPUT -p tcp ! -d 127.0.0.0/8 -j REDIRECT --to-ports "$TCP_PORT"
  iptables -w -t nat -A OUTPUT -p udp ! -d 127.0.0.0/8 -j REDIRECT --to-ports "$UDP_PORT"
  iptables -w -t mangle -A OUTPUT -j NFLOG --nflog-group "$NFLOG_GROUP" --nflog-threshold 1
}

# IPv6 like a real host: a unique local address of its own and a default route, every packet
# redirected to the fakes on ::1 exactly as IPv4 is (the harness enables IPv6 in the namespace).
route_and_redirect_v6() {
  local address
  address=$(printf 'fd%02x:%04x:%04x::%x:%x' $((RANDOM % 256)) $RANDOM $RANDOM $((RANDOM | 1)) $RANDOM)
  ip -6 addr add "$address/64" dev lo nodad || return 1
  # "src" matters as for IPv4: the loopback source would be refused for a global destination.
  ip -6 route replace default dev lo src "$address" || return 1
  ip6tables -w -t nat -A OUTPUT -p tcp -m multiport --dports "$SMTP_PORTS" ! -d ::1/128 \
    -j REDIRECT --to-ports "$SMTP_PORT" 2>/dev/null || return 1
  ip6tables -w -t nat -A OUTPUT -p udp --dport 53 -j REDIRECT --to-ports "$DNS_PORT" || return 1
  ip6tables -w -t nat -A OUTPUT -p tcp --dport 53 -j REDIRECT --to-ports "$TCP_PORT" || return 1
  ip6tables -w -t nat -A OUTPUT -p tcp ! -d ::1/128 -j REDIRECT --to-ports "$TCP_PORT" || return 1
  ip6tables -w -t nat -A OUTPUT -p udp ! -d ::1/128 -j REDIRECT --to-ports "$UDP_PORT" || return 1
  ip6tables -w -t mangle -A OUTPUT -j NFLOG --nflog-group "$NFLOG_GROUP" --nflog-threshold 1 || return 1
}

start_capture() {
  rm -f "$DATA/capture.pcap" "$DATA/capture.json" "$PCAP_PIPE"
  mkfifo -m 600 "$PCAP_PIPE"
  # The capture goes through a pipe that keeps its first CAPTURE_BUDGET bytes and counts the rest
  # (capture.json), so a flood cannot fill the host's disk. Run as a file, not with -m: that would
  # import the whole services package first, a quarter second of CPU beside the fakes' own start.
  /opt/venv/bin/python3 /opt/gw/harness/services/pcap_budget.py \
    "$DATA/capture.pcap" "$DATA/capture.json" "$CAPTURE_BUDGET" <"$PCAP_PIPE" &
  budget_pid=$!
  # -Z root: stay root so the capture can be written into the host-owned /data.
  tcpdump -i "nflog:$NFLOG_GROUP" -U -n -s 0 -Z root -w "$PCAP_PIPE" 2>"$TCPDUMP_LOG" &
  capture_pid=$!
  for _ in $(seq 1000); do
    grep -q "listening on" "$TCPDUMP_LOG" 2>/dev/null && return 0
    kill -0 "$capture_pid" 2>/dev/null || { say "packet capture failed to start: $(tail -1 "$TCPDUMP_LOG")"; exit 1; }
    sleep 0.01
  done
  say "packet capture not ready after 10s"
  exit 1
}

# The inodes of tcpdump's netlink sockets, into $inodes; fails when none can be found.
capture_sockets() {
  local link
  inodes=()
  for link in /proc/"$capture_pid"/fd/*; do
    link=$(readlink "$link" 2>/dev/null) || continue
    [[ $link == socket:\[*\] ]] && inodes+=("${link:8:${#link}-9}")
  done
  [ ${#inodes[@]} -gt 0 ]
}

# Bytes waiting in those sockets (/proc/net/netlink's Rmem, matched by inode), into $queued;
# fails when none is listed. Builtins only: it runs in a loop at every stop.
capture_queue() {
  local sk eth pid groups rmem rest inode found=
  queued=0
  while read -r sk eth pid groups rmem rest; do
    for inode in "${inodes[@]}"; do
      if [ "${rest##* }" = "$inode" ]; then queued=$((queued + rmem)); found=1; fi
    done
  done </proc/net/netlink
  [ -n "$found" ]
}

# Wait until tcpdump has read every packet logged so far: its netlink queue empty twice in a row,
# 10 ms apart (bounded to half a second, a flood); where the queue cannot be seen, a fixed wait.
wait_capture_drained() {
  local empty=0
  for _ in $(seq 50); do
    if ! { [ ${#inodes[@]} -gt 0 ] || capture_sockets; } || ! capture_queue; then
      say "capture queue not visible: waiting 0.3 s instead"
      sleep 0.3
      return
    fi
    if [ "$queued" -eq 0 ]; then
      empty=$((empty + 1))
      [ "$empty" -ge 2 ] && return
    else
      empty=0
    fi
    sleep 0.01
  done
}

stop_capture() {
  wait_capture_drained
  kill -INT "$capture_pid" 2>/dev/null || true
  wait "$capture_pid" 2>/dev/null || true
  wait "$budget_pid" 2>/dev/null || true
}

isolate_interfaces
ip link set lo up  # the fakes bind on loopback (::1 too) while the rest is set up
gate=()
[ -d "$GATE" ] && gate=(--gate "$GATE")
/opt/venv/bin/python3 -m harness.services --data "$DATA" --after "$NETWORK_READY" "${gate[@]}" &
services_pid=$!
trap 'kill -TERM "$services_pid" 2>/dev/null || true' TERM INT
route_and_redirect
route_and_redirect_v6 || { say "IPv6 could not be set up in this namespace"; exit 1; }
start_capture
touch "$NETWORK_READY"

# wait returns early when a trapped signal arrives; wait again until the fakes are gone.
while :; do
  if wait "$services_pid"; then status=0; else status=$?; fi
  kill -0 "$services_pid" 2>/dev/null || break
done
stop_capture
dump_to_log
exit "$status"
