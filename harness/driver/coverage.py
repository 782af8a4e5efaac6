"""What a drive exercised, and the rule that decides whether that is enough to call a run clean.

The rule (README, "Coverage"): a run is ``completed`` only when nothing it was offered went
unexercised. Any of these is a *gap*, and a gap makes the run ``incomplete`` (exit 2, an amber
page), never clean:

- a listing that failed, could not be read, or whose pagination was cut short (a re-listing
  that fails is "could not re-list", not an empty list);
- tools were listed but no call succeeded;
- a listed tool, prompt, resource or template (up to the read bound) that was never answered,
  whether its calls hung, the drive stopped early (calls unanswered in a row, stdout closed,
  server exited) or it could not be called (no usable name);
- the server offered nothing at all to exercise;
- the server listed more tools than a drive calls, so only a random sample was called
  (:attr:`~harness.model.Coverage.sample` says which, and how often): the rest were listed and
  judged, never exercised.

Liveness seen along the way (a call that hung once, CPU at its limit, output that is not
JSON-RPC) and tools that answered only with errors (their arguments were refused) are *notes*:
always stated, and a gap only through what they cost.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from harness.model import AuditStatus, Coverage, ResourceUsage, Sample, SurfaceCoverage

SURFACES = ("tools", "resources", "resource_templates", "prompts")
_NOUN = {
    "tools": "tool",
    "resources": "resource",
    "resource_templates": "resource template",
    "prompts": "prompt",
}
_NAMED = 5
_PEGGED_NOTE = 10.0
"""Seconds at the CPU limit worth stating."""


def _names(keys: list[str]) -> str:
    shown = ", ".join(keys[:_NAMED])
    return shown + (f" and {len(keys) - _NAMED} more" if len(keys) > _NAMED else "")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass
class Exercise:
    """Per surface, the items the drive meant to exercise and what became of each."""

    offered: dict[str, dict[str, None]] = field(default_factory=lambda: {s: {} for s in SURFACES})
    """Ordered set of item keys (tool and prompt names, resource URIs, template URIs) per surface."""
    called: dict[str, set[str]] = field(default_factory=lambda: {s: set() for s in SURFACES})
    answered: dict[str, set[str]] = field(default_factory=lambda: {s: set() for s in SURFACES})
    succeeded: dict[str, set[str]] = field(default_factory=lambda: {s: set() for s in SURFACES})
    requests: Counter[str] = field(default_factory=Counter)
    """Requests sent per tool name."""
    chosen: dict[str, None] | None = None
    """The tools a drive calls when it calls only a sample of those listed (ordered set)."""
    calls: int = 0
    unanswered: int = 0
    gaps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def offer(self, surface: str, keys: list[str]) -> None:
        self.offered[surface].update(dict.fromkeys(keys))

    def choose(self, tools: list[str]) -> None:
        """Call only ``tools`` of those listed: the others are a gap stated as a sample."""
        self.chosen = dict.fromkeys(tools)

    def record(self, surface: str, key: str, answered: bool, ok: bool) -> None:
        self.calls += 1
        if surface == "tools":
            self.requests[key] += 1
        self.called[surface].add(key)
        if not answered:
            self.unanswered += 1
            return
        self.answered[surface].add(key)
        if ok:
            self.succeeded[surface].add(key)

    def gap(self, text: str) -> None:
        if text not in self.gaps:
            self.gaps.append(text)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def _surface(self, surface: str) -> SurfaceCoverage:
        keys = self.offered[surface]
        return SurfaceCoverage(
            listed=len(keys),
            called=len(self.called[surface] & keys.keys()),
            answered=len(self.answered[surface] & keys.keys()),
            succeeded=len(self.succeeded[surface] & keys.keys()),
        )

    def coverage(self) -> Coverage:
        """The coverage, with the gaps the rule derives from it added to those recorded."""
        gaps = list(self.gaps)
        sample = self._sample()
        if sample is not None and sample.judged_only:
            judged = list(sample.judged_only)
            gaps.append(
                f"sampled: {_plural(len(sample.called), 'tool')} of {sample.listed} called (chosen at"
                f" random), {len(judged)} only listed and judged: {_names(judged)}"
            )
        skipped = set(sample.judged_only) if sample is not None else set()
        for surface in SURFACES:
            missing = [
                k
                for k in self.offered[surface]
                if k not in self.answered[surface] and not (surface == "tools" and k in skipped)
            ]
            if missing:
                noun = _NOUN[surface]
                gaps.append(
                    f"{_plural(len(missing), noun)} of {len(self.offered[surface])} never answered:"
                    f" {_names(missing)}"
                )
        tools = self._surface("tools")
        if tools.listed and not tools.succeeded:
            errors = ", only with errors" if tools.answered else ""
            gaps.append(f"no tool call succeeded ({tools.answered} of {tools.listed} tools answered{errors})")
        if not gaps and not any(self.offered[s] for s in SURFACES):
            gaps.append("the server offered no tools, resources or prompts to exercise")
        notes = list(self.notes)
        refused = sorted(k for k in self.answered["tools"] if k not in self.succeeded["tools"])
        if refused and tools.succeeded:
            notes.append(f"{_plural(len(refused), 'tool')} answered only with errors: {_names(refused)}")
        if self.unanswered:
            notes.append(f"{_plural(self.unanswered, 'request')} of {self.calls} got no answer")
        return Coverage(
            tools=tools,
            resources=self._surface("resources"),
            templates=self._surface("resource_templates"),
            prompts=self._surface("prompts"),
            calls=self.calls,
            unanswered=self.unanswered,
            gaps=tuple(gaps),
            notes=tuple(notes),
            sample=sample,
        )

    def _sample(self) -> Sample | None:
        if self.chosen is None:
            return None
        listed = self.offered["tools"]
        return Sample(
            listed=len(listed),
            called=tuple((k, self.requests[k]) for k in listed if k in self.chosen),
            judged_only=tuple(k for k in listed if k not in self.chosen),
        )


def with_usage(coverage: Coverage, usage: ResourceUsage | None) -> Coverage:
    """The coverage with what the server's resource use says about its silence: time at the CPU
    limit is stated when requests went unanswered (on a busy host, an honest runtime starting up
    is runnable for seconds)."""
    if usage is None or usage.cpu_pegged < _PEGGED_NOTE or not coverage.unanswered:
        return coverage
    limit = f"{usage.cpu_limit:g} CPU" if usage.cpu_limit else "its CPU limit"
    note = f"the server ran at its CPU limit ({limit}) for {usage.cpu_pegged:.0f}s"
    return replace(coverage, notes=(*coverage.notes, note))


def verdict(status: AuditStatus, reason: str | None, coverage: Coverage) -> tuple[AuditStatus, str | None]:
    """The run's status and reason once coverage is known: a completed drive with gaps is incomplete."""
    if status is not AuditStatus.COMPLETED or not coverage.gaps:
        return status, reason
    why = "not exercised enough to be called clean: " + "; ".join(coverage.gaps)
    if coverage.notes:
        why += " (noticed: " + "; ".join(coverage.notes) + ")"
    return AuditStatus.INCOMPLETE, why


def describe(coverage: Coverage) -> str:
    """One line for a terminal: what was listed, called and answered on each surface."""
    t = coverage.tools
    parts = [f"tools {t.listed} listed / {t.called} called / {t.answered} answered ({t.succeeded} ok)"]
    r, m, p = coverage.resources, coverage.templates, coverage.prompts
    parts.append(f"resources {r.answered}/{r.listed} read")
    if m.listed:
        parts.append(f"templates {m.answered}/{m.listed} read")
    parts.append(f"prompts {p.answered}/{p.listed} got")
    if coverage.sample is not None:
        s = coverage.sample
        parts.append(
            f"sampled {len(s.called)} of {s.listed} tools, {len(s.judged_only)} listed and judged only"
        )
    return "; ".join(parts) + f"; {coverage.calls} requests, {coverage.unanswered} unanswered"
