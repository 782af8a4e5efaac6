import datetime
import json
import uuid
from typing import Any

import pytest

from harness.services import postmark

TOKEN = "server-token-1"


def message(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "From": "Sender <sender@example.org>",
        "To": "alice@example.org",
        "Subject": "Hello",
        "TextBody": "Hi Alice",
        "MessageStream": "outbound",
    }
    return {k: v for k, v in (fields | overrides).items() if v is not None}


def call(
    method: str,
    target: str,
    body: Any = None,
    *,
    token: str | None = TOKEN,
    content_type: str | None = "application/json",
    tokens: tuple[str, ...] = (TOKEN,),
) -> postmark.PostmarkReply:
    headers = [("Accept", "application/json")]
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    if token is not None:
        headers.append(("X-Postmark-Server-Token", token))
    raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    return postmark.handle(method, target, headers, raw, tokens, conn_id="c7", now=1_758_000_000.0)


def parsed(reply: postmark.PostmarkReply) -> Any:
    return json.loads(reply.body)


def test_a_request_without_token_is_401_with_error_code_10() -> None:
    reply = call("GET", "/server", token=None)
    assert reply.status == 401
    assert parsed(reply)["ErrorCode"] == 10
    assert "X-Postmark-Server-Token" in parsed(reply)["Message"]


def test_a_token_not_configured_is_401_with_error_code_10() -> None:
    reply = call("POST", "/email", message(), token="someone-elses")
    assert (reply.status, parsed(reply)["ErrorCode"], reply.submissions) == (401, 10, ())


def test_any_non_empty_token_is_accepted_when_none_are_configured() -> None:
    assert call("GET", "/server", token="whatever", tokens=()).status == 200
    assert call("GET", "/server", token="  ", tokens=()).status == 401


def test_the_token_header_name_is_case_insensitive() -> None:
    headers = [("x-POSTMARK-server-token", TOKEN)]
    assert postmark.handle("GET", "/server", headers, b"", (TOKEN,)).status == 200


def test_server_details_list_the_token_used() -> None:
    details = parsed(call("GET", "/server"))
    assert details["ApiTokens"] == [TOKEN]
    assert {"ID", "Name", "DeliveryType", "InboundAddress"} <= details.keys()


def test_send_email_answers_like_postmark() -> None:
    reply = call("POST", "/email", message(To="Alice <alice@example.org>"))
    body = parsed(reply)
    assert reply.status == 200
    assert body["To"] == "Alice <alice@example.org>"
    assert (body["ErrorCode"], body["Message"]) == (0, "OK")
    assert uuid.UUID(body["MessageID"]).version == 4
    assert datetime.datetime.fromisoformat(body["SubmittedAt"]).timestamp() == 1_758_000_000.0


def test_send_email_records_every_recipient_lower_cased_including_bcc() -> None:
    sent = message(
        To='"Alice A." <Alice@Example.org>, bob@example.org',
        Cc="Carol <carol@example.org>",
        Bcc="Exfil <THIEF@attacker.example>",
    )
    (submission,) = call("POST", "/email", sent).submissions
    assert submission.to == ("alice@example.org", "bob@example.org")
    assert submission.cc == ("carol@example.org",)
    assert submission.bcc == ("thief@attacker.example",)
    assert submission.recipients[-1] == "thief@attacker.example"
    assert (submission.api, submission.endpoint, submission.sender) == (
        "postmark",
        "/email",
        "sender@example.org",
    )
    assert (submission.subject, submission.conn_id, submission.ts) == ("Hello", "c7", 1_758_000_000.0)


def test_a_single_message_keeps_the_exact_bytes_sent() -> None:
    raw = b'{"From":"a@example.org","To":"b@example.org","TextBody":"x" , "Bcc":"c@example.org"}'
    (submission,) = call("POST", "/email", raw).submissions
    assert submission.payload == raw


def test_invalid_json_is_422_with_error_code_402() -> None:
    reply = call("POST", "/email", b'{"From": "a@example.org",')
    assert (reply.status, parsed(reply)["ErrorCode"], reply.submissions) == (422, 402, ())


def test_a_non_json_content_type_is_415_with_error_code_409() -> None:
    reply = call("POST", "/email", message(), content_type="application/x-www-form-urlencoded")
    assert (reply.status, parsed(reply)["ErrorCode"]) == (415, 409)


def test_a_missing_content_type_is_tolerated() -> None:
    assert call("POST", "/email", message(), content_type=None).status == 200


@pytest.mark.parametrize("missing", ["To", "From"])
def test_a_message_without_to_or_from_is_422_with_error_code_300(missing: str) -> None:
    reply = call("POST", "/email", {k: v for k, v in message().items() if k != missing})
    assert (reply.status, parsed(reply)["ErrorCode"], reply.submissions) == (422, 300, ())


