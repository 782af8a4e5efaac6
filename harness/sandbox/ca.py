"""The per-run certificate authority.

A fresh CA per run: its key never outlives the run (the pipeline deletes it
from the run directory when the gateway is gone), so no certificate minted
for one audit is trusted by any other. Its subject looks like an ordinary
corporate root: a server that inspects the chain must not learn that it is
being watched. Runs on the host; depends only on ``cryptography``.
"""

from __future__ import annotations

import datetime
import secrets

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_ORGANISATIONS = (
    ("Northwind Data Systems", "US"),
    ("Halvorsen Logistik AS", "NO"),
    ("Bluepeak Networks Ltd", "GB"),
    ("Corvane Technologies", "US"),
    ("Meridian Ledger Group", "CA"),
    ("Altamira Servicios SL", "ES"),
    ("Kestrel Bay Holdings", "AU"),
)
_LIFETIME = datetime.timedelta(days=730)


def _subject() -> x509.Name:
    organisation, country = secrets.choice(_ORGANISATIONS)
    generation = secrets.choice(("", " G2", " 2021", " R1"))
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} Root CA{generation}"),
        ]
    )


def new_ca() -> tuple[bytes, bytes]:
    """A fresh CA: (certificate PEM, unencrypted PKCS#8 key PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _subject()
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + _LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem
