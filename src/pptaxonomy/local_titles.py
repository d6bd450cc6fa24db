"""Local titles: a trust's own titles, read from a CSV, that win over the matcher.

A trust has titles no national list knows ("Psychological Therapies Practitioner (Step 3)").
``load_local_titles(path)`` reads a CSV with the header ``title,profession_id[,level_id]``,
checks every row against the taxonomy and returns ``LocalTitles``; ``LocalTitles.match(title)``
answers a listed title with ``method="local"`` and asks the matcher about every other title.
Titles are compared in their normalised form (``pptaxonomy.normalise``), so "Band 6 Step 3
Practitioner" and "band 6 step-3 practitioner" are the same local title.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "local.csv"
    >>> _ = p.write_text("title,profession_id,level_id\\nStep 3 Therapist,cbt-therapist,\\n")
    >>> m = load_local_titles(p).match("STEP 3 therapist")
    >>> (m.status, m.profession_id, m.level_id, m.method)
    ('matched', 'cbt-therapist', None, 'local')

Bad input raises ``LocalTitlesError`` naming the file, the line and the reason (unknown
profession or level id, a level the profession does not hold, a duplicate title, a missing
column); nothing is half-loaded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import PPTaxonomyError
from .matcher import Match, Matcher, matcher_for
from .normalise import normalise_title

if TYPE_CHECKING:
    from .loader import Taxonomy

__all__ = ["LocalTitles", "LocalTitlesError", "load_local_titles"]

_COLUMNS = ("title", "profession_id", "level_id")


class LocalTitlesError(PPTaxonomyError, ValueError):
    """A local-titles CSV that cannot be used; the message names file, line and reason."""

    code = "bad-local-titles"

    def __init__(self, path: str | Path, line: int | None, reason: str):
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, slots=True)
class _Local:
    title: str
    profession_id: str
    level_id: str | None
    line: int


@dataclass(slots=True)
class LocalTitles:
    """Local titles (normalised title -> profession and level) in front of a matcher."""

    path: str
    entries: dict[str, _Local]
    matcher: Matcher
    _group_of: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, title: object) -> Match | None:
        """The local answer for ``title``, or ``None`` when it is not a local title."""
        if not isinstance(title, str):
            return None
        e = self.entries.get(normalise_title(title))
        if e is None:
            return None
        return Match(
            title,
            e.profession_id,
            e.level_id,
            1.0,
            "matched",
            "local",
            (),
            f"local title '{e.title}' ({self.path}, line {e.line})",
            self._group_of.get(e.profession_id),
        )

    def match(self, title: object) -> Match:
        """The local answer when ``title`` is listed, otherwise the matcher's."""
        return self.lookup(title) or self.matcher.match(title)

    def forget(self) -> None:
        """Empty the matcher's memo tables (:meth:`Matcher.forget`)."""
        self.matcher.forget()


def load_local_titles(path: str | Path, taxonomy: Taxonomy | None = None) -> LocalTitles:
    """Read and check a local-titles CSV (``title,profession_id[,level_id]``, UTF-8)."""
    p = Path(path)
    matcher = matcher_for(taxonomy)
    tax = matcher.taxonomy
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise LocalTitlesError(p, None, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise LocalTitlesError(p, None, f"not UTF-8 (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise LocalTitlesError(p, None, "empty file: a header title,profession_id[,level_id]")
    header = [h.strip().lower() for h in header]
    if (
        header[:2] != ["title", "profession_id"]
        or len(header) > 3
        or (len(header) == 3 and header[2] != "level_id")
    ):
        raise LocalTitlesError(
            p, 1, f"header must be title,profession_id[,level_id], not {','.join(header)}"
        )
    entries: dict[str, _Local] = {}
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(header):
            raise LocalTitlesError(p, line, f"{len(row)} fields, the header has {len(header)}")
        row = [c.strip() for c in row] + [""] * (3 - len(row))
        title, pid, level = row[0], row[1], row[2] or None
        key = normalise_title(title)
        if not key:
            raise LocalTitlesError(p, line, "empty title")
        prof = tax.professions.get(pid)
        if prof is None:
            raise LocalTitlesError(p, line, f"unknown profession_id {pid!r}")
        if prof.is_deprecated:
            instead = f"; use {prof.replaced_by!r}" if prof.replaced_by else ""
            raise LocalTitlesError(p, line, f"profession_id {pid!r} is deprecated{instead}")
        if level is not None and level not in prof.level_ids:
            known = "unknown level_id" if level not in tax.levels else "a level it does not hold"
            raise LocalTitlesError(
                p,
                line,
                f"{known} {level!r} for {pid} (it holds: {', '.join(prof.level_ids)})",
            )
        if key in entries:
            first = entries[key]
            raise LocalTitlesError(
                p, line, f"duplicate title {title!r} (line {first.line}: {first.title!r})"
            )
        entries[key] = _Local(title, pid, level, line)
    groups = {pr.id: pr.group for pr in tax.professions.values()}
    return LocalTitles(str(p), entries, matcher, groups)
