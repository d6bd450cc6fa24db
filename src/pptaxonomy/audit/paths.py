"""Where the audit writes: output paths checked before any work, and its private temp folder.

Every output (the row CSV and each report) is resolved first and refused when it is the
input, another output, a folder, or in a folder that is missing or not writable. Copies of
the input (a UTF-8 transcoding, an XLSX sheet as CSV) go in a private folder
``pptaxonomy-audit-<pid>-*`` (mode 0700) under ``--temp-dir`` or the system's temporary
folder; it is removed on exit, and folders left by audits that were killed are swept at
the next start.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from .common import AuditError

#: Hidden temporary files older than this in an output folder are an earlier audit's leftovers.
STALE_SECONDS = 3600
_PRIVATE = re.compile(r"^pptaxonomy-audit-(\d+)-")


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def check_outputs(
    inputs: Path | Iterable[Path], outputs: Iterable[tuple[str, str | os.PathLike]]
) -> None:
    """Refuse, before any work, an output that would overwrite an input or another output,
    or that cannot be written. ``outputs`` holds (option, path) pairs."""
    inputs = [inputs] if isinstance(inputs, Path) else list(inputs)
    seen: list[tuple[str, Path]] = []
    for option, raw in outputs:
        out = Path(raw)
        if any(_same(out, p) for p in inputs):
            which = "the input file" if len(inputs) == 1 else "one of the input files"
            raise AuditError(f"{option} {out}: this is {which}; give another name")
        for other_option, other in seen:
            if _same(out, other):
                raise AuditError(
                    f"{option} {out}: the same file as {other_option}; give each output its own"
                )
        if out.is_dir():
            raise AuditError(f"{out}: is a folder; give a file name for {option}")
        folder = out.parent
        if not folder.exists():
            raise AuditError(f"{folder}: the folder for {option} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise AuditError(f"{folder}: the folder for {option} is not writable")
        seen.append((option, out))


def sweep_output_leftovers(out: Path) -> None:
    """Remove the hidden temporary files of ``out`` that a killed audit left behind."""
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(out.parent):
            name = entry.name
            if not name.endswith(".tmp"):
                continue
            if not (name.startswith(f".{out.name}.") or name.startswith(f"tmp_.{out.name}.")):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime > (
                    STALE_SECONDS
                ):
                    os.unlink(entry.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def sweep_private_folders(root: Path) -> None:
    """Remove this user's ``pptaxonomy-audit-<pid>-*`` folders whose process is gone."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            m = _PRIVATE.match(entry.name)
            if not m or int(m.group(1)) == os.getpid() or _alive(int(m.group(1))):
                continue
            with contextlib.suppress(OSError):
                if not entry.is_dir(follow_symlinks=False):
                    continue
                if uid is not None and entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                shutil.rmtree(entry.path, ignore_errors=True)


def private_folder(temp_dir: str | os.PathLike | None) -> tempfile.TemporaryDirectory:
    """A fresh private folder for copies of the input (swept of dead audits' folders)."""
    root = Path(temp_dir) if temp_dir is not None else Path(tempfile.gettempdir())
    if not root.is_dir():
        raise AuditError(f"--temp-dir {root}: no such folder")
    if not os.access(root, os.W_OK | os.X_OK):
        raise AuditError(f"--temp-dir {root}: the folder is not writable")
    sweep_private_folders(root)
    return tempfile.TemporaryDirectory(prefix=f"pptaxonomy-audit-{os.getpid()}-", dir=root)


def remove_own_folders(temp_dir: str | os.PathLike | None) -> None:
    """Remove this process's private folders (a signal can land between a folder's creation
    and the code that would remove it)."""
    root = Path(temp_dir) if temp_dir is not None else Path(tempfile.gettempdir())
    prefix = f"pptaxonomy-audit-{os.getpid()}-"
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            if entry.name.startswith(prefix) and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
