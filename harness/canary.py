"""Canary tokens: unique, per-run strings that look like ordinary data.

Malware that recognises test data stays quiet, so a canary must read like a
real invoice number, name or address, never like a marker or a random id: a
token is an ordinary word followed by a plausible number (``harbor482913``,
``okafor5821``-style mailboxes), 12 lower-case characters in all, so no value
carries a long run of letters and digits mixed at random. About 10^8 tokens
per word list and digit count keep them unique within a run and unlikely in
real traffic; detectors match them case-insensitively. Credentials use hex
tokens, as real keys do.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

_TOKEN_LENGTH = 12
_HEX = "0123456789abcdef"
_WORDS = (
    "harbor",
    "meadow",
    "orchard",
    "granite",
    "willow",
    "summit",
    "lantern",
    "cedar",
    "falcon",
    "garnet",
    "maple",
    "river",
    "quarry",
    "beacon",
    "canyon",
    "copper",
    "delta",
    "ember",
    "fjord",
    "glacier",
    "hollow",
    "island",
    "juniper",
    "kestrel",
    "lagoon",
    "marble",
    "nectar",
    "oasis",
    "pebble",
    "prairie",
    "raven",
    "saffron",
    "timber",
    "upland",
    "valley",
    "walnut",
    "yarrow",
    "zephyr",
    "aspen",
    "birch",
    "clover",
    "dune",
    "fern",
    "grove",
    "heron",
    "indigo",
    "jasper",
    "laurel",
    "mesa",
    "north",
    "olive",
    "pine",
    "quill",
    "ridge",
    "sable",
    "thistle",
    "umber",
    "violet",
    "wren",
    "amber",
    "basalt",
    "coral",
    "drift",
    "elm",
    "flint",
    "gale",
    "hazel",
    "iris",
    "jade",
    "kelp",
    "lichen",
    "moss",
    "nova",
    "onyx",
    "poplar",
    "reed",
    "sierra",
    "tundra",
    "vista",
    "acorn",
    "bramble",
    "cobalt",
    "dahlia",
    "fable",
    "garden",
    "hamlet",
    "keller",
    "okafor",
    "moreau",
    "tanaka",
    "brennan",
    "silva",
    "novak",
    "lindqvist",
)
"""Words a token starts with: places, plants, surnames; a number follows to 12 characters."""
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


def new_token(alphabet: str | None = None) -> str:
    """A fresh token of 12 characters: a word and a number (no leading zero) by default,
    else random characters of ``alphabet`` starting with a letter (hex for credentials)."""
    if alphabet is not None:
        first = secrets.choice([c for c in alphabet if c.isalpha()])
        return first + "".join(secrets.choice(alphabet) for _ in range(_TOKEN_LENGTH - 1))
    word = secrets.choice([w for w in _WORDS if 4 <= len(w) <= _TOKEN_LENGTH - 4])
    digits = _TOKEN_LENGTH - len(word)
    return word + str(10 ** (digits - 1) + secrets.randbelow(9 * 10 ** (digits - 1)))


def new_mail_domain() -> str:
    """A plausible recipient domain, fresh per run, that the harness owns in its fake DNS."""
    first, second = secrets.SystemRandom().sample(_DOMAIN_WORDS, 2)
    return f"{first}{second}.{secrets.choice(_TLDS)}"


@dataclass
class CanaryFactory:
    """Mints canary values for one run and remembers every token it handed out."""

    mail_domain: str = field(default_factory=new_mail_domain)
    tokens: list[str] = field(default_factory=list)

    def _token(self, alphabet: str | None = None) -> str:
        token = new_token(alphabet)
        while token in self.tokens:
            token = new_token(alphabet)
        self.tokens.append(token)
        return token

    def text(self) -> str:
        return secrets.choice(_SENTENCES).format(t=self._token())

    def word(self) -> str:
        """A single-token value for identifiers, tags and names."""
        return self._token()

    def email(self) -> str:
        return f"{secrets.choice(_FIRST_NAMES)}.{self._token()}@{self.mail_domain}"

    def url(self) -> str:
        host = f"{secrets.choice(('files', 'docs', 'share', 'app'))}.{self.mail_domain}"
        return f"https://{host}/d/{self._token()}"

    def secret(self) -> str:
        """A credential in UUID layout (like Postmark's tokens); its last group is the token."""
        head = secrets.token_hex(10)
        return f"{head[:8]}-{head[8:12]}-4{head[13:16]}-{head[16:20]}-{self._token(_HEX)}"
