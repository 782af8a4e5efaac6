import re

from harness.canary import CanaryFactory, new_token


def test_tokens_are_unique_and_look_like_identifiers():
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(re.fullmatch(r"[a-z][a-z0-9]{11}", t) for t in tokens)


def test_values_read_like_real_data_and_never_name_the_harness():
    canaries = CanaryFactory()
    values = [canaries.text(), canaries.email(), canaries.url(), canaries.secret(), canaries.word()]
    for value in values:
        assert not re.search(r"canary|harness|mcp|sandbox|test", value, re.I), value


def test_secret_is_uuid_shaped_and_ends_with_its_token():
    canaries = CanaryFactory()
    secret = canaries.secret()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", secret)
    assert secret.endswith(canaries.tokens[-1])


def test_each_run_gets_its_own_mail_domain_pool_member():
    assert CanaryFactory().email().split("@")[1].count(".") == 1
