"""The fake mail server: accepts any mail, from anyone, to anyone, and records it.

Redirected SMTP connections (ports 25, 587 and 2525) land here. The banner
and the STARTTLS certificate name the host the client meant to reach (the
name the fake DNS handed out for the destination address, else the address),
AUTH PLAIN/LOGIN accepts any credentials with or without TLS, and every
transaction is answered ``250`` with a queue id, so a client never has a
reason to retry elsewhere.

Each transaction becomes a :class:`~harness.model.SmtpMessage`: the true
destination, TLS, HELO, AUTH user, the envelope and the DATA bytes. An
envelope abandoned before DATA (RSET, QUIT, a dropped connection) is recorded
too, with empty data, since addresses alone can carry a secret.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import weakref
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from harness.model import MAX_BODY_BYTES, Connection, SmtpMessage, cap
from harness.services.dns import NameTable
from harness.services.netfilter import original_dst
from harness.services.sink import EventSink, next_conn_id
from harness.services.tls import CertAuthority

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 1000
_IDENT = "ESMTP Postfix"


def _queue_id() -> str:
    return secrets.token_hex(5).upper()


def _credentials(session: Session) -> tuple[str | None, str | None]:
    """User and password the client authenticated with: a stolen secret may travel as either."""
    data = session.auth_data
    if isinstance(data, LoginPassword):
        return data.login.decode("utf-8", "surrogateescape"), data.password.decode("utf-8", "surrogateescape")
    return None, None


def _accept_any(
    _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, auth_data: Any
) -> AuthResult:
    return AuthResult(success=True, auth_data=auth_data)


class _Handler:
    """aiosmtpd hooks; per-connection state lives on the :class:`_Smtp` instance."""

    async def handle_RCPT(
        self, _server: _Smtp, _session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Error: too many recipients"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: _Smtp, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content
        server.record(session, envelope, content if isinstance(content, bytes) else b"")
        return f"250 2.0.0 Ok: queued as {_queue_id()}"

    async def handle_exception(self, error: Exception) -> str:
        log.info("smtp session error: %s: %s", type(error).__name__, error)
        return "451 4.3.0 Error: queue file write error"


class _Smtp(SMTP):
    """aiosmtpd's server, told per connection where the client thought it was going."""

    def __init__(self, service: SmtpService, handler: _Handler) -> None:
        super().__init__(
            handler,
            hostname="localhost",
            ident=_IDENT,
            enable_SMTPUTF8=True,
            data_size_limit=4 * MAX_BODY_BYTES,
            auth_require_tls=False,
            authenticator=_accept_any,
            timeout=service.idle_timeout,
            loop=asyncio.get_running_loop(),
        )
        self.service = service
        self.conn_id = next_conn_id()
        self.dst = ("", 0)
        self._ended = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.transport is None:  # the TCP connection itself, not the switch to TLS
            self._greet(transport)
        super().connection_made(transport)

    def _greet(self, transport: asyncio.BaseTransport) -> None:
        """Name the host the client dialled in the banner and the STARTTLS certificate."""
        self.dst = original_dst(transport.get_extra_info("socket"))
        name = self.service.names.name_for(self.dst[0])
        self.hostname = name or self.dst[0]
        try:
            self.tls_context = self.service.authority.context(*([name] if name else []), self.dst[0])
        except ValueError as exc:
            log.info("no STARTTLS for %s: %s", self.hostname, exc)
        peer = transport.get_extra_info("peername")
        src_port = int(peer[1]) if peer else 0
        self.service.sink.emit(Connection(time.time(), self.conn_id, src_port, *self.dst, "smtp"))

    def _set_rset_state(self) -> None:
        # aiosmtpd resets the envelope on RSET, HELO/EHLO and STARTTLS before any hook runs.
        if self.session is not None and self.envelope is not None:
            self.record_abandoned(self.session, self.envelope)
        super()._set_rset_state()  # type: ignore[no-untyped-call]

    def connection_lost(self, error: Exception | None) -> None:
        if not self._ended and self.session is not None and self.envelope is not None:
            self._ended = True
            self.record_abandoned(self.session, self.envelope)
        super().connection_lost(error)

    def record(self, session: Session, envelope: Envelope, data: bytes) -> None:
        kept, cut = cap(data)
        user, password = _credentials(session)
        message = SmtpMessage(
            ts=time.time(),
            conn_id=self.conn_id,
            dst_ip=self.dst[0],
            dst_port=self.dst[1],
            tls=session.ssl is not None,
            helo=session.host_name,
            auth_user=user,
            auth_password=password,
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=kept,
            truncated=cut,
        )
        self.service.sink.emit(message)

    def record_abandoned(self, session: Session, envelope: Envelope) -> None:
        if envelope.mail_from is not None or envelope.rcpt_tos:
            self.record(session, envelope, b"")


class SmtpService:
    """SMTP listener; ``port`` 0 picks a free one (read it back after :meth:`start`)."""

    def __init__(
        self,
        authority: CertAuthority,
        names: NameTable,
        host: str = "127.0.0.1",
        port: int = 15025,
        idle_timeout: float = 60.0,
    ) -> None:
        self.authority = authority
        self.names = names
        self.host = host
        self.port = port
        self.idle_timeout = idle_timeout
        self._server: asyncio.Server | None = None
        self._sink: EventSink | None = None
        self._protocols: weakref.WeakSet[_Smtp] = weakref.WeakSet()

    @property
    def sink(self) -> EventSink:
        if self._sink is None:
            raise RuntimeError("the SMTP service is not started")
        return self._sink

    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        # aiosmtpd's warnings are about client behaviour (bogus commands, its own deprecated
        # login_data on every AUTH); what the client did is recorded as events instead.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        handler = _Handler()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: self._track(_Smtp(self, handler)), self.host, self.port
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        log.info("smtp listening on %s:%d", self.host, self.port)

    def _track(self, protocol: _Smtp) -> _Smtp:
        self._protocols.add(protocol)
        return protocol

    async def stop(self) -> None:
        """Close every session; ``connection_lost`` records envelopes still open."""
        if self._server is None:
            return
        self._server.close()
        for protocol in list(self._protocols):
            if protocol.transport is not None:
                protocol.transport.close()
        self._protocols.clear()
        self._server = None
