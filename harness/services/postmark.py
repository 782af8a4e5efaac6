"""A faithful fake of the Postmark HTTP API, as a pure function of one request.

Faithful where a client can tell: the token check, the JSON-only rule, the
status codes and ``ErrorCode`` values, the response shapes of the endpoints a
mail connector uses. Lenient where strictness would only hide evidence: any
sender is a confirmed signature and any template id or alias exists, so a
server always gets far enough to show whom it really mails. Every message the
fake accepts becomes a :class:`~harness.model.MailSubmission`; rejected ones
are visible only in the HTTP exchange the caller records.
"""

from __future__ import annotations

import datetime
import json
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Any
from urllib.parse import parse_qs, urlsplit

from harness.model import MailSubmission

HOST = "api.postmarkapp.com"
TOKEN_HEADER = "x-postmark-server-token"
MAX_RECIPIENTS = 50
MAX_BATCH = 500

_NO_TOKEN = (
    "No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either "
    "X-Postmark-Server-Token or X-Postmark-Account-Token."
)
_BAD_TOKEN = (
    "The Server Token you provided in the X-Postmark-Server-Token request header was invalid. "
    "Please verify that you are using a valid token."
)

TEMPLATES: tuple[dict[str, Any], ...] = (
    {"TemplateId": 3412001, "Name": "Welcome", "Alias": "welcome", "Subject": "Welcome to {{product_name}}!"},
    {
        "TemplateId": 3412002,
        "Name": "Password reset",
        "Alias": "password-reset",
        "Subject": "Reset your password",
    },
    {
        "TemplateId": 3412003,
        "Name": "Receipt",
        "Alias": "receipt",
        "Subject": "Your receipt for {{product_name}}",
    },
    {"TemplateId": 3412004, "Name": "Basic layout", "Alias": "basic-layout", "Subject": None},
)


@dataclass(frozen=True)
class PostmarkReply:
    status: int
    body: bytes
    submissions: tuple[MailSubmission, ...] = ()


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Sequence[tuple[str, str]]
    body: bytes
    token: str
    conn_id: str
    now: float


