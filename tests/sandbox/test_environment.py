from harness.canary import CanaryFactory
from harness.sandbox.environment import server_environment


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
