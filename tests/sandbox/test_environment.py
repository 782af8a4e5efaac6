import re

from harness.canary import CanaryFactory
from harness.sandbox.environment import planted_secrets, server_environment


def test_placeholders_become_canaries_and_plain_values_pass_through():
    canaries = CanaryFactory()
    planted = server_environment(
        [("TOKEN", "${secret}"), ("SENDER", "${email}"), ("STREAM", "outbound")], canaries
    )
    env = planted.env
    [token] = planted.credentials
    assert planted.credentials[token] == "env TOKEN"
    assert env["STREAM"] == "outbound"
    assert env["TOKEN"] == planted.secrets[0] and env["TOKEN"].endswith(token)
    assert env["SENDER"].endswith("@" + canaries.mail_domain)
    assert "${" not in "".join(env.values())


def test_a_developer_environment_holds_secrets_each_with_its_own_canary_in_its_issuers_format():
    canaries = CanaryFactory()
    planted = planted_secrets(canaries, ["GITHUB_TOKEN"])
    assert "GITHUB_TOKEN" not in planted.env  # the target's own declaration wins
    assert planted.env["OPENAI_API_KEY"].startswith("sk-proj-")
    assert re.fullmatch(r"AKIA[0-9A-Z]{16}", planted.env["AWS_ACCESS_KEY_ID"])
    assert len(planted.credentials) == len(planted.env) >= 5
    for token, source in planted.credentials.items():
        name = source.removeprefix("env ")
        assert token in planted.env[name].lower()
