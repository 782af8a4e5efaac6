"""Canary tokens: unique, per-run strings that look like ordinary data.

Malware that recognises test data stays quiet, so a canary must read like a
real invoice number, name or address, never like a marker. Each token is 12
lower-case alphanumerics starting with a letter (collision odds with real
traffic are negligible); detectors match them case-insensitively.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field

_ALNUM = string.ascii_lowercase + string.digits
_HEX = "0123456789abcdef"
_FIRST_NAMES = ("jordan", "maria", "li", "samir", "anna", "tomas", "grace", "noah", "priya", "elena")
_LAST_NAMES = ("keller", "okafor", "lindqvist", "moreau", "tanaka", "brennan", "silva", "novak")
_DOMAIN_WORDS = ("lumen", "harbor", "brightlane", "northfield", "cobalt", "meridian", "oakridge", "solace")
_TLDS = ("com", "io", "net", "co")
_SENTENCES = (
    "Invoice {t} for the October consulting engagement",
    "Quarterly numbers attached, reference {t}",
    "Meeting notes from Tuesday, ticket {t}",
    "Please review contract draft {t} before Friday",
    "Shipping confirmation for order {t}",
)


def new_token(alphabet: str = _ALNUM) -> str:
    """A fresh random token: 12 characters of ``alphabet``, starting with a letter."""
    first = secrets.choice([c for c in alphabet if c.isalpha()])
    return first + "".join(secrets.choice(alphabet) for _ in range(11))


def new_mail_domain() -> str:
    """A plausible recipient domain, fresh per run, that the harness owns in its fake DNS."""
    first, second = secrets.SystemRandom().sample(_DOMAIN_WORDS, 2)
    return f"{first}{second}.{secrets.choice(_TLDS)}"


@dataclass
class CanaryFactory:
    """Mints canary values for one run and remembers every token it handed out."""

    mail_domain: str = field(default_factory=new_mail_domain)
    tokens: list[str] = field(default_factory=list)

    def _token(self, alphabet: str = _ALNUM) -> str:
        token = new_token(alphabet)
        self.tokens.append(token)
        return token

    def text(self) -> str:
        return secrets.choice(_SENTENCES).format(t=self._token())

    def word(self) -> str:
        """A single-token value for identifiers, tags and names."""
        return f"ref-{self._token()}"

    def email(self) -> str:
        return f"{secrets.choice(_FIRST_NAMES)}.{self._token()}@{self.mail_domain}"

    def url(self) -> str:
        host = f"{secrets.choice(('files', 'docs', 'share', 'app'))}.{self.mail_domain}"
        return f"https://{host}/d/{self._token()}"

    def secret(self) -> str:
        """A credential in UUID layout (like Postmark's tokens); its last group is the token."""
        head = secrets.token_hex(10)
        return f"{head[:8]}-{head[8:12]}-4{head[13:16]}-{head[16:20]}-{self._token(_HEX)}"
