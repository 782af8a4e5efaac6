"""Bring the server's home back from the sandbox, bounded and defanged.

The home is a tmpfs inside the sandbox; what the server left there is evidence, so it is
copied into the run directory at the end, from a tar stream the engine produces. The
server chose every byte and every header of that stream: only regular files and folders
are written, under the destination only, up to a total size and a file count; modes are
rebuilt (no setuid, setgid or sticky bit, no write for others) and every file belongs to
whoever runs the harness. What did not fit is counted, never silently lost.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_CHUNK = 1 << 16


@dataclass(frozen=True)
class CopyBudget:
    max_bytes: int = 64 << 20
    max_files: int = 2000


@dataclass
class CopyOutcome:
    """What came back and what did not."""

    files: int = 0
    bytes: int = 0
    skipped_files: int = 0
    """Files not written: past the count budget, or not a regular file or folder (links, devices)."""
    skipped_bytes: int = 0
    """Bytes of files not written or cut short by the size budget."""
    defanged: list[str] = field(default_factory=list)
    """Relative paths whose setuid, setgid or sticky bit was removed."""

    @property
    def over_budget(self) -> bool:
        return self.skipped_bytes > 0 or self.skipped_files > 0


class _ChunkReader(io.RawIOBase):
    """A file object over an iterator of byte chunks (the engine's archive stream)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = chunk
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def _relative(name: str) -> PurePosixPath | None:
    """The member's path below the archive's top folder, or None when it would leave it."""
    parts = [p for p in PurePosixPath(name).parts[1:] if p not in ("", ".")]
    if not parts or ".." in parts or PurePosixPath(name).is_absolute():
        return None
    return PurePosixPath(*parts)


def extract_bounded(chunks: Iterable[bytes], dest: Path, budget: CopyBudget = CopyBudget()) -> CopyOutcome:
    """Write the regular files and folders of a tar stream below ``dest`` within ``budget``."""
    outcome = CopyOutcome()
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BufferedReader(_ChunkReader(chunks), _CHUNK), mode="r|") as archive:
        for member in archive:
            relative = _relative(member.name)
            if relative is None:
                continue
            target = dest / relative
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                target.chmod(0o755)
            elif not member.isreg() or outcome.files >= budget.max_files:
                outcome.skipped_files += 1
                outcome.skipped_bytes += max(member.size, 0)
            else:
                _write(archive, member, target, budget.max_bytes - outcome.bytes, outcome)
                if member.mode & 0o7000:
                    outcome.defanged.append(str(relative))
    return outcome


def _write(
    archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path, room: int, outcome: CopyOutcome
) -> None:
    source = archive.extractfile(member)
    keep = max(min(member.size, room), 0)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as sink:
        left = keep
        while source is not None and left:
            chunk = source.read(min(_CHUNK, left))
            if not chunk:
                break
            sink.write(chunk)
            left -= len(chunk)
    target.chmod(0o755 if member.mode & 0o111 else 0o644)
    outcome.files += 1
    outcome.bytes += keep
    outcome.skipped_bytes += member.size - keep
