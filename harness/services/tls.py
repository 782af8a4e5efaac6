"""Leaf certificates from the per-run CA, minted on demand for any name.

The server under test trusts the per-run CA (its bundle is mounted in), so a
certificate minted here for whatever name it asked for (SNI), or for the
address it dialled when it sent no SNI, passes its verification and the
gateway sees the plaintext. Subjects carry only the requested name: nothing
in a certificate may hint at what is watching.

Contexts are cached per name set (bounded, least recently used dropped);
all leaves share one key, since only the certificate differs.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import os
import shutil
import ssl
import tempfile
import weakref
from collections import OrderedDict
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

log = logging.getLogger(__name__)

ALPN = ["h2", "http/1.1"]
_CACHE_SIZE = 512
_LEAF_DAYS = 397
_MAX_CN = 64

SniHolder = ssl.SSLObject | ssl.SSLSocket


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


class CertAuthority:
    """Mints leaves signed by the per-run CA and hands out server contexts carrying them."""

    def __init__(self, ca_cert_pem: bytes, ca_key_pem: bytes) -> None:
        self._ca_cert = x509.load_pem_x509_certificate(ca_cert_pem)
        key = serialization.load_pem_private_key(ca_key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise ValueError(f"unsupported CA key type {type(key).__name__}")
        self._ca_key = key
        self._leaf_key = ec.generate_private_key(ec.SECP256R1())
        self._dir = Path(tempfile.mkdtemp(prefix="tls-"))
        self._key_file = self._dir / "leaf.key"
        self._key_file.write_bytes(
            self._leaf_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        self._contexts: OrderedDict[tuple[str, ...], ssl.SSLContext] = OrderedDict()
        self._requested: weakref.WeakKeyDictionary[SniHolder, str] = weakref.WeakKeyDictionary()

    @classmethod
    def from_files(cls, cert_path: Path, key_path: Path) -> CertAuthority:
        return cls(cert_path.read_bytes(), key_path.read_bytes())

    def mint(self, names: tuple[str, ...]) -> x509.Certificate:
        """A leaf for ``names`` (host names or IP literals); the first is the subject CN."""
        now = datetime.datetime.now(datetime.UTC)
        not_after = min(now + datetime.timedelta(days=_LEAF_DAYS), self._ca_cert.not_valid_after_utc)
        first = names[0]
        subject = x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, first)] if 0 < len(first) <= _MAX_CN else []
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._ca_cert.subject)
            .public_key(self._leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=not subject
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self._leaf_key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._ca_key.public_key()), critical=False
            )
        )
        return builder.sign(self._ca_key, hashes.SHA256())

    def context(self, *names: str) -> ssl.SSLContext:
        """A server context presenting a leaf for ``names``, switching by SNI when the client sends one."""
        key = tuple(n.lower().rstrip(".") for n in names if n)
        if not key:
            raise ValueError("a certificate needs at least one name")
        ctx = self._contexts.get(key)
        if ctx is not None:
            self._contexts.move_to_end(key)
            return ctx
        ctx = self._new_context(self.mint(key))
        self._contexts[key] = ctx
        if len(self._contexts) > _CACHE_SIZE:
            self._contexts.popitem(last=False)
        return ctx

    def _new_context(self, cert: x509.Certificate) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.set_alpn_protocols(ALPN)
        fd, cert_file = tempfile.mkstemp(dir=self._dir, suffix=".pem")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(cert.public_bytes(serialization.Encoding.PEM))
            ctx.load_cert_chain(cert_file, self._key_file)
        finally:
            os.unlink(cert_file)
        ctx.sni_callback = self._on_sni
        return ctx

    def _on_sni(self, conn: SniHolder, server_name: str | None, _ctx: ssl.SSLContext) -> None:
        """Remember the name and present a leaf for it; a name we cannot mint for keeps the default."""
        if not server_name:
            return
        self._requested[conn] = server_name
        try:
            conn.context = self.context(server_name)
        except (ValueError, ssl.SSLError) as exc:
            log.info("cannot mint for SNI %r: %s", server_name[:100], exc)

    def requested_name(self, conn: SniHolder) -> str | None:
        """The SNI the client sent on ``conn``, if any."""
        return self._requested.get(conn)

    def close(self) -> None:
        """Remove the leaf key from disk; safe to call more than once."""
        shutil.rmtree(self._dir, ignore_errors=True)
