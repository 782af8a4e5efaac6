import pytest

from harness.errors import TargetError
from harness.model import TargetSpec
from harness.targets.transport import from_url, with_transport

BASE = TargetSpec(name="t", source_dir="", runtime="node", command=("node", "x.js"))


def test_http_and_sse_default_to_their_usual_endpoints():
    assert with_transport(BASE, "http", 3001).endpoint == "/mcp"
    assert with_transport(BASE, "sse", 3001).endpoint == "/sse"
    assert with_transport(BASE, "streamable-http", 3001, "/v1/mcp").transport == "http"
    stdio = with_transport(with_transport(BASE, "http", 3001), "stdio")
    assert (stdio.transport, stdio.port, stdio.endpoint) == ("stdio", None, None)


@pytest.mark.parametrize(
    ("transport", "port", "endpoint", "message"),
    [
        ("websocket", 1, None, "unknown transport"),
        ("http", None, None, "needs the port"),
        ("sse", 70000, None, "not a TCP port"),
        ("http", 15001, None, "taken inside the sandbox"),
        ("http", 3001, "mcp", "must be a URL path"),
        ("stdio", 3001, None, "only applies"),
    ],
)
def test_combinations_that_cannot_work_are_one_clear_error(transport, port, endpoint, message):
    with pytest.raises(TargetError, match=message):
        with_transport(BASE, transport, port, endpoint)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mcp.example.com/mcp", "remote server"),
        ("https://localhost:8443/mcp", "only plain http"),
        ("http://localhost:99999/mcp", "no valid port"),
    ],
)
def test_urls_that_cannot_be_relayed_are_refused(url, message):
    with pytest.raises(TargetError, match=message):
        from_url(BASE, None, url)
