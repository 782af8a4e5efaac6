"""Proof that the sandbox reaches nothing real: every attempt lands on the gateway, none leaves.

The probe server tries DNS, HTTPS to a name, TCP and UDP to a literal public
(documentation-range) address over IPv4 and IPv6, and TCP to every address of
the Docker host itself, IPv4 and IPv6, where this test listens. The gateway
must record each attempt with its true destination, and the host listeners
must receive nothing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest

from harness.model import Connection, Datagram, DnsQuery, HttpExchange, event_from_json
from tests.conftest import REPO

pytestmark = pytest.mark.docker


def _host_addresses(family: str) -> list[str]:
    """The host's own addresses of one family (``-4`` or ``-6``), loopback and link-local left out."""
    out = subprocess.run(
        ["ip", family, "-o", "addr", "show", "scope", "global"], capture_output=True, text=True, check=True
    ).stdout
    return [line.split()[3].split("/")[0] for line in out.splitlines()]


class _Listener:
    """TCP and UDP listeners on all host addresses that count anything arriving."""

    def __init__(self) -> None:
        # one port on every address of both families
        self.tcp = socket.create_server(("::", 0), family=socket.AF_INET6, dualstack_ipv6=True)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.udp.bind(("::", self.port))
        self.received: list[str] = []
        self.tcp.settimeout(0.2)
        self.udp.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            for sock in (self.tcp, self.udp):
                try:
                    if sock is self.tcp:
                        conn, peer = sock.accept()
                        conn.close()
                    else:
                        _, peer = sock.recvfrom(2048)
                    self.received.append(str(peer))
                except TimeoutError:
                    continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.tcp.close()
        self.udp.close()


@pytest.fixture
def host_listener() -> Iterator[_Listener]:
    listener = _Listener()
    yield listener
    listener.close()


def test_no_attempt_leaves_the_namespace_and_every_attempt_is_recorded(audit, tmp_path, host_listener):
    host_targets = [f"{ip}:{host_listener.port}" for ip in _host_addresses("-4")]
    assert host_targets, "the host has no IPv4 address to probe"
    host_targets += [f"[{ip}]:{host_listener.port}" for ip in _host_addresses("-6")]
    probe = tmp_path / "probe"
    shutil.copytree(
        REPO / "tests/fixtures/servers/egress-probe", probe, ignore=shutil.ignore_patterns("node_modules")
    )
    manifest = probe / "scenario.toml"
    manifest.write_text(
        manifest.read_text().replace('PROBE_HOSTS = ""', f'PROBE_HOSTS = "{",".join(host_targets)}"')
    )
    assert ",".join(host_targets) in manifest.read_text()

    run = audit(probe, "--rounds", "1")

    assert host_listener.received == [], "traffic from the sandbox reached the host"
    assert run.report["status"] == "completed", run.report["reason"]
    events = [event_from_json(line) for line in (run.out / "events.jsonl").read_text().splitlines()]
    queried = {e.qname.rstrip(".") for e in events if isinstance(e, DnsQuery)}
    connected = {(e.dst_ip, e.dst_port) for e in events if isinstance(e, Connection)}
    datagrams = {(e.dst_ip, e.dst_port) for e in events if isinstance(e, Datagram)}
    http_hosts = {e.host for e in events if isinstance(e, HttpExchange)}
    assert any(q.startswith("probe-") and q.endswith(".example.net") for q in queried), queried
    assert "collector.example.org" in http_hosts
    assert ("203.0.113.10", 443) in connected
    assert ("203.0.113.10", 9999) in datagrams
    assert ("2001:db8::10", 443) in connected, "IPv6 TCP was not redirected and recorded"
    assert ("2001:db8::10", 9999) in datagrams, "IPv6 UDP was not redirected and recorded"
    for target in host_targets:
        ip, port = target.rsplit(":", 1)
        assert (ip.strip("[]"), int(port)) in connected, f"attempt to the host's {target} was not recorded"
    # the probe's note is a canary, so sending it anywhere unnamed is a finding
    assert "canary_exfiltration" in run.kinds()
    assert run.code == 1