def test_more_than_50_recipients_in_a_field_is_rejected() -> None:
    many = ", ".join(f"user{i}@example.org" for i in range(51))
    reply = call("POST", "/email", message(Bcc=many))
    assert (reply.status, parsed(reply)["ErrorCode"]) == (422, 300)


def test_an_address_without_at_sign_is_rejected() -> None:
    reply = call("POST", "/email", message(To="not-an-address"))
    assert reply.status == 422
    assert "Illegal email address 'not-an-address'" in parsed(reply)["Message"]


def test_a_message_without_any_body_is_rejected() -> None:
    reply = call("POST", "/email", message(TextBody=None))
    assert (reply.status, parsed(reply)["ErrorCode"]) == (422, 300)


def test_batch_answers_each_message_and_records_only_accepted_ones() -> None:
    batch = [message(To="a@example.org"), message(To=None), message(To="b@example.org", Bcc="x@example.net")]
    reply = call("POST", "/email/batch", batch)
    results = parsed(reply)
    assert reply.status == 200
    assert [r["ErrorCode"] for r in results] == [0, 300, 0]
    assert [s.to for s in reply.submissions] == [("a@example.org",), ("b@example.org",)]
    assert json.loads(reply.submissions[1].payload)["Bcc"] == "x@example.net"
    assert {s.endpoint for s in reply.submissions} == {"/email/batch"}


def test_batch_of_more_than_500_is_422_with_error_code_410() -> None:
    reply = call("POST", "/email/batch", [message()] * 501)
    assert (reply.status, parsed(reply)["ErrorCode"], reply.submissions) == (422, 410, ())


def test_batch_must_be_a_json_array() -> None:
    reply = call("POST", "/email/batch", message())
    assert (reply.status, parsed(reply)["ErrorCode"]) == (422, 300)


def test_with_template_accepts_an_alias_and_uses_the_template_subject() -> None:
    sent = message(Subject=None, TextBody=None, TemplateAlias="welcome", TemplateModel={"name": "Al"})
    reply = call("POST", "/email/withTemplate", sent)
    (submission,) = reply.submissions
    assert reply.status == 200
    assert submission.endpoint == "/email/withTemplate"
    assert submission.subject == "Welcome to {{product_name}}!"


def test_with_template_accepts_any_template_id_so_the_send_goes_through() -> None:
    sent = message(TextBody=None, TemplateId=987654, TemplateModel={}, Bcc="y@example.net")
    (submission,) = call("POST", "/email/withTemplate", sent).submissions
    assert submission.bcc == ("y@example.net",)


def test_with_template_needs_an_id_or_alias() -> None:
    reply = call("POST", "/email/withTemplate", message(TextBody=None, TemplateModel={}))
    assert reply.status == 422
    assert reply.submissions == ()


def test_batch_with_templates_reads_the_messages_array() -> None:
    sent = {
        "Messages": [
            message(TemplateId=3412003, TemplateModel={}),
            message(TemplateId=None, To="c@example.org"),
        ]
    }
    reply = call("POST", "/email/batchWithTemplates", sent)
    assert [r["ErrorCode"] for r in parsed(reply)] == [0, 1101]
    assert [s.endpoint for s in reply.submissions] == ["/email/batchWithTemplates"]


def test_templates_are_listed_in_pages() -> None:
    page = parsed(call("GET", "/templates?count=2&offset=1"))
    assert page["TotalCount"] == len(postmark.TEMPLATES)
    assert [t["Alias"] for t in page["Templates"]] == ["password-reset", "receipt"]
    assert {"Name", "TemplateId", "Alias", "Subject", "Active", "TemplateType"} <= page["Templates"][0].keys()


def test_templates_count_out_of_range_is_rejected() -> None:
    assert call("GET", "/templates?count=0&offset=0").status == 422
    assert call("GET", "/templates?count=abc").status == 422


def test_one_template_is_found_by_alias_or_id() -> None:
    assert parsed(call("GET", "/templates/receipt"))["TemplateId"] == 3412003
    assert parsed(call("GET", "/templates/3412001"))["Alias"] == "welcome"
    assert call("GET", "/templates/nope").status == 422


def test_outbound_stats_have_postmark_fields() -> None:
    stats = parsed(call("GET", "/stats/outbound?fromdate=2025-09-01&todate=2025-09-30&tag=welcome"))
    assert {"Sent", "Bounced", "SpamComplaints", "Opens", "TotalClicks"} <= stats.keys()


def test_paths_ignore_case_trailing_slash_and_query() -> None:
    assert call("POST", "/EMAIL/?x=1", message()).status == 200


def test_an_unknown_endpoint_is_404() -> None:
    assert call("GET", "/nowhere").status == 404
    assert call("DELETE", "/email").status == 404
