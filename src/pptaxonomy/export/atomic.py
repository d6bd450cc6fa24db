"""Atomic writes: every artefact is written to a temporary file beside it, then renamed over it.

A rename within one directory is atomic on POSIX and Windows (``os.replace``), so a reader or a
failed build never sees a half-written artefact: the previous good file stays until the new one
is complete. ``write_tree`` writes nothing until every artefact has been generated in memory.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

TEMP_PREFIX = ".pptaxonomy-tmp-"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            # Keep the permissions of the file being replaced (mkstemp creates 0600 files).
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_tree(out: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write every file (relative path -> bytes) under ``out``; return the paths that changed.

    Files whose bytes are already identical are left untouched, so their timestamps (and
    ``make``) see no change.
    """
    changed = []
    for rel in sorted(files):
        target = out / rel
        data = files[rel]
        if target.is_file() and target.read_bytes() == data:
            continue
        atomic_write_bytes(target, data)
        changed.append(rel)
    return changed
