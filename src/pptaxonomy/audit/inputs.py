"""Which files the audit reads: one file, several, or a glob (monthly snapshots), as one table.

Every file is read the way a single file is (``reading``); they must be of one kind (CSV,
XLSX or Parquet) and give the same columns in the same order, else the audit stops and
says which file differs and how: DuckDB reads CSV columns by position, so a file with
another layout would silently put values under the wrong names.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path

from .common import AuditError
from .reading import (
    _SAMPLE_BYTES,
    _is_parquet,
    _is_xlsx,
    _prepare_csv,
    _prepare_parquet,
    _prepare_xlsx,
    _short,
    _sniff_format,
    _Source,
)

_GLOB_CHARS = frozenset("*?[")

InputArg = str | os.PathLike | Sequence[str | os.PathLike]


def input_paths(given: InputArg) -> list[Path]:
    """The files named by ``given`` (a path, a glob, or several of either), in the order
    given, each glob's matches sorted by name; a file named twice is read once."""
    items = [given] if isinstance(given, str | os.PathLike) else list(given)
    if not items:
        raise AuditError("no input file given")
    out: list[Path] = []
    for item in items:
        text = os.fspath(item)
        path = Path(text)
        if not path.exists() and _GLOB_CHARS & set(text):
            found = sorted(p for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not found:
                raise AuditError(f"{text}: no file matches this pattern")
            matches = [Path(p) for p in found]
        else:
            if not path.exists():
                raise AuditError(f"{path}: no such file")
            if not path.is_file():
                raise AuditError(f"{path}: not a file")
            matches = [path]
        for p in matches:
            if not any(p.resolve() == q.resolve() for q in out):
                out.append(p)
    return out


def read_head(path: Path) -> bytes:
    """The first bytes of ``path`` (refused when empty or in a format the audit does not read)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SAMPLE_BYTES)
    except OSError as exc:
        raise AuditError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if not head:
        raise AuditError(f"{path.name}: the file is empty")
    _sniff_format(path, head)
    return head


def kind_of(path: Path, head: bytes) -> str:
    """``xlsx``, ``parquet`` or ``csv``."""
    if _is_xlsx(path, head):
        return "xlsx"
    if _is_parquet(path, head):
        return "parquet"
    return "csv"


def prepare(
    paths: list[Path], heads: list[bytes], encoding: str | None, sheet: str | None, tmp: Path
) -> _Source:
    """One source for all of ``paths`` (read with ``heads``); copies go in ``tmp``."""
    kinds = [kind_of(p, h) for p, h in zip(paths, heads, strict=True)]
    if len(set(kinds)) > 1:
        listed = ", ".join(f"{p.name} ({k})" for p, k in zip(paths, kinds, strict=True))
        raise AuditError(f"the input files are of different kinds: {listed}; give one kind")
    sources = []
    for i, (path, head) in enumerate(zip(paths, heads, strict=True)):
        if kinds[0] == "xlsx":
            sources.append(_prepare_xlsx(path, sheet, tmp, suffix=str(i)))
        elif kinds[0] == "parquet":
            sources.append(_prepare_parquet(path))
        else:
            sources.append(_prepare_csv(path, head, encoding, tmp, suffix=str(i)))
    first = sources[0]
    if len(sources) == 1:
        return first
    for path, src in zip(paths, sources, strict=True):
        for problem in src.problems:  # an XLSX sheet's lines: say which file
            problem["message"] = f"{path.name}: {problem['message']}"
    for path, src in zip(paths[1:], sources[1:], strict=True):
        if src.header != first.header:
            raise AuditError(
                f"{path.name}: its columns differ from {paths[0].name}'s "
                f"({_difference(first.header, src.header)}); every file must have the same "
                "columns in the same order"
            )
        if src.delimiter != first.delimiter:
            raise AuditError(
                f"{path.name}: its fields are separated by {src.delimiter!r}, "
                f"{paths[0].name}'s by {first.delimiter!r}; give files of one layout"
            )
        first.problems.extend(src.problems)
        for w in src.warnings:
            first.warnings.append(f"{path.name}: {w}")
    first.paths = [s.path for s in sources]
    first.encoding = ", ".join(dict.fromkeys(s.encoding for s in sources))
    return first


def _difference(a: list[str], b: list[str]) -> str:
    """Where header ``b`` first differs from header ``a``, in a few words."""
    for i, (x, y) in enumerate(zip(a, b, strict=False), 1):
        if x != y:
            return f"column {i} is {_short(y)!r}, not {_short(x)!r}"
    if len(b) > len(a):
        return f"{len(b) - len(a)} more column(s), from {_short(b[len(a)])!r}"
    return f"{len(a) - len(b)} column(s) fewer: no {_short(a[len(b)])!r}"
