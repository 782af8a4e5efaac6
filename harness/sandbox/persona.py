"""Who the sandbox pretends to be: one developer workstation or CI runner, chosen per run.

Malware asks the machine whether it is real before it acts: the user and host names, the
machine id, how long it has been up, what PIDs look like, whether the environment holds
the tokens a developer has. A :class:`Persona` answers all of these consistently (the host
is named after the user on a workstation, after the runner on CI; the uptime fits the kind
of machine) and differently every run, so no constant gives the sandbox away. Pure: the
sandbox's PID 1 applies it (:meth:`Persona.init_environment`), :mod:`harness.sandbox.bait`
fills the home from it. Nothing here names what watches.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace

_PEOPLE = (
    ("jkeller", "Jana Keller"),
    ("mokafor", "Michael Okafor"),
    ("alindqvist", "Anna Lindqvist"),
    ("tmoreau", "Thomas Moreau"),
    ("pnovak", "Petra Novak"),
    ("rtanaka", "Ryo Tanaka"),
    ("sbrennan", "Sean Brennan"),
    ("lsilva", "Luisa Silva"),
)
_LAPTOPS = ("thinkpad", "xps", "framework", "desktop", "workstation", "laptop")
_SHELLS_LANG = ("en_US.UTF-8", "en_GB.UTF-8", "de_DE.UTF-8", "C.UTF-8")

PRELOAD = "/usr/lib/libtimeshift.so.1"
"""What PID 1 preloads into every process: libfaketime, under a neutral name (see the runner
images' Dockerfiles)."""

SPEED = 20
"""How much faster than real time the sandbox's clocks and sleeps run: a send scheduled a
minute after a call happens three seconds later, inside the audit's linger. (A timeout the
server sets is as much shorter in real time: 3 s is 150 ms, still ample on loopback.)"""


@dataclass(frozen=True)
class Persona:
    """One machine and its user, consistent across every place a program can ask."""

    kind: str
    """``workstation`` or ``ci``."""
    user: str
    full_name: str
    hostname: str
    machine_id: str
    uptime: int
    """Seconds the machine appears to have been up."""
    next_pid: int
    """PIDs start above this, as on a machine that has been running a while."""
    env: dict[str, str] = field(default_factory=dict)
    """Ordinary environment of such a machine (no secrets)."""

    @property
    def home(self) -> str:
        return f"/home/{self.user}"

    def init_environment(self, home_mount: str, speed: int = SPEED) -> dict[str, str]:
        """Settings for the sandbox's PID 1, which strips them before the server starts."""
        return {
            "INIT_USER": self.user,
            "INIT_GECOS": self.full_name,
            "INIT_HOSTNAME": self.hostname,
            "INIT_MACHINE_ID": self.machine_id,
            "INIT_UPTIME": str(self.uptime),
            "INIT_NEXT_PID": str(self.next_pid),
            "INIT_HOME_MOUNT": home_mount,
            "INIT_CLOCK": f"+0 x{speed}" if speed > 1 else "",
            "INIT_PRELOAD": PRELOAD,
        }


def _workstation(user: str, full_name: str) -> Persona:
    host = f"{user}-{secrets.choice(_LAPTOPS)}"
    env = {
        "USER": user,
        "LOGNAME": user,
        "SHELL": "/bin/bash",
        "LANG": secrets.choice(_SHELLS_LANG),
        "TERM": "xterm-256color",
        "EDITOR": secrets.choice(("vim", "nano", "code --wait")),
        "XDG_RUNTIME_DIR": "/run/user/1000",
        "XDG_SESSION_TYPE": secrets.choice(("wayland", "x11")),
        "DISPLAY": ":0",
    }
    uptime = 3600 + secrets.randbelow(9 * 86400)
    return Persona("workstation", user, full_name, host, secrets.token_hex(16), uptime, 0, env)


def _ci_runner(user: str, full_name: str) -> Persona:
    host = f"fv-az{100 + secrets.randbelow(900)}-{secrets.randbelow(1000)}"
    env = {
        "USER": user,
        "LOGNAME": user,
        "SHELL": "/bin/bash",
        "LANG": "C.UTF-8",
        "CI": "true",
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
    }
    uptime = 120 + secrets.randbelow(1200)
    return Persona("ci", user, full_name, host, secrets.token_hex(16), uptime, 0, env)


def new_persona() -> Persona:
    """A fresh machine for one run: mostly workstations, sometimes a CI runner."""
    user, full_name = secrets.choice(_PEOPLE)
    persona = _ci_runner("runner", "") if secrets.randbelow(5) == 0 else _workstation(user, full_name)
    busy = 1500 + secrets.randbelow(4000) if persona.kind == "ci" else 6000 + secrets.randbelow(24000)
    return replace(persona, next_pid=busy)
