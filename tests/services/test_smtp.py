import asyncio
import io
import ipaddress
import smtplib
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from cryptography import x509

from harness.model import Connection, Event, SmtpMessage, event_from_json
from harness.sandbox.ca import new_ca
from harness.services.dns import NameTable
from harness.services.sink import EventSink
from harness.services.smtp import SmtpService
from harness.services.tls import CertAuthority

MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\n.leading dot\r\nbody\r\n"


class _Names(NameTable):
    """A table in which the listener's own address was handed out for a mail host."""

    def name_for(self, address: str) -> str | None:
        return "smtp.postmarkapp.com" if address == "127.0.0.1" else None


@dataclass
class MailGateway:
    service: SmtpService
    log: io.StringIO
    ca_pem: bytes

    def messages(self) -> list[SmtpMessage]:
        events = [event_from_json(line) for line in self.log.getvalue().splitlines()]
        return [e for e in events if isinstance(e, SmtpMessage)]

    def events(self) -> list[Event]:
        return [event_from_json(line) for line in self.log.getvalue().splitlines()]

    async def wait(
        self, done: Callable[[list[SmtpMessage]], bool], timeout: float = 5.0
    ) -> list[SmtpMessage]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done(found := self.messages()):
            if loop.time() > deadline:
                raise AssertionError(f"condition not met; events: {self.events()}")
            await asyncio.sleep(0.01)
        return found

    def client(self) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.service.port, local_hostname="client.example", timeout=5)

    def trusting(self) -> ssl.SSLContext:
        return ssl.create_default_context(cadata=self.ca_pem.decode())


@pytest.fixture
async def mail() -> AsyncIterator[MailGateway]:
    cert_pem, key_pem = new_ca()
    authority = CertAuthority(cert_pem, key_pem)
    log = io.StringIO()
    service = SmtpService(authority, _Names(), port=0, idle_timeout=5.0)
    await service.start(EventSink(log))
    yield MailGateway(service, log, cert_pem)
    await service.stop()
    authority.close()


async def test_a_starttls_auth_session_records_the_envelope_with_every_recipient(mail: MailGateway) -> None:
    def session() -> tuple[int, bytes]:
        with mail.client() as smtp:
            smtp.starttls(context=mail.trusting())
            smtp.login("pm-token", "pm-token")
            smtp.sendmail("a@example.org", ["b@example.org", "hidden@evil.example"], MESSAGE)
            return smtp.noop()

    code, _ = await asyncio.to_thread(session)
    assert code == 250
    (message,) = await mail.wait(lambda found: len(found) == 1)
    assert (message.tls, message.helo, message.auth_user) == (True, "client.example", "pm-token")
    assert (message.mail_from, message.rcpt_tos) == (
        "a@example.org",
        ("b@example.org", "hidden@evil.example"),
    )
    assert message.data == MESSAGE
    assert (message.dst_ip, message.dst_port) == ("127.0.0.1", mail.service.port)
    (connection,) = (e for e in mail.events() if isinstance(e, Connection))
    assert (connection.service, connection.conn_id) == ("smtp", message.conn_id)


async def test_auth_login_is_accepted_without_tls(mail: MailGateway) -> None:
    def session() -> dict[str, str]:
        with mail.client() as smtp:
            smtp.ehlo()
            smtp.user, smtp.password = "someone", "secret"
            smtp.auth("LOGIN", smtp.auth_login)
            smtp.sendmail("x@example.org", ["y@example.org"], b"Subject: s\r\n\r\nx\r\n")
            return smtp.esmtp_features

    features = await asyncio.to_thread(session)
    assert "starttls" in features and "PLAIN" in features["auth"] and "LOGIN" in features["auth"]
    (message,) = await mail.wait(lambda found: len(found) == 1)
    assert (message.tls, message.auth_user) == (False, "someone")


async def test_the_banner_and_certificate_name_the_host_the_dns_handed_out(mail: MailGateway) -> None:
    def session() -> tuple[bytes, bytes]:
        smtp = mail.client()
        try:
            _, ehlo = smtp.ehlo()
            ctx = mail.trusting()
            ctx.check_hostname = False
            smtp.starttls(context=ctx)
            assert isinstance(smtp.sock, ssl.SSLSocket)
            return ehlo, smtp.sock.getpeercert(binary_form=True) or b""
        finally:
            smtp.close()

    ehlo, der = await asyncio.to_thread(session)
    assert ehlo.splitlines()[0] == b"smtp.postmarkapp.com"
    cert = x509.load_der_x509_certificate(der)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["smtp.postmarkapp.com"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]


async def test_the_greeting_looks_like_an_ordinary_mta(mail: MailGateway) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", mail.service.port)
    greeting = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    await writer.wait_closed()
    assert greeting == b"220 smtp.postmarkapp.com ESMTP Postfix\r\n"


async def test_an_envelope_abandoned_by_rset_is_recorded_without_data(mail: MailGateway) -> None:
    def session() -> None:
        with mail.client() as smtp:
            smtp.ehlo()
            smtp.mail("a@example.org")
            smtp.rcpt("secret-in-address@evil.example")
            smtp.rset()

    await asyncio.to_thread(session)
    (message,) = await mail.wait(lambda found: len(found) == 1)
    assert (message.rcpt_tos, message.data) == (("secret-in-address@evil.example",), b"")


async def test_a_dropped_connection_records_its_open_envelope(mail: MailGateway) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", mail.service.port)
    await reader.readline()
    for line in (b"HELO c\r\n", b"MAIL FROM:<a@example.org>\r\n", b"RCPT TO:<z@example.org>\r\n"):
        writer.write(line)
        await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    await writer.wait_closed()
    (message,) = await mail.wait(lambda found: len(found) == 1)
    assert (message.helo, message.rcpt_tos, message.data) == ("c", ("z@example.org",), b"")
