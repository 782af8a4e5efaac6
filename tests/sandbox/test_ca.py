import datetime
import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from harness.sandbox.ca import new_ca

_GIVEAWAYS = re.compile(r"harness|mcp|sandbox|test|canary|audit|fake|honey", re.IGNORECASE)


def test_new_ca_is_a_self_signed_certificate_authority() -> None:
    cert_pem, _ = new_ca()
    cert = x509.load_pem_x509_certificate(cert_pem)
    assert cert.issuer == cert.subject
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign
    cert.verify_directly_issued_by(cert)


def test_new_ca_key_belongs_to_its_certificate() -> None:
    cert_pem, key_pem = new_ca()
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.public_key() == x509.load_pem_x509_certificate(cert_pem).public_key()


def test_new_ca_is_valid_from_yesterday_for_about_two_years() -> None:
    cert = x509.load_pem_x509_certificate(new_ca()[0])
    now = datetime.datetime.now(datetime.UTC)
    assert now - datetime.timedelta(days=2) < cert.not_valid_before_utc < now - datetime.timedelta(hours=23)
    assert datetime.timedelta(days=700) < cert.not_valid_after_utc - now < datetime.timedelta(days=760)


def test_new_ca_subject_looks_like_a_corporate_root_and_names_nothing_of_ours() -> None:
    for _ in range(20):
        subject = x509.load_pem_x509_certificate(new_ca()[0]).subject.rfc4514_string()
        assert "Root CA" in subject
        assert not _GIVEAWAYS.search(subject), subject


def test_each_call_makes_a_different_ca() -> None:
    assert new_ca()[1] != new_ca()[1]
