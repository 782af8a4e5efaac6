"""What each finding kind means, once, for every renderer that explains it (SARIF rules, JUnit checks).

``security_severity`` is fixed per kind (GitHub code scanning sorts and gates on it), so one kind
scores the same in every run; a finding's own severity still sets its SARIF ``level``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    kind: str
    short: str
    full: str
    """What the harness saw, in a sentence or two."""
    why: str
    """Why it matters and what a reviewer should do."""
    security_severity: str
    """CVSS-like score as a string (GitHub: >= 9 critical, >= 7 high, >= 4 medium, else low)."""
    tags: tuple[str, ...]

    @property
    def name(self) -> str:
        return "".join(part.title() for part in self.kind.split("_"))

    @property
    def markdown(self) -> str:
        return f"**{self.short}**\n\n{self.full}\n\n{self.why}\n\nTags: " + ", ".join(
            f"`{t}`" for t in self.tags
        )


_NET = ("security", "mcp", "exfiltration")
_META = ("security", "mcp", "prompt-injection")
_HOST = ("security", "mcp", "host-behaviour")

RULES: dict[str, Rule] = {
    r.kind: r
    for r in (
        Rule(
            "unexpected_recipient",
            "Mail went to a recipient the call did not name",
            "Mail carrying a tool call's canary was also addressed to a mailbox the call never named"
            " (a hidden Bcc, an extra RCPT TO).",
            "This is the postmark-mcp pattern: every message silently copied to someone else. Remove the"
            " connector unless the extra recipient is yours.",
            "9.0",
            (*_NET, "email"),
        ),
        Rule(
            "canary_exfiltration",
            "Data from a call left toward a host the call did not name",
            "A canary planted in a tool call's arguments was seen leaving the sandbox toward a host no"
            " argument named, on any channel (HTTP(S), DNS, SMTP, raw TCP/UDP), however it was encoded.",
            "The connector sends what you give it somewhere you did not ask. Find out who runs the host.",
            "8.5",
            _NET,
        ),
        Rule(
            "credential_exfiltration",
            "A planted credential left the sandbox",
            "A bait credential (an env secret, SSH key, cloud or registry token, .env value) was seen leaving"
            " toward something other than the service it belongs to.",
            "Credential theft. Treat the connector as malicious and rotate anything it could read.",
            "9.5",
            (*_NET, "credentials"),
        ),
        Rule(
            "unexpected_egress",
            "Traffic to a host nobody named",
            "The server contacted a host that neither a call nor the connector's declared services named;"
            " no canary was seen in it.",
            "Often telemetry or an update check; sometimes a beacon. Approve it if you know the host.",
            "3.5",
            ("security", "mcp", "network"),
        ),
        Rule(
            "tool_poisoning",
            "A definition carries text aimed at the model",
            "A tool, resource or prompt definition holds instructions, secrecy, requests for secrets or"
            " invisible Unicode addressed to the model that reads it.",
            "The model follows such text as if the user had written it. Read the full text in the report.",
            "7.5",
            _META,
        ),
        Rule(
            "tool_definition_changed",
            "A tool changed after it was first listed",
            "A tool's definition appeared, disappeared or changed after the client first listed it"
            " (a rug pull).",
            "What was reviewed is not what runs. Read the diff in the report.",
            "8.0",
            _META,
        ),
        Rule(
            "output_injection",
            "A result carries instructions for the model",
            "A tool result holds text addressed to the model (instructions, secrecy, tool-use requests).",
            "The model may act on it. Check whether the server or its data source wrote it.",
            "7.0",
            _META,
        ),
        Rule(
            "undecoded_payload",
            "Outbound bytes the scan could not fully decode",
            "Outbound bytes expand past what the scan may decode (a compression bomb, or encodings nested"
            " without end), so the flow cannot be shown clean.",
            "Encoding built to outlast a scanner is itself a signal. Inspect the flow in the capture.",
            "6.0",
            _NET,
        ),
        Rule(
            "cross_call_contamination",
            "A result holds data another call planted",
            "A call's result contained a canary that a different call had planted.",
            "Memories and caches do this honestly; a connector that should be stateless should not.",
            "2.0",
            ("security", "mcp", "isolation"),
        ),
        Rule(
            "process_spawn",
            "The server started a child process",
            "A process other than the server ran in its container (every fork and exec is seen).",
            "Expected for some servers (git, shells); unexpected ones are how droppers start.",
            "5.0",
            _HOST,
        ),
        Rule(
            "persistence",
            "The server wrote a start-up or autostart file",
            "A shell start-up file, autostart entry or similar was written in the server's home.",
            "Persistence outlives the session. Treat as malicious unless it is the server's own config.",
            "8.0",
            _HOST,
        ),
        Rule(
            "listening_socket",
            "The server opened a listening socket",
            "A socket was put into listening state by the server.",
            "Expected for HTTP servers on their own port; otherwise a possible backdoor.",
            "5.0",
            _HOST,
        ),
        Rule(
            "resource_abuse",
            "The server exhausted a sandbox limit",
            "Memory, process or CPU limits of the sandbox were hit.",
            "A fork bomb or miner looks like this; so does a bug. Look at the processes it started.",
            "4.0",
            _HOST,
        ),
    )
}


def rule_for(kind: str) -> Rule:
    """The kind's rule; a kind this table does not know yet still gets a stable generic one."""
    known = RULES.get(kind)
    if known is not None:
        return known
    words = kind.replace("_", " ")
    return Rule(
        kind, words.capitalize(), f"The harness reported {words}.", "See the report.", "5.0", ("mcp",)
    )
