import ipaddress
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from harness.sandbox.ca import new_ca
from harness.services.tls import CertAuthority


@pytest.fixture
def authority() -> Iterator[CertAuthority]:
    authority = CertAuthority(*new_ca())
    yield authority
    authority.close()


def test_a_leaf_names_exactly_what_was_asked_for(authority: CertAuthority) -> None:
    cert = authority.mint(("api.postmarkapp.com", "198.18.1.2"))
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert cert.subject.rfc4514_string() == "CN=api.postmarkapp.com"
    assert san.get_values_for_type(x509.DNSName) == ["api.postmarkapp.com"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("198.18.1.2")]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_a_name_too_long_for_a_common_name_lives_only_in_a_critical_san(authority: CertAuthority) -> None:
    name = "a" * 60 + ".example.com"
    cert = authority.mint((name,))
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME) == []
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).critical


def test_contexts_are_cached_per_name_set_ignoring_case_and_trailing_dot(authority: CertAuthority) -> None:
    assert authority.context("Example.com.") is authority.context("example.com")
    assert authority.context("example.com") is not authority.context("example.com", "198.18.0.9")


def test_a_context_needs_at_least_one_name(authority: CertAuthority) -> None:
    with pytest.raises(ValueError):
        authority.context("", "")


def test_closing_twice_is_harmless(authority: CertAuthority) -> None:
    authority.close()
    authority.close()