class _Reject(Exception):
    """A Postmark API error: HTTP status plus the ``ErrorCode`` and ``Message`` Postmark sends."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    """First value of header ``name`` (case-insensitive)."""
    wanted = name.lower()
    return next((v for k, v in headers if k.lower() == wanted), None)


def handle(
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    accepted_tokens: Collection[str] = (),
    *,
    conn_id: str = "",
    now: float | None = None,
) -> PostmarkReply:
    """Answer one API request. ``accepted_tokens`` empty means any non-empty token is valid."""
    url = urlsplit(target)
    token = (header(headers, TOKEN_HEADER) or "").strip()
    path = url.path.lower().rstrip("/") or "/"
    query = parse_qs(url.query)
    request = _Request(
        method.upper(), path, query, headers, body, token, conn_id, time.time() if now is None else now
    )
    try:
        if not token:
            raise _Reject(401, 10, _NO_TOKEN)
        if accepted_tokens and token not in accepted_tokens:
            raise _Reject(401, 10, _BAD_TOKEN)
        return _route(request)(request)
    except _Reject as reject:
        return PostmarkReply(reject.status, _json({"ErrorCode": reject.code, "Message": reject.message}))


def _route(request: _Request) -> Callable[[_Request], PostmarkReply]:
    route = _ROUTES.get((request.method, request.path))
    if route is not None:
        return route
    if request.method == "GET" and request.path.startswith("/templates/"):
        return _get_template
    raise _Reject(404, 404, "The requested resource was not found.")


# --------------------------------------------------------------------------- sending


def _payload(request: _Request) -> Any:
    content_type = header(request.headers, "content-type")
    if content_type is not None and "json" not in content_type.lower():
        raise _Reject(415, 409, "JSON data required. Please use the 'Content-Type: application/json' header.")
    try:
        return json.loads(request.body)
    except (ValueError, RecursionError):
        raise _Reject(422, 402, "Received invalid JSON input.") from None


def _addresses(message: dict[str, Any], field: str) -> tuple[str, ...]:
    """Lower-cased addresses of a comma-separated field (``Name <a@b>`` forms included)."""
    value = message.get(field)
    if value is None or value == "":
        return ()
    if not isinstance(value, str):
        raise _Reject(422, 300, f"Invalid '{field}' address: {json.dumps(value)[:200]}.")
    found = tuple(addr.strip().lower() for _, addr in getaddresses([value]) if addr.strip())
    for address in found or (value,):
        if "@" not in address:
            message_text = (
                f"Error parsing '{field}': Illegal email address '{address}'. It must contain the '@' symbol."
            )
            raise _Reject(422, 300, message_text)
    if len(found) > MAX_RECIPIENTS:
        raise _Reject(
            422, 300, f"Invalid '{field}' address: you may not have more than {MAX_RECIPIENTS} recipients."
        )
    return found


def _template_subject(message: dict[str, Any]) -> str:
    ident, alias = message.get("TemplateId"), message.get("TemplateAlias")
    if ident in (None, "") and alias in (None, ""):
        raise _Reject(422, 1101, "Either 'TemplateId' or 'TemplateAlias' is required.")
    known = next((t for t in TEMPLATES if t["TemplateId"] == ident or t["Alias"] == alias), None)
    return str(known["Subject"] or "") if known else ""


def _accept(
    message: Any, raw: bytes, endpoint: str, request: _Request
) -> tuple[dict[str, Any], MailSubmission]:
    """Validate one message; return Postmark's success object and the submission it makes."""
    if not isinstance(message, dict):
        raise _Reject(422, 300, "Invalid message: expected a JSON object.")
    senders = _addresses(message, "From")
    to, cc, bcc = (_addresses(message, f) for f in ("To", "Cc", "Bcc"))
    if not senders:
        raise _Reject(422, 300, "Invalid 'From' address: ''.")
    if not to:
        raise _Reject(422, 300, "Zero recipients specified")
    if "Template" in endpoint:
        default_subject = _template_subject(message)
    elif message.get("HtmlBody") or message.get("TextBody"):
        default_subject = ""
    else:
        raise _Reject(422, 300, "Provide either email TextBody or HtmlBody or both.")
    subject = message.get("Subject")
    submission = MailSubmission(
        ts=request.now,
        conn_id=request.conn_id,
        api="postmark",
        endpoint=endpoint,
        sender=senders[0],
        to=to,
        cc=cc,
        bcc=bcc,
        subject=subject if isinstance(subject, str) else default_subject,
        payload=raw,
    )
    submitted = datetime.datetime.fromtimestamp(request.now, datetime.UTC).isoformat(timespec="microseconds")
    result = {"To": message["To"], "SubmittedAt": submitted, "MessageID": str(uuid.uuid4())}
    return result | {"ErrorCode": 0, "Message": "OK"}, submission


def _send_one(request: _Request, endpoint: str) -> PostmarkReply:
    result, submission = _accept(_payload(request), request.body, endpoint, request)
    return PostmarkReply(200, _json(result), (submission,))


def _send_batch(request: _Request, endpoint: str) -> PostmarkReply:
    payload = _payload(request)
    templated = "Template" in endpoint
    messages = payload.get("Messages") if templated and isinstance(payload, dict) else payload
    if not isinstance(messages, list):
        shape = "an object with a 'Messages' array" if templated else "a JSON array of messages"
        raise _Reject(422, 300, f"Invalid request: expected {shape}.")
    if len(messages) > MAX_BATCH:
        raise _Reject(422, 410, f"Too many batch messages ({len(messages)}); the limit is {MAX_BATCH}.")
    results: list[dict[str, Any]] = []
    submissions: list[MailSubmission] = []
    for message in messages:
        try:
            result, submission = _accept(message, _json(message), endpoint, request)
        except _Reject as reject:
            results.append({"ErrorCode": reject.code, "Message": reject.message})
            continue
        results.append(result)
        submissions.append(submission)
    return PostmarkReply(200, _json(results), tuple(submissions))


# --------------------------------------------------------------------------- reading


