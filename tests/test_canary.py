import re

from harness.canary import CanaryFactory, new_token


def test_tokens_are_a_word_and_a_number_twelve_characters_long():
    tokens = [new_token() for _ in range(2000)]
    assert len(set(tokens)) > 1990
    assert all(re.fullmatch(r"[a-z]{4,8}[1-9][0-9]{3,7}", t) and len(t) == 12 for t in tokens)


def test_a_factory_never_hands_out_the_same_token_twice():
    canaries = CanaryFactory()
    for _ in range(3000):
        canaries.word()
    assert len(set(canaries.tokens)) == 3000


def test_no_value_carries_a_random_looking_run_of_letters_and_digits():
    canaries = CanaryFactory()
    values = [canaries.text(), canaries.email(), canaries.url(), canaries.word()] * 50
    mixed = re.compile(r"(?:[a-z]+[0-9]+){2,}[a-z]", re.I)  # letters and digits interleaved
    assert not any(mixed.search(v) for v in values)


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
