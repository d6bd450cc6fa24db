"""Writing the reports (JSON, HTML) atomically, and the plain-text summary for the terminal."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .common import AuditError


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_report(summary: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write the summary as JSON (``.json``) or a self-contained HTML page (``.html``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        text = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    elif suffix in (".html", ".htm"):
        from ..report_html import render

        text = render(summary)
    else:
        raise AuditError(f"{path}: a report must end in .json or .html")
    if not path.parent.exists():
        raise AuditError(f"{path.parent}: the report folder does not exist")
    try:
        atomic_write_text(path, text)
    except OSError as exc:  # a full disk: the error has no file name, so name the report
        raise AuditError(f"{path}: cannot write the report ({exc.strerror or exc})") from None
    return path


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as a plain-text table for the terminal."""
    lines = []
    inp = summary["input"]
    rows = summary["rows"]
    lines.append(
        f"{inp['file']}: {rows['audited']:,} rows audited, {summary['distinct_titles']:,} "
        f"distinct titles ({inp['format']}, {inp['encoding']}"
        + (f", delimiter {inp['delimiter']!r}" if inp.get("delimiter") else "")
        + f"); taxonomy data {summary['data_version']}"
    )
    for w in summary.get("warnings", ()):
        lines.append(f"warning: {_safe(w, 100)}")
    if summary["problems_total"]:
        lines.append(
            f"{rows.get('skipped', summary['problems_total']):,} row(s) skipped (ragged or "
            "unreadable); the report lists their line numbers"
        )
        for p in summary["problems"][:5]:
            lines.append(f"  line {p['line']}: {p['message']}")
    lines.append("")
    lines.append(f"{'status':32} {'rows':>12} {'share':>7}")
    total = max(rows["audited"], 1)
    for status, n in summary["statuses"].items():
        lines.append(f"{status:32} {n:>12,} {100 * n / total:>6.1f}%")
    if summary["professions"]:
        lines.append("")
        lines.append(f"{'profession':44} {'rows':>10}  levels")
        for p in summary["professions"]:
            levels = ", ".join(f"{lv} {n:,}" for lv, n in p["levels"].items())
            lines.append(f"{p['profession_id']:44} {p['rows']:>10,}  {levels}")
    if summary["top_unrecognised_titles"]:
        lines.append("")
        lines.append("most frequent unrecognised titles:")
        for u in summary["top_unrecognised_titles"][:10]:
            lines.append(f"  {u['rows']:>8,}  {_safe(u['title'])}")
    if summary["top_mismatches"]:
        lines.append("")
        lines.append("most frequent code mismatches (title, code -> expected):")
        for m in summary["top_mismatches"][:10]:
            lines.append(
                f"  {m['rows']:>8,}  {_safe(m['title'])} [{m['code']}] -> "
                f"{m['profession_id'] or '(ambiguous)'}/{m['level_id'] or '-'} expects "
                f"{' '.join(m['expected_codes']) or '(no code)'}"
            )
    return "\n".join(lines)


def _safe(text: str, width: int = 70) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= width else text[: width - 1] + "\u2026"
