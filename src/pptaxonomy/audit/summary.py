"""The JSON-ready summary of an audit, aggregated by DuckDB from the first pass's tables."""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from typing import Any

from .common import MAX_PROBLEMS
from .results import _Results
from .statuses import STATUSES


def _top(items, top: int, key) -> list:
    """The first ``top`` of ``items`` by ``key`` (a total order, so ties never depend on the
    order in which DuckDB's parallel groups came out)."""
    return heapq.nsmallest(top, items, key=key)


def _summary(con, path, src, cols, res: _Results, taxonomy, top, out_path) -> dict[str, Any]:
    """The JSON-ready summary, aggregated by DuckDB from ``pp_pairs`` (one row per distinct
    (title, code) pair). Every top-N list is ordered by rows (descending), then by value, so
    the report does not depend on the input's row order."""
    from .. import __version__

    key_col = cols["key"]

    statuses = dict.fromkeys(STATUSES, 0)
    bad: dict[str, list[tuple[str, int]]] = {"invalid-code": [], "retired-code": []}
    for status, code, n in con.execute(
        "SELECT status, code, sum(n) FROM pp_pairs GROUP BY ALL"
    ).fetchall():
        statuses[status] += int(n)
        if status in bad:
            bad[status].append((code, int(n)))
    total = sum(statuses.values())
    invalid, retired = (_top(bad[s], top, lambda x: (-x[1], x[0])) for s in bad)

    by_prof: dict[str, Counter] = defaultdict(Counter)
    methods: Counter = Counter()
    for pid, lv, method, n in con.execute(
        "SELECT pid, lv, method, sum(n) FROM pp_pairs WHERE pid IS NOT NULL GROUP BY ALL"
    ).fetchall():
        by_prof[pid][lv or ""] += int(n)
        methods[method or ""] += int(n)

    # The titles of each status that might make its top list (ties at the cut included),
    # each then ordered here by rows and title; only these are read again for their reason.
    title_rows: dict[str, int] = {}
    found: dict[str, list[str]] = {"unknown": [], "ambiguous": []}
    for st, t, n in con.execute(
        "SELECT m.st, p.t, sum(p.n) FROM p1 p JOIN pp_t m USING (t) WHERE m.st IN ($1, $2) "
        "GROUP BY m.st, p.t QUALIFY rank() OVER (PARTITION BY m.st ORDER BY sum(p.n) DESC) "
        "<= $3",
        [*found, top],
    ).fetchall():
        title_rows[t] = int(n)
        found[st].append(t)

    def top_titles(status: str) -> list[str]:
        return _top(found[status], top, lambda t: (-title_rows[t], t))

    unrec, amb = top_titles("unknown"), top_titles("ambiguous")
    readings = {t: res.reading(t) for t in unrec + amb}
    title_codes: dict[str, Counter] = defaultdict(Counter)
    title_keys: dict[str, set] = defaultdict(set)
    if unrec or amb:
        for t, code, n, k1, k2 in con.execute(
            "SELECT t, code, n, k1, k2 FROM pp_pairs WHERE t IN (SELECT unnest($1::VARCHAR[]))",
            [unrec + amb],
        ).fetchall():
            title_codes[t][code] += n
            if key_col:
                title_keys[t].update(k for k in (k1, k2) if k)

    # All the flagged pairs that might make a top list (ties at the cut included); each list
    # is then ordered here by rows, title, code, raw code and keys.
    flagged: dict[str, list[tuple]] = {"code-mismatch": [], "psych-code-unrecognised-title": []}
    for status, *row in con.execute(
        "SELECT status, n, t, code, raw, k1, k2, lv, exp, pid, st FROM pp_pairs "
        "WHERE status IN ($1, $2) "
        "QUALIFY rank() OVER (PARTITION BY status ORDER BY n DESC) <= $3",
        [*flagged, top],
    ).fetchall():
        flagged[status].append(row)
    mismatches, psych_unrec = (
        _top(rows, top, lambda x: (-x[0], x[1], x[2], x[3], x[4] or "", x[5] or "", x[6] or ""))
        for rows in flagged.values()
    )

    def keys(k1, k2):
        return sorted({k for k in (k1, k2) if k}) if key_col else []

    def codes_of(t):
        counts = _top(title_codes[t].items(), 3, lambda kv: (-kv[1], kv[0]))
        return [{"code": c, "rows": n} for c, n in counts]

    professions = []
    level_order = {lv: i for i, lv in enumerate(taxonomy.levels)}
    for pid in sorted(by_prof, key=lambda p: (-sum(by_prof[p].values()), p)):
        p = taxonomy.professions.get(pid)
        levels = sorted(by_prof[pid].items(), key=lambda kv: (level_order.get(kv[0], 99), kv[0]))
        professions.append(
            {
                "profession_id": pid,
                "name": p.name if p else pid,
                "rows": sum(by_prof[pid].values()),
                "levels": {lv or "(none)": n for lv, n in levels},
            }
        )
    problems = src.problems
    return {
        "report": "pptaxonomy audit",
        "pptaxonomy_version": __version__,
        "data_version": taxonomy.data_version,
        "input": {
            "file": path.name,
            "format": src.fmt,
            "encoding": src.encoding,
            "delimiter": src.delimiter if src.fmt == "csv" else None,
            "sheet": src.sheet,
        },
        # The three original roles always; the others only when used.
        "columns": {r: c for r, c in cols.items() if c or r in ("title", "code", "key")},
        "output": str(out_path) if out_path else None,
        "rows": {
            "audited": total,
            "skipped": sum(p.get("lines", 1) for p in problems if p["line"] is not None),
        },
        "warnings": list(src.warnings),
        "distinct_titles": con.execute("SELECT count(DISTINCT t) FROM p1").fetchone()[0],
        "threshold": _threshold(),
        "statuses": statuses,
        "professions": professions,
        "methods": {m: methods[m] for m in sorted(methods, key=lambda m: (-methods[m], m))},
        "band_checks": _band_checks(con, top) if cols.get("band") else None,
        "top_unrecognised_titles": [
            {
                "title": t,
                "rows": title_rows[t],
                "codes": codes_of(t),
                "reason": readings[t].reason,
                "example_keys": sorted(title_keys[t])[:3],
            }
            for t in unrec
        ],
        "top_ambiguous_titles": [
            {
                "title": t,
                "rows": title_rows[t],
                "alternatives": [a.profession_id for a in readings[t].alternatives],
                "example_keys": sorted(title_keys[t])[:3],
            }
            for t in amb
        ],
        "top_mismatches": [
            {
                "title": t,
                "code": code,
                "rows": n,
                "profession_id": pid,
                "level_id": lv,
                "expected_codes": (exp or "").split(),
                "example_keys": keys(k1, k2),
            }
            for n, t, code, _raw, k1, k2, lv, exp, pid, _st in mismatches
        ],
        "top_psych_codes_with_unrecognised_titles": [
            {
                "title": t,
                "code": code,
                "rows": n,
                "title_status": st,
                "example_keys": keys(k1, k2),
            }
            for n, t, code, _raw, k1, k2, _lv, _exp, _pid, st in psych_unrec
        ],
        "invalid_codes": [{"code": c, "rows": n} for c, n in invalid],
        "retired_codes": [{"code": c, "rows": n} for c, n in retired],
        "problems": problems[:MAX_PROBLEMS],
        "problems_total": len(problems),
        "problems_partial": len(problems) > MAX_PROBLEMS,
        "elapsed_seconds": 0.0,
    }


def _band_checks(con, top: int) -> dict[str, Any]:
    """Rows by ``pp_band_check``, and the most frequent band mismatches."""
    counts = {
        c or "(not checked)": int(n)
        for c, n in con.execute(
            "SELECT band_check, sum(n) FROM pp_triples GROUP BY ALL ORDER BY 1 NULLS LAST"
        ).fetchall()
    }
    rows = con.execute(
        "SELECT t, b, pid, lv, sum(n) AS n FROM pp_triples WHERE band_check = 'band-mismatch' "
        "GROUP BY ALL ORDER BY n DESC, t, b, pid, lv NULLS FIRST LIMIT $1",
        [top],
    ).fetchall()
    mismatches = [
        {"title": t, "band": b, "profession_id": pid, "level_id": lv, "rows": int(n)}
        for t, b, pid, lv, n in rows
    ]
    return {"rows": counts, "top_band_mismatches": mismatches}


def _threshold() -> float:
    from ..matcher import THRESHOLD

    return THRESHOLD
