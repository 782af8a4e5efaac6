"""The bait home packed for the sandbox: a tar whose every entry belongs to the server's user.

The home is planted as files the server owns, whichever engine unpacks it (``put_archive`` on
Docker, the seed container on Kubernetes), so ownership is set in the archive itself.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Literal


def owned_tar(folder: Path, uid: int, mode: Literal["w", "w:gz"] = "w") -> bytes:
    """``folder``'s contents as a tar (gzipped with ``"w:gz"``), every entry owned by ``uid``."""

    def owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = uid
        info.uname = info.gname = ""
        return info

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        archive.add(folder, arcname=".", filter=owned)
    return buffer.getvalue()
