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
    results = [m.match(t) for t in titles]
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
