"""The fakes inside the gateway: DNS, SMTP, the TCP catch-all (TLS, HTTP, Postmark) and UDP.

Contract: the gateway's iptables rules send every packet the server under
test addresses to anything but loopback to one of these listeners on
127.0.0.1 (:data:`PORTS`); each fake answers plausibly, recovers the true
destination (``SO_ORIGINAL_DST``) and writes what it saw as
:mod:`harness.model` events to one :class:`~harness.services.sink.EventSink`.
Nothing the server sends can stop a listener. Clean-up: ``stop()`` ends every
open connection, and connections record what they had received first.
"""

from __future__ import annotations

from collections.abc import Collection

from harness.services.catchall import UdpCatchAll
from harness.services.dns import DnsService, NameTable
from harness.services.http import HttpService
from harness.services.listeners import ListenerWatch
from harness.services.sink import Service
from harness.services.smtp import SmtpService
from harness.services.tls import CertAuthority

PORTS = {"tcp": 15001, "smtp": 15025, "dns": 15053, "udp": 15054}
"""Listener ports; ``sandbox_images/gateway/entrypoint.sh`` redirects to the same numbers."""


def default_services(
    authority: CertAuthority, names: NameTable, postmark_tokens: Collection[str] = (), host: str = "127.0.0.1"
) -> list[Service]:
    """Every fake, listening on ``host`` at the standard ports."""
    return [
        DnsService(names, host, PORTS["dns"]),
        UdpCatchAll(host, PORTS["udp"]),
        SmtpService(authority, names, host, PORTS["smtp"]),
        HttpService(authority, names, postmark_tokens, host, PORTS["tcp"]),
    ]


def namespace_watchers() -> list[Service]:
    """Watchers of the shared namespace itself; started once, not per listening address."""
    return [ListenerWatch()]
