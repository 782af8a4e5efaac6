from harness.detect.destinations import AddressBook, bare_host, registrable
from tests import factories as f


def test_a_flow_is_named_by_what_the_resolver_gave_its_address_not_by_what_it_claims():
    book = AddressBook([f.dns("api.service.example", "203.0.113.8", ts=1.0)])
    where = book.destination("203.0.113.8", 443, ("api.service.example",), ts=2.0)
    assert (where.host, where.address, where.resolved, where.unbacked) == (
        "api.service.example",
        "203.0.113.8:443",
        True,
        (),
    )


def test_a_pinned_address_is_its_own_destination_and_its_claim_is_unbacked():
    book = AddressBook([f.dns("api.service.example", "203.0.113.8", ts=1.0)])
    where = book.destination("198.51.100.20", 443, ("api.service.example", "API.Service.example:443"), ts=2.0)
    assert where.host == "198.51.100.20:443" and not where.resolved
    assert where.unbacked == ("api.service.example",)


def test_a_fronted_request_is_filed_under_the_name_its_address_was_given_for():
    book = AddressBook([f.dns("cdn.front.example", "203.0.113.9", ts=1.0)])
    where = book.destination("203.0.113.9", 443, ("cdn.front.example", "hidden.backend.example"), ts=2.0)
    assert where.host == "cdn.front.example" and where.unbacked == ("hidden.backend.example",)


def test_an_answer_given_only_after_the_connection_does_not_name_it():
    book = AddressBook([f.dns("late.example", "203.0.113.10", ts=5.0)])
    where = book.destination("203.0.113.10", 80, ("late.example",), ts=2.0)
    assert not where.resolved and where.unbacked == ("late.example",)


def test_an_address_shared_by_several_names_takes_the_claimed_one():
    book = AddressBook([f.dns("a.shared.example", "203.0.113.11"), f.dns("b.shared.example", "203.0.113.11")])
    assert book.names("203.0.113.11", before=1.0) == ["a.shared.example", "b.shared.example"]
    assert book.destination("203.0.113.11", 443, ("b.shared.example",), ts=1.0).host == "b.shared.example"
    assert book.destination("203.0.113.11", 443, (), ts=1.0).host == "a.shared.example"


def test_a_host_header_naming_the_dialled_address_itself_is_no_mismatch():
    where = AddressBook([]).destination("203.0.113.12", 8080, ("203.0.113.12:8080",), ts=1.0)
    assert where.unbacked == () and where.host == "203.0.113.12:8080"


def test_an_empty_answer_hands_out_nothing():
    assert AddressBook([f.dns("gone.example", None)]).names("198.18.0.7", before=9.0) == []


def test_bare_host_drops_port_case_brackets_and_trailing_dot():
    assert bare_host("API.Example.com.:443") == "api.example.com"
    assert bare_host("[2001:db8::1]:8443") == "2001:db8::1"


def test_the_registrable_part_of_a_name_comes_from_the_public_suffix_list():
    assert registrable("A.B.Shop.co.uk.") == "shop.co.uk"
    assert registrable("x.abc.com:443") == "abc.com"
    assert registrable("data.exfil.github.io") == "exfil.github.io"
    assert registrable("co.uk") == "co.uk" and registrable("203.0.113.9") == "203.0.113.9"
