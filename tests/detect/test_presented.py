import base64

from harness.detect.presented import from_headers, from_login


def test_bearer_token_and_api_key_headers_are_presented_secrets():
    headers = (("Authorization", "Bearer tok-123"), ("X-Postmark-Server-Token", "pm-9"), ("Accept", "*/*"))
    assert from_headers(headers) == ("tok-123", "pm-9")


def test_basic_auth_presents_its_password_or_the_user_when_the_user_is_the_key():
    def basic(pair: str) -> tuple[tuple[str, str]]:
        return (("authorization", "Basic " + base64.b64encode(pair.encode()).decode()),)

    assert from_headers(basic("mailer:s3cret")) == ("s3cret",)
    assert from_headers(basic("sk_live_key:")) == ("sk_live_key",)


def test_an_authorization_header_without_a_scheme_is_the_secret_itself():
    assert from_headers((("Authorization", "ghp_abc"),)) == ("ghp_abc",)


def test_an_smtp_login_presents_its_password():
    assert from_login("mailer", "pw") == ("pw",)
    assert from_login(None, None) == ()