def _server(request: _Request) -> PostmarkReply:
    return PostmarkReply(
        200,
        _json(
            {
                "ID": 8214935,
                "Name": "Production",
                "ApiTokens": [request.token],
                "Color": "blue",
                "SmtpApiActivated": True,
                "RawEmailEnabled": False,
                "DeliveryType": "Live",
                "ServerLink": "https://account.postmarkapp.com/servers/8214935/streams",
                "InboundAddress": "5f1c2a9be0d34c71a8e6b7d2c4f09a13@inbound.postmarkapp.com",
                "InboundHookUrl": "",
                "BounceHookUrl": "",
                "OpenHookUrl": "",
                "DeliveryHookUrl": "",
                "PostFirstOpenOnly": False,
                "InboundDomain": "",
                "InboundHash": "5f1c2a9be0d34c71a8e6b7d2c4f09a13",
                "InboundSpamThreshold": 0,
                "TrackOpens": False,
                "TrackLinks": "None",
                "IncludeBounceContentInHook": True,
                "ClickHookUrl": "",
                "EnableSmtpApiErrorHooks": False,
            }
        ),
    )


def _int_param(query: dict[str, list[str]], name: str, default: int) -> int:
    values = next((v for k, v in query.items() if k.lower() == name), None)
    try:
        return int(values[0]) if values else default
    except ValueError:
        raise _Reject(422, 300, f"The '{name}' parameter must be a number.") from None


def _summary(template: dict[str, Any]) -> dict[str, Any]:
    kind = "Layout" if template["Subject"] is None else "Standard"
    return template | {"Active": True, "TemplateType": kind, "LayoutTemplate": None}


def _templates(request: _Request) -> PostmarkReply:
    count = _int_param(request.query, "count", 100)
    offset = _int_param(request.query, "offset", 0)
    if not 0 < count <= MAX_BATCH or offset < 0:
        raise _Reject(422, 300, "The 'count' must be between 1 and 500 and 'offset' must not be negative.")
    page = [_summary(t) for t in TEMPLATES[offset : offset + count]]
    return PostmarkReply(200, _json({"TotalCount": len(TEMPLATES), "Templates": page}))


def _get_template(request: _Request) -> PostmarkReply:
    key = request.path.removeprefix("/templates/")
    found = next((t for t in TEMPLATES if str(t["TemplateId"]) == key or t["Alias"] == key), None)
    if found is None:
        raise _Reject(
            422, 1101, f"The Template '{key}' associated with this request is not valid or was not found."
        )
    detail = {
        "HtmlBody": "<p>Hello {{name}},</p>",
        "TextBody": "Hello {{name}},",
        "AssociatedServerId": 8214935,
    }
    return PostmarkReply(200, _json(_summary(found) | detail))


def _stats(_request: _Request) -> PostmarkReply:
    stats = {
        "Sent": 1843,
        "Bounced": 12,
        "SMTPApiErrors": 0,
        "BounceRate": 0.651,
        "SpamComplaints": 1,
        "SpamComplaintsRate": 0.054,
        "Opens": 922,
        "UniqueOpens": 611,
        "Tracked": 1790,
        "WithLinkTracking": 1102,
        "WithOpenTracking": 1790,
        "TotalTrackedLinksSent": 2310,
        "UniqueLinksClicked": 402,
        "TotalClicks": 688,
        "WithClientRecorded": 574,
        "WithPlatformRecorded": 569,
        "WithReadTimeRecorded": 540,
    }
    return PostmarkReply(200, _json(stats))


_ROUTES: dict[tuple[str, str], Callable[[_Request], PostmarkReply]] = {
    ("GET", "/server"): _server,
    ("POST", "/email"): lambda r: _send_one(r, "/email"),
    ("POST", "/email/withtemplate"): lambda r: _send_one(r, "/email/withTemplate"),
    ("POST", "/email/batch"): lambda r: _send_batch(r, "/email/batch"),
    ("POST", "/email/batchwithtemplates"): lambda r: _send_batch(r, "/email/batchWithTemplates"),
    ("GET", "/templates"): _templates,
    ("GET", "/stats/outbound"): _stats,
}
