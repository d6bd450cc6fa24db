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
        text = dumps_indented(summary) + "\n"
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


#: Types the C encoder writes as json.dumps(indent=...) would (subclasses go the slow way).
_FLAT = frozenset((str, int, float, bool, type(None)))


def dumps_indented(obj: Any, indent: int = 2) -> str:
    """``json.dumps(obj, indent=indent, ensure_ascii=False)``, character for character, in a
    fraction of the time: ``indent`` makes the json module use its pure-Python encoder, which
    took seconds for the baseline tables of a large extract (tens of thousands of rows)."""
    from json.encoder import encode_basestring

    out: list[str] = []
    add = out.append
    encoders: dict[int, Any] = {}

    def scalar(x: Any) -> str | None:
        if isinstance(x, str):
            return encode_basestring(x)
        if x is None:
            return "null"
        if x is True:
            return "true"
        if x is False:
            return "false"
        if isinstance(x, int):
            return int.__repr__(x)
        if isinstance(x, float):
            return json.dumps(x) if x != x or x in (float("inf"), -float("inf")) else repr(x)
        return None

    def key(k: Any) -> str:
        if isinstance(k, str):
            return encode_basestring(k)
        if isinstance(k, float | int | bool) or k is None:
            return encode_basestring(json.loads(json.dumps({k: 0})).popitem()[0])
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(k).__name__}")

    def walk(x: Any, level: int) -> None:
        text = scalar(x)
        if text is not None:
            add(text)
            return
        inner = "\n" + " " * (indent * (level + 1))
        if isinstance(x, dict):
            if not x:
                add("{}")
                return
            add("{")
            first = True
            for k, v in x.items():
                add(inner if first else "," + inner)
                first = False
                add(key(k) + ": ")
                walk(v, level + 1)
            add("\n" + " " * (indent * level) + "}")
        elif isinstance(x, list | tuple):
            if not x:
                add("[]")
                return
            if all(type(v) in _FLAT for v in x):
                # A flat list (a table row): the C encoder, with the indented separator.
                if level not in encoders:
                    encoders[level] = json.JSONEncoder(
                        ensure_ascii=False, separators=("," + inner, ": ")
                    ).encode
                flat = encoders[level](x)
                add("[" + inner + flat[1:-1] + "\n" + " " * (indent * level) + "]")
                return
            add("[")
            for i, v in enumerate(x):
                add(inner if i == 0 else "," + inner)
                walk(v, level + 1)
            add("\n" + " " * (indent * level) + "]")
        else:
            json.dumps(x)  # raises the json module's TypeError for the type
            raise TypeError(f"cannot write {type(x).__name__} as JSON")

    walk(obj, 0)
    return "".join(out)


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
