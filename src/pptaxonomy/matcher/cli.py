"""``pptaxonomy match``: readings of titles printed as a table or as JSON lines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .facade import matcher_for


def cli_match(titles: Iterable[str], as_json: bool = False, local_titles: str | None = None) -> int:
    """``pptaxonomy match``: print a table (or JSON lines) of readings; returns the exit code.

    ``local_titles``: a CSV of ``title,profession_id[,level_id]`` that wins over the matcher
    (``pptaxonomy.local_titles``); a bad file prints its error and returns 2.
    """
    import json
    import sys

    m: Any = matcher_for()
    if local_titles is not None:
        from ..local_titles import LocalTitlesError, load_local_titles

        try:
            m = load_local_titles(local_titles)
        except LocalTitlesError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    results = [m.match(clean_text(t)) for t in titles]
    if as_json:
        for r in results:
            # One record a line: U+2028/U+2029 and DEL would split it for str.splitlines().
            line = json.dumps(r.to_dict(), ensure_ascii=False)
            print(line.translate(_JSON_LINE_BREAKS))
        return 0
    width = min(max((len(r.title) for r in results), default=5), 50)
    print(f"{'title':{width}}  {'status':17} {'profession':38} {'level':15} score  method")
    for r in results:
        title = "".join(ch if ch.isprintable() else " " for ch in r.title)
        if len(title) > width:
            title = title[: width - 1] + "\u2026"
        print(
            f"{title:{width}}  {r.status:17} {r.profession_id or '-':38} {r.level_id or '-':15} "
            f"{r.score:.2f}   {r.method or '-'}"
        )
        detail = r.reason
        if r.alternatives and r.status != "matched":
            alts = ", ".join(
                f"{a.profession_id}{'/' + a.level_id if a.level_id else ''} {a.score:.2f}"
                for a in r.alternatives
            )
            detail += f" [alternatives: {alts}]"
        print(f"{'':{width}}  \u2514 {detail}")
    sys.stdout.flush()
    return 0


_JSON_LINE_BREAKS = {0x2028: "\\u2028", 0x2029: "\\u2029", 0x7F: "\\u007f", 0x85: "\\u0085"}


def clean_text(text: str) -> str:
    """``text`` as valid Unicode: undecodable argv bytes (lone surrogates from Python's
    surrogateescape) become U+FFFD, so the output is valid UTF-8 and JSON, never a traceback."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no undecodable byte gives: not from argv
        return text.encode("utf-8", "replace").decode("utf-8")
    return raw.decode("utf-8", "replace")


def read_lines(stream: Any) -> list[str]:
    """Lines of a binary or text stream, decoded as UTF-8 with U+FFFD for bad bytes (a BOM
    dropped), split at LF, CRLF or a lone CR as a text-mode file would be."""
    data = stream.read()
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines
