"""Why a flow was expected: named by the call, configured by the user, or declared for the target.

A connector is configured by its user: the env values and arguments they give name the
relay, the API base URL, the mail domain; the credential they give names the service that
receives it. Data a call hands the connector may go, during that call, to a service so
configured; inside that service the precise checks still run (recipients, and whose
credential the request presents). Nothing here knows any provider: a host is configured
because the user's own values name it (a URL with a path names only that path on it, so
another webhook on the same host is not the user's), or because the user's own credential
is presented to it where a client authenticates.

A credential names its service only through a flow whose address the sandbox resolver
handed out for the host it claims (a pinned IP configures nothing), only when the user
declared no hosts (then the declaration is the whole list), and only when it went to a
single site: a credential presented to two unrelated sites has told us nothing about which
one is its own, so neither is configured by it.
"""

from __future__ import annotations

import enum
import ipaddress
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from harness.detect.base import Credential, Evidence
from harness.detect.destinations import bare_host, registrable
from harness.detect.flows import Flow, outbound_flows
from harness.model import TargetSpec, ToolCall

_WELL_KNOWN = re.compile(r"/\.well-known/[A-Za-z0-9._~-]+")
_HOSTNAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}[a-z0-9]")
_PLACEHOLDER = re.compile(r"\$\{[a-z]+\}")


class Why(enum.StrEnum):
    NAMED_BY_CALL = "named_by_call"
    CONFIGURED = "configured"
    DECLARED = "declared"


_WORDS = {
    Why.NAMED_BY_CALL: "named by the call",
    Why.CONFIGURED: "configured by the user",
    Why.DECLARED: "declared by the scenario",
}


@dataclass(frozen=True)
class Reason:
    why: Why
    source: str
    """What named it: ``call c3 (sendEmail)``, ``env SMTP_HOST``, ``argument 2``, ``expected hosts``,
    ``receives the credential from env POSTMARK_SERVER_TOKEN``."""

    @property
    def text(self) -> str:
        return f"{_WORDS[self.why]} ({self.source})"


@dataclass(frozen=True)
class Place:
    """Where a configuration value points: a whole host, or a URL path on it (a webhook, an API base)."""

    path: str
    """URL path prefix (``/services/T1/B2/x``), or empty for the whole host."""
    source: str
    """The value that named it: ``env NAME`` or ``argument N``."""

    def covers(self, target: str | None) -> bool:
        """Whether an HTTP request target lies under this place (a flow without one is judged by host).

        The host's metadata about the place is the place's too: ``/.well-known/`` belongs to the host's
        operator, never to another tenant (RFC 8615), and a client asks it about a configured URL
        by putting the well-known name before the URL's path (OAuth discovery, RFC 8414 and 9728).
        """
        base = self.path.rstrip("/")
        if not base or target is None:
            return True
        known = _WELL_KNOWN.match(target)
        if known is not None:
            target = target[known.end() :]
            if not target or target[0] in "?#":
                return True
        return target == base or (target.startswith(base) and target[len(base)] in "/?#")


def _piece_place(piece: str) -> tuple[str, str] | None:
    """(host, path) a piece of a value names; the path is empty unless the piece is a URL with one."""
    if "://" in piece:
        try:
            parts = urlsplit(piece)
        except ValueError:
            return None
        return (parts.hostname, parts.path) if parts.hostname else None
    if "@" in piece:
        piece = piece.rsplit("@", 1)[1]
    host = bare_host(piece.split("/", 1)[0])
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return (host, "") if _HOSTNAME.fullmatch(host) else None
    return host, ""


def places_in(value: str) -> set[tuple[str, str]]:
    """(host, path) pairs a configuration value names: URLs, mailbox domains, bare hosts, ``host:port``s."""
    found = set()
    for piece in re.split(r"[\s,;]+", _PLACEHOLDER.sub(" ", value)):
        place = _piece_place(piece.strip("\"'<>()[]")) if piece else None
        if place:
            found.add((place[0].lower(), place[1]))
    return found


def hosts_in(value: str) -> set[str]:
    """Hosts a configuration value names."""
    return {host for host, _ in places_in(value)}


def configured_places(target: TargetSpec) -> dict[str, tuple[Place, ...]]:
    """Host -> the places on it the user's env values and arguments name (``env NAME``, ``argument N``)."""
    given = [(v, f"env {k}") for k, v in target.env] + [
        (v, f"argument {n}") for n, v in enumerate(target.args, 1)
    ]
    places: dict[str, tuple[Place, ...]] = {}
    for value, source in given:
        for host, path in sorted(places_in(value)):
            places[host] = (*places.get(host, ()), Place(path, source))
    return places


def _literals(target: TargetSpec) -> dict[str, str]:
    """Values the user gave as they are (no placeholder) -> where: a secret equal to one is theirs."""
    given = [(v, f"env {k}") for k, v in target.env] + [
        (v, f"argument {n}") for n, v in enumerate(target.args, 1)
    ]
    literals: dict[str, str] = {}
    for value, where in given:
        if value and not _PLACEHOLDER.search(value):
            literals.setdefault(value, where)
    return literals


def site(host: str) -> str:
    """The registrable part of a name by the Public Suffix List (``shop.co.uk``, not ``co.uk``); an
    address is its own site."""
    return registrable(host)


class Expectations:
    """What the user's configuration, the target's declaration and each call make expected in one run."""

    def __init__(self, evidence: Evidence) -> None:
        target = evidence.target
        self.declared = frozenset(bare_host(h) for h in target.expected_hosts)
        self.configured = configured_places(target)
        self.literals = _literals(target)
        self.configured_credentials = tuple(c for c in evidence.credentials if c.configured)
        self._calls = {c.call_id: c for c in evidence.calls}
        self.by_credential = (
            {} if self.declared else self._credential_services(outbound_flows(evidence.events))
        )

    def _credential_services(self, flows: Iterable[Flow]) -> dict[str, str]:
        """Host -> ``receives the credential from SOURCE``, for credentials presented to one site only."""
        receivers: dict[str, set[str]] = {}
        for flow in flows:
            if not flow.resolved or flow.unbacked or flow.address is None:
                continue
            for secret in flow.presented:
                for source in self._sources(secret):
                    receivers.setdefault(source, set()).add(bare_host(flow.host))
        services: dict[str, str] = {}
        for source, hosts in receivers.items():
            if len({site(h) for h in hosts}) == 1:
                for host in sorted(hosts):
                    services.setdefault(host, f"receives the credential from {source}")
        return services

    def _sources(self, secret: str) -> list[str]:
        """Where the user configured a presented secret (none: it is not theirs)."""
        lowered = secret.lower()
        found = [c.source for c in self.configured_credentials if c.token in lowered]
        return found + ([self.literals[secret]] if secret in self.literals else [])

    def service(self, flow: Flow) -> Reason | None:
        """Why ``flow``'s destination is a service of this target, whichever call reached it: a declared
        host, a place the user configured (a URL's path must hold the request), or the receiver of
        the user's credential."""
        host = bare_host(flow.host)
        if host in self.declared:
            return Reason(Why.DECLARED, "expected hosts")
        place = next((p for p in self.configured.get(host, ()) if p.covers(flow.target)), None)
        if place is not None:
            return Reason(Why.CONFIGURED, place.source)
        if host in self.by_credential:
            return Reason(Why.CONFIGURED, self.by_credential[host])
        return None

    def for_data(self, flow: Flow, call: ToolCall, during: str | None) -> Reason | None:
        """Why ``call``'s data may be in ``flow`` (``during``: the call in flight when it left)."""
        host = bare_host(flow.host)
        if host in call.expected_hosts:
            return Reason(Why.NAMED_BY_CALL, f"call {call.call_id} ({call.tool})")
        reason = self.service(flow)
        if reason is None or (reason.why is Why.CONFIGURED and during != call.call_id):
            return None  # a configured service is expected for the call's data within that call only
        return reason

    def for_credential(self, flow: Flow, credential: Credential) -> Reason | None:
        """Why a planted credential may be in ``flow``: a declared host, or a configured service it was
        presented to where a client authenticates."""
        if not credential.configured:
            return None
        host = bare_host(flow.host)
        if host in self.declared:
            return Reason(Why.DECLARED, "expected hosts")
        if not any(credential.token in s.lower() for s in flow.presented):
            return None
        reason = self.service(flow)
        return reason if reason is not None and not flow.unbacked else None

    def for_host(self, flow: Flow) -> Reason | None:
        """Why a flow that carries no canary went where it went."""
        host = bare_host(flow.host)
        for call in self._calls.values():
            if host in call.expected_hosts or host in {
                a.rsplit("@", 1)[-1] for a in call.expected_recipients
            }:
                return Reason(Why.NAMED_BY_CALL, f"call {call.call_id} ({call.tool})")
        return self.service(flow)

    def foreign(self, flow: Flow) -> tuple[str, ...]:
        """Secrets ``flow`` presented that are not the user's: another account's credential."""
        return tuple(s for s in flow.presented if not self._sources(s))


_cache: weakref.WeakKeyDictionary[Evidence, Expectations] = weakref.WeakKeyDictionary()


def expectations(evidence: Evidence) -> Expectations:
    """The run's expectations, built once per evidence (several detectors and the report read them)."""
    found = _cache.get(evidence)
    if found is None:
        found = _cache[evidence] = Expectations(evidence)
    return found
