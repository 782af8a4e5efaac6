"""Sandbox probes: the server checking whether it is watched, which is evidence in itself.

Malware asks the resolver for a name that cannot exist (a random label under a random
domain) before it acts: a resolver that answers is a sandbox's. The fake resolver answers
such names NXDOMAIN (:mod:`harness.services.world`), so the probe sees a normal world, and
every question is recorded, so the probe is reported here: one ``sandbox_probe`` finding
(medium) per call or phase, naming the names looked up.

Files are the other probe: container markers, PID 1's ``/proc`` entries, the DMI hardware ids,
traced from the host (:mod:`harness.sandbox.tracing`) as :class:`FileProbe` events. Runtimes
read some machine files on their own (Node sizes its heap from the cgroup's memory limit and
``/proc/meminfo``, counts CPUs in ``/proc/cpuinfo``), so only :func:`is_file_probe` paths,
which no runtime reads, make a finding: one per call or phase, naming them and the other
machine files that process read from its first probe on (the CPU count, the memory limit).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from harness.detect.base import Evidence
from harness.detect.timeline import Timeline
from harness.model import Confidence, DnsQuery, FileProbe, Finding, Severity
from harness.services.world import looks_generated, registrable

_NAMES_SHOWN = 5
_PATHS_SHOWN = 8

_PROBE_FILES = frozenset({"/.dockerenv", "/run/.containerenv"})
_PROBE_DIRS = ("/proc/1", "/sys/class/dmi", "/sys/devices/virtual/dmi", "/sys/firmware/dmi")
"""Paths whose reading is a look at the machine no runtime makes on its own: container markers,
PID 1's ``/proc`` entries (its cgroups, environment, mounts, scheduler line), hardware ids."""


def is_probe(name: str) -> bool:
    """A name whose registrable domain looks machine-made: one nobody registered to be found."""
    name = name.lower().rstrip(".")
    return "." in name and looks_generated(registrable(name).split(".")[0])


def is_file_probe(path: str) -> bool:
    """A path read only to learn what machine this is (see :data:`_PROBE_DIRS`), however spelt
    (``/proc//1/./cgroup``, ``/proc/self/../1/environ``)."""
    path = normal(path)
    return path in _PROBE_FILES or any(path == d or path.startswith(d + "/") for d in _PROBE_DIRS)


def normal(path: str) -> str:
    """``path`` without repeated slashes, ``.`` and ``..`` (an absolute path; others as given)."""
    return posixpath.normpath("/" + path.lstrip("/")) if path.startswith("/") else path


class SandboxProbeDetector:
    name = "sandbox_probe"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        yield from self._names(evidence)
        yield from self._files(evidence)

    def _files(self, evidence: Evidence) -> Iterator[Finding]:
        timeline = Timeline(evidence.events)
        probed: dict[str, tuple[int, set[int], list[str]]] = {}
        for index, event in enumerate(evidence.events):
            if not isinstance(event, FileProbe):
                continue
            label = timeline.at(event.ts).label
            if is_file_probe(event.path):
                _, pids, _ = probed.setdefault(label, (index, set(), []))
                pids.add(event.pid)
            if label in probed and event.pid in probed[label][1] and event.path not in probed[label][2]:
                probed[label][2].append(event.path)
        for label, (index, _, paths) in probed.items():
            first = next(p for p in paths if is_file_probe(p))
            what = f"looked at what machine it runs on {label}"
            yield _finding(timeline, evidence, index, what, paths, first, "file read", _PATHS_SHOWN)

    def _names(self, evidence: Evidence) -> Iterator[Finding]:
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
            what = f"looked up names that cannot exist {label}"
            yield _finding(timeline, evidence, index, what, names, names[0], "dns", _NAMES_SHOWN)


def _finding(
    timeline: Timeline,
    evidence: Evidence,
    index: int,
    what: str,
    probed: list[str],
    first: str,
    channel: str,
    limit: int,
) -> Finding:
    """One ``sandbox_probe`` finding: what the server did, with the first ``limit`` things it probed."""
    more = f" and {len(probed) - limit} more" if len(probed) > limit else ""
    shown = ", ".join(probed[:limit]) + more
    return Finding(
        kind="sandbox_probe",
        severity=Severity.MEDIUM,
        title=f"The server {what} ({shown}), as sandbox checks do",
        **timeline.at(evidence.events[index].ts).where,
        canary=None,
        destination=first[:253],
        channel=channel,
        evidence="; ".join(p[:253] for p in probed[:limit]),
        event_index=index,
        confidence=Confidence.MEDIUM,
    )
