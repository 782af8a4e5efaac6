import ipaddress
import json
import secrets
import string

import pytest

from harness.services.world import (
    PROVIDER_PREFIXES,
    PROVIDER_PREFIXES6,
    exists,
    looks_generated,
    public_address,
    public_address6,
    registrable,
)
from tests.conftest import REPO


def test_addresses_are_public_stable_and_inside_provider_prefixes():
    for i in range(500):
        address = ipaddress.IPv4Address(public_address(f"api{i}.example.com"))
        assert address.is_global and not address.is_reserved
        assert any(address in prefix for prefix in PROVIDER_PREFIXES)
        assert int(address) & 0xFF not in (0, 255)
    assert public_address("x.example.com") == public_address("x.example.com")
    assert public_address("x.example.com") != public_address("x.example.com", 1)


def test_ipv6_addresses_are_public_stable_distinct_and_spread_over_provider_prefixes():
    addresses = {ipaddress.IPv6Address(public_address6(f"api{i}.example.com")) for i in range(2000)}
    assert len(addresses) == 2000
    for address in addresses:
        assert address.is_global and not address.is_reserved and address.ipv4_mapped is None
        assert any(address in prefix for prefix in PROVIDER_PREFIXES6)
    assert {p for p in PROVIDER_PREFIXES6 if any(a in p for a in addresses)} == set(PROVIDER_PREFIXES6)
    assert not any(a in ipaddress.IPv6Network("2001:2::/48") for a in addresses)  # no benchmarking range
    assert public_address6("x.example.com") == public_address6("x.example.com")


@pytest.mark.parametrize(
    "name",
    [
        "api.postmarkapp.com",
        "paste.devbin.example",
        "sync.backup-cloud.example",
        "files.lumenharbor.com",
        "registry.npmjs.org",
        "api.github.com",
        "telemetry.example.co.uk",
        "stats.pkg-insights.example",
        "a8f3e9d2c1b0.oast.fun",
        "3f2a.t.exfil-collector.net",
    ],
)
def test_names_people_choose_exist_even_with_random_sub_domains(name):
    assert exists(name)


@pytest.mark.parametrize("name", ["q7f3k9x2vd81.com", "xkcdqwrtzp.net", "4fa91c0b7e2d.org", "wpad", "a..b"])
def test_generated_registrable_domains_and_single_labels_do_not_exist(name):
    assert not exists(name)


def test_random_probes_as_malware_makes_them_almost_always_get_nxdomain():
    hex_names = [f"{secrets.token_hex(6)}.com" for _ in range(300)]
    base36 = string.ascii_lowercase + string.digits
    mixed = ["".join(secrets.choice(base36) for _ in range(11)) + ".net" for _ in range(300)]
    letters = ["".join(secrets.choice(string.ascii_lowercase) for _ in range(12)) + ".io" for _ in range(300)]
    assert sum(exists(n) for n in hex_names) <= 3
    assert sum(exists(n) for n in mixed) <= 30
    assert sum(exists(n) for n in letters) <= 60


def test_registrable_domain_keeps_a_short_second_level():
    assert registrable("a.b.example.co.uk.") == "example.co.uk"
    assert registrable("x.y.example.com") == "example.com"
    assert not looks_generated("backup-cloud") and looks_generated("zxcvbnmq")


@pytest.mark.docker
def test_a_send_over_ipv6_to_a_named_host_gets_a_provider_address_and_still_lands_on_the_fakes(audit):
    run = audit(REPO / "tests/fixtures/servers/aaaa-send", "--rounds", "1")
    report = run.report
    assert report["status"] == "completed", report["reason"]
    leaks = [f for f in report["findings"] if f["kind"] == "canary_exfiltration"]
    assert leaks and {f["destination"] for f in leaks} == {"api.quietnotes.io"}, run.stdout
    events = [json.loads(line) for line in (run.out / "events.jsonl").read_text().splitlines()]
    answers = {e["answer"] for e in events if e["kind"] == "dns_query" and e["qtype"] == "AAAA"}
    dialled = {e["dst_ip"] for e in events if e["kind"] == "connection" and ":" in e["dst_ip"]}
    assert dialled and dialled <= answers, (dialled, answers)
    for address in map(ipaddress.IPv6Address, dialled):
        assert address.is_global and any(address in prefix for prefix in PROVIDER_PREFIXES6)
