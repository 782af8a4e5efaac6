from harness.driver.canary import CanaryFactory
from harness.driver.environment import server_environment


def test_placeholders_become_canaries_and_plain_values_pass_through():
    canaries = CanaryFactory()
    env, credential_tokens, secrets = server_environment(
        [("TOKEN", "${secret}"), ("SENDER", "${email}"), ("STREAM", "outbound")], canaries
    )
    assert env["STREAM"] == "outbound"
    assert env["TOKEN"] == secrets[0] and env["TOKEN"].endswith(credential_tokens[0])
    assert env["SENDER"].endswith("@" + canaries.mail_domain)
    assert "${" not in "".join(env.values())
