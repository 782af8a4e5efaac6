from harness.canary import CanaryFactory
from harness.driver.replay import LONG, LONG_CHARACTERS, SHORT, replay_arguments

TOKENS = ("qx7t2m9klp4a", "b8kd02mxq7ve")


def test_canary_strings_become_fresh_canaries_short_or_long_and_the_rest_is_kept():
    arguments = {
        "text": "Invoice qx7t2m9klp4a for October",
        "count": 3,
        "mode": "fast",
        "tags": ["ref-b8kd02mxq7ve"],
    }
    canaries = CanaryFactory()
    short = replay_arguments(arguments, TOKENS, canaries, SHORT)
    long = replay_arguments(arguments, TOKENS, canaries, LONG)
    assert (short["count"], short["mode"], long["mode"]) == (3, "fast", "fast")
    assert len(short["text"]) == 12 and short["text"] in canaries.tokens
    assert len(long["text"]) == LONG_CHARACTERS and long["text"].split()[0] in canaries.tokens
    assert not any(t in str(short) + str(long) for t in TOKENS)
    assert len(canaries.tokens) == 4


def test_mailboxes_and_urls_keep_their_shape_with_a_fresh_token():
    arguments = {"to": "qx7t2m9klp4a@lumenharbor.com", "url": "https://files.lumenharbor.com/d/b8kd02mxq7ve"}
    replayed = replay_arguments(arguments, TOKENS, CanaryFactory(), LONG)
    assert replayed["to"].endswith("@lumenharbor.com") and len(replayed["to"]) < 40
    assert (
        replayed["url"].startswith("https://files.lumenharbor.com/d/")
        and "b8kd02mxq7ve" not in replayed["url"]
    )
