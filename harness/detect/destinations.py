"""True destinations: which name the sandbox's DNS had handed out for the address a server dialled.

A client names its peer twice: by the address it connects to, and by what it says on the
wire (TLS SNI, the HTTP ``Host:`` header). Only the first is where the bytes went; the
second is a claim the client makes, and a pinned IP or a fronted request makes it lie. So a
flow's identity is the address plus the name the sandbox resolver gave out for that address
before the flow (whatever kind of address the resolver hands out); the claims are evidence,
and a claim the resolver never backed is itself worth reporting.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from publicsuffixlist import PublicSuffixList

from harness.model import DnsQuery, Event


@functools.cache
def suffix_list() -> PublicSuffixList:
    """The Public Suffix List snapshot the package bundles (ICANN and private sections: a name under
    ``github.io`` or ``co.uk`` is owned one label further down); never fetched at run time. Read on
    first use: parsing it costs a command's start-up about 0.15 s."""
    return PublicSuffixList()


def bare_host(value: str) -> str:
    """A host as compared everywhere: lower case, no trailing dot, no port, no IPv6 brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return (value.rsplit(":", 1)[0] if value.count(":") == 1 else value).rstrip(".")


def registrable(host: str) -> str:
    """The part of a name someone can own (``shop.co.uk``, ``exfil.github.io``) by the Public Suffix
    List; an address, or a name that is itself a public suffix, is its own."""
    name = bare_host(host)
    return name if is_address(name) else suffix_list().privatesuffix(name) or name


def is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(bare_host(value))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Destination:
    """Where one flow really went."""

    host: str
    """The name the resolver gave out for the address (a claimed one when several were), else ``ip:port``."""
    address: str | None
    """``ip:port`` the server connected to (None when unknown)."""
    resolved: bool
    """True when ``host`` is a name the sandbox handed out for this address."""
    unbacked: tuple[str, ...] = ()
    """Names the client claimed (SNI, Host) that the resolver never handed out for this address."""


class AddressBook:
    """Every address the sandbox resolver handed out, with the names and times it was handed out for."""

    def __init__(self, events: Sequence[Event]) -> None:
        self._given: dict[str, list[tuple[float, str]]] = {}
        for event in events:
            if isinstance(event, DnsQuery) and event.answer:
                for address in event.answer.replace(",", " ").split():
                    self._given.setdefault(address, []).append((event.ts, bare_host(event.qname)))

    def names(self, ip: str, before: float) -> list[str]:
        """Names ``ip`` had been handed out for by ``before``, first handed out first."""
        seen: list[str] = []
        for ts, name in self._given.get(ip, ()):
            if ts <= before and name not in seen:
                seen.append(name)
        return seen

    def destination(
        self, ip: str | None, port: int | None, claims: Sequence[str | None], ts: float
    ) -> Destination:
        """The true destination of a flow to ``ip``:``port`` at ``ts`` whose client claimed ``claims``."""
        claimed = [c for c in dict.fromkeys(bare_host(c) for c in claims if c) if c]
        if ip is None:
            return Destination(claimed[0] if claimed else "unknown", None, False)
        shown = f"[{ip}]" if ":" in ip else ip  # an IPv6 address keeps its port apart
        address = f"{shown}:{port}" if port is not None else ip
        names = self.names(ip, ts)
        unbacked = tuple(c for c in claimed if c not in names and c != bare_host(ip))
        if names:
            host = next((c for c in claimed if c in names), names[0])
            return Destination(host, address, True, unbacked)
        return Destination(address, address, False, unbacked)
