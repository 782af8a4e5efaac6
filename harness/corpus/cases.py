"""A corpus case: one scenario directory and what its ``scenario.toml`` says it reproduces."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from harness.targets.local import MANIFEST, read_manifest


@dataclass(frozen=True)
class Case:
    """One scenario, read and validated."""

    directory: Path
    label: str
    """The directory relative to the corpus root (``postmark/malicious``): how tables and tests name it."""
    name: str
    category: str | None
    """A1..A12, or None for a scenario that states no taxonomy (a plain fixture)."""
    source: str
    role: str
    """``attack``, or ``honest`` for a twin that must stay clean."""
    through_model: bool
    twin: Path | None
    findings: tuple[str, ...] | None
    """Exactly the finding kinds the audit must produce; None when undeclared."""
    drift_from: Path | None
    drift: tuple[str, ...]


_CORPUS_CASE = re.compile(rb"^[ \t]*\[[ \t]*taxonomy[ \t]*\]", re.M)


def is_corpus_case(manifest: Path) -> bool:
    """A ``scenario.toml`` with a ``[taxonomy]`` table is a corpus case; one without is a server
    that tests start themselves with their own arguments (fixtures, evasion cases)."""
    return bool(_CORPUS_CASE.search(manifest.read_bytes()[:65536]))


def discover(root: Path, corpus_only: bool = True) -> list[Path]:
    """Every scenario directory under ``root`` (of the corpus only, by default), in a stable order."""
    found = (p for p in root.rglob(MANIFEST) if "node_modules" not in p.parts)
    return sorted(p.parent for p in found if not corpus_only or is_corpus_case(p))


def label_of(directory: Path, root: Path | None) -> str:
    """``directory`` relative to the corpus root, or its own name outside one."""
    try:
        return str(directory.resolve().relative_to(root.resolve())) if root else directory.name
    except ValueError:
        return directory.name


def load_case(directory: Path, root: Path | None = None) -> Case:
    """The case in ``directory``; a malformed file raises ManifestError (file, line, field)."""
    manifest = read_manifest(directory)
    taxonomy, expect = manifest.taxonomy, manifest.expect
    base = directory.resolve()
    return Case(
        directory=base,
        label=label_of(directory, root),
        name=manifest.name,
        category=taxonomy.category if taxonomy else None,
        source=taxonomy.source if taxonomy else "",
        role=taxonomy.role if taxonomy else "attack",
        through_model=taxonomy.through_model if taxonomy else False,
        twin=(base / taxonomy.twin).resolve() if taxonomy and taxonomy.twin else None,
        findings=None if expect.findings is None else tuple(sorted(set(expect.findings))),
        drift_from=(base / expect.drift_from).resolve() if expect.drift_from else None,
        drift=tuple(expect.drift),
    )
