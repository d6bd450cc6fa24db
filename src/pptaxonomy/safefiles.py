"""Which taxonomy files may be read: regular files inside the taxonomy folder, of bounded size.

A pull request can add a symbolic link or a special file under ``taxonomy/``. Following a link
out of the folder would read (and the validator would quote) a file of the machine that runs
the check; a FIFO would hang the reader and ``/dev/zero`` would fill its memory. The validator,
the loader and ``diff`` therefore list files with ``yaml_files`` and check a file passed by name
with ``refusal``, both of which look at the file with ``lstat``/``stat`` before anything opens it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

#: The largest taxonomy file read, in bytes. The biggest shipped file is under 100 kB.
MAX_BYTES = 8 * 1024 * 1024


def inside(path: Path, root: Path) -> bool:
    """True when ``path`` is ``root`` or below it (as written; resolve both first for links)."""
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def refusal(path: Path, root: Path) -> str | None:
    """Why ``path`` may not be read as a taxonomy file of ``root`` (a phrase naming what it
    is, e.g. "not a regular file ..."), or None when it may.

    ``root`` is the taxonomy folder. A link is followed only when its target is inside it.
    """
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            try:
                target = path.resolve()
            except RuntimeError:  # Python 3.11 reports a link loop so, not as an OSError
                return "a symbolic link loop (it never reaches a file)"
            if not inside(target, root.resolve()):
                return (
                    "a symbolic link to a file outside the taxonomy folder (taxonomy files "
                    "must be regular files inside it)"
                )
            st = os.stat(target)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop (it never reaches a file)"
        return f"the file cannot be read ({exc.strerror or exc})"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file but a device, FIFO or socket (taxonomy files are regular files)"
    if st.st_size > MAX_BYTES:
        limit = MAX_BYTES // (1024 * 1024)
        return f"{st.st_size:,} bytes, over the {limit} MB limit for one taxonomy file"
    return None


def yaml_files(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The ``*.yaml`` files under ``root`` that may be read, sorted, and those refused with why.

    Folders that cannot be listed are refused too (a silently skipped ``professions/`` would
    look like a taxonomy without professions). Linked folders are not entered.
    """
    found: list[Path] = []
    refused: list[tuple[Path, str]] = []

    def unlistable(exc: OSError) -> None:
        refused.append(
            (Path(exc.filename), f"a folder that cannot be listed ({exc.strerror or exc})")
        )

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable):
        here = Path(dirpath)
        for name in list(dirnames):
            if os.path.islink(here / name):
                dirnames.remove(name)
                if any(f.endswith(".yaml") for f in _names(here / name)):
                    refused.append(
                        (here / name, "a symbolic link to a folder (linked folders are not read)")
                    )
        dirnames.sort()
        for name in filenames:
            if not name.endswith(".yaml"):
                continue
            path = here / name
            reason = refusal(path, root)
            if reason is None:
                found.append(path)
            else:
                refused.append((path, reason))
    return sorted(found), sorted(refused)


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def read_capped(path: Path) -> bytes:
    """The bytes of a file that ``refusal`` accepted, never more than ``MAX_BYTES`` + 1."""
    with open(path, "rb") as fh:
        return fh.read(MAX_BYTES + 1)
