"""Sandbox probes: the server checking whether it is watched, which is evidence in itself.

Malware asks the resolver for a name that cannot exist (a random label under a random
domain) before it acts: a resolver that answers is a sandbox's. The fake resolver answers
such names NXDOMAIN (:mod:`harness.services.world`), so the probe sees a normal world, and
every question is recorded, so the probe is reported here: one ``sandbox_probe`` finding
(medium) per call or phase, naming the names looked up. Reads of container markers,
``/proc/1/*`` and hardware ids are not seen yet (that needs syscall tracing, which a
process can notice); see the README.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.detect.base import Evidence
from harness.detect.timeline import Timeline
from harness.model import Confidence, DnsQuery, Finding, Severity
from harness.services.world import looks_generated, registrable

_NAMES_SHOWN = 5


def is_probe(name: str) -> bool:
    """A name whose registrable domain looks machine-made: one nobody registered to be found."""
    name = name.lower().rstrip(".")
    return "." in name and looks_generated(registrable(name).split(".")[0])


class SandboxProbeDetector:
    name = "sandbox_probe"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        timeline = Timeline(evidence.events)
        by_moment: dict[str, tuple[int, list[str]]] = {}
        for index, event in enumerate(evidence.events):
            if isinstance(event, DnsQuery) and is_probe(event.qname):
                label = timeline.at(event.ts).label
                first, names = by_moment.setdefault(label, (index, []))
                name = event.qname.rstrip(".").lower()
                if name not in names:
                    names.append(name)
        for label, (index, names) in by_moment.items():
            moment = timeline.at(evidence.events[index].ts)
            shown = ", ".join(names[:_NAMES_SHOWN]) + (
                f" and {len(names) - _NAMES_SHOWN} more" if len(names) > _NAMES_SHOWN else ""
            )
            yield Finding(
                kind="sandbox_probe",
                severity=Severity.MEDIUM,
                title=f"The server looked up names that cannot exist {label} ({shown}), as sandbox checks do",
                **moment.where,
                canary=None,
                destination=names[0][:253],
                channel="dns",
                evidence="; ".join(n[:253] for n in names[:_NAMES_SHOWN]),
                event_index=index,
                confidence=Confidence.MEDIUM,
            )
