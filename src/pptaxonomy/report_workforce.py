"""The workforce part of the HTML audit report: the baseline range, FTE and headcount by
profession and level and by organisation, the reconciliation table, the fix list and the
data-quality counts. Only aggregates, titles, codes and example keys appear.

With ``suppress_below`` N in the summary, a headcount under N (and that cell's FTE and
assignments) is shown as ``<N``, for reports that leave the organisation.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .report_html import _n, _profession_chart, _table

__all__ = ["render_workforce"]


def _rows(table: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(zip(table["columns"], r, strict=True)) for r in table["rows"]]


def _cell(r: dict[str, Any], suppress: int | None) -> tuple[str, str, str]:
    hc, fte, n = r.get("headcount"), r.get("fte"), r.get("assignments")
    small = suppress is not None and (hc if hc is not None else n or 0) < suppress
    if small:
        return (f"&lt;{suppress}",) * 3
    return (
        "-" if hc is None else _n(hc),
        "-" if fte is None else f"{fte:,.1f}",
        "-" if n is None else _n(n),
    )


def render_workforce(summary: dict[str, Any]) -> str:
    """The HTML sections (empty when the audit kept no baseline)."""
    tables = summary.get("tables") or {}
    if "baseline" not in tables:
        return _comparators(summary)
    suppress = summary.get("suppress_below")
    base = _rows(tables["baseline"])
    dates = sorted({r["census_date"] for r in base})
    parts = []
    for d in dates:
        at = [r for r in base if r["census_date"] == d]
        label = f" on {escape(d)}" if d else ""
        total = {
            r["certainty"]: r for r in at if r["organisation"] == "ALL" and r["group_id"] == "ALL"
        }
        lo, hi = total.get("matched"), total.get("ALL")
        if lo and hi:
            lo_c, hi_c = _cell(lo, suppress), _cell(hi, suppress)
            parts.append(
                f"<h2>Psychological professions workforce{label}</h2>"
                f'<p class="range">At least <b>{lo_c[0]}</b> people (<b>{lo_c[1]}</b> FTE), '
                f"at most <b>{hi_c[0]}</b> people (<b>{hi_c[1]}</b> FTE). The first figure "
                "counts titles read as one profession; the second adds rows that might be "
                "psychological professionals (ambiguous or group-only titles, psychological "
                "codes on titles not recognised).</p>"
            )
        cells = [
            r
            for r in at
            if r["organisation"] == "ALL"
            and r["certainty"] == "matched"
            and r["profession_id"] not in ("ALL", "")
            and r["level_id"] != "ALL"
        ]
        levels = list(dict.fromkeys(r["level_id"] or "(none)" for r in cells))
        profs: dict[str, dict[str, Any]] = {}
        for r in cells:
            p = profs.setdefault(
                r["profession_id"], {"name": r["profession_name"], "rows": 0.0, "levels": {}}
            )
            p["levels"][r["level_id"] or "(none)"] = round(r["fte"] or 0, 1)
            p["rows"] = round(p["rows"] + (r["fte"] or 0), 1)
        chart = sorted(profs.values(), key=lambda p: (-p["rows"], p["name"]))
        if suppress is None and any(r["fte"] is not None for r in cells):
            parts.append("<h3>FTE by profession and level (matched titles)</h3>")
            parts.append(_profession_chart(chart, levels))
        parts.append(f"<h3>Headcount and FTE by profession and level{label}</h3>")
        parts.append(
            _table(
                ["profession", "level", "headcount", "FTE", "assignments"],
                [
                    [
                        escape(r["profession_name"]),
                        escape(r["level_id"] or "(none)"),
                        *_cell(r, suppress),
                    ]
                    for r in cells
                ],
                {2, 3, 4},
            )
        )
        orgs = [
            r
            for r in at
            if r["organisation"] != "ALL" and r["group_id"] == "ALL" and r["certainty"] != "ALL"
        ]
        if orgs:
            parts.append(f"<h3>By organisation{label}</h3>")
            parts.append(
                _table(
                    ["organisation", "certainty", "headcount", "FTE", "assignments"],
                    [
                        [escape(r["organisation"]), escape(r["certainty"]), *_cell(r, suppress)]
                        for r in orgs
                    ],
                    {2, 3, 4},
                )
            )
    parts.append(_comparators(summary))
    recon = _rows(tables.get("reconciliation", {"columns": [], "rows": []}))
    parts.append("<h2>Reconciliation: occupation code by profession</h2>")
    parts.append(
        '<p class="note">How each code splits into professions in this extract, psychological '
        "professionals coded outside S?L/S?M/S?H, and psychological codes on other titles.</p>"
    )
    parts.append(
        _table(
            ["date", "code", "kind", "profession", "certainty", "headcount", "FTE", "assignments"],
            [
                [
                    escape(r["census_date"]),
                    f"<code>{escape(r['code'] or '(none)')}</code>",
                    escape(r["code_kind"]),
                    escape(r["profession_id"]),
                    escape(r["certainty"]),
                    *_cell(r, suppress),
                ]
                for r in recon
            ],
            {5, 6, 7},
        )
    )
    fixes = _rows(tables.get("fixes", {"columns": [], "rows": []}))
    parts.append("<h2>Fix list: codes that contradict the taxonomy</h2>")
    parts.append(
        _table(
            ["title", "code", "suggested", "rule", "rows", "FTE"],
            [
                [
                    escape(f["title"]),
                    f"<code>{escape(f['code'])}</code>",
                    f"<code>{escape(f['suggested_code'] or '-')}</code>",
                    escape(f["rule"]),
                    _n(f["rows"]),
                    "-" if f["fte"] is None else f"{f['fte']:,.1f}",
                ]
                for f in fixes[:50]
            ],
            {4, 5},
        )
    )
    dq = summary.get("data_quality") or {}
    bands = (summary.get("band_checks") or {}).get("rows", {})
    items = [
        (
            "rows with the most frequent unrecognised titles",
            sum(t["rows"] for t in summary.get("top_unrecognised_titles", [])),
        ),
        ("band mismatches (rows)", bands.get("band-mismatch", 0)),
        ("retired codes (rows)", summary["statuses"].get("retired-code", 0)),
        ("FTE missing", dq.get("fte_missing", "-")),
        ("FTE unreadable", dq.get("fte_unreadable", "-")),
        ("FTE 0 or less (not counted)", dq.get("fte_zero_or_less", "-")),
        ("FTE above 1", dq.get("fte_over_1", "-")),
        ("key values on several rows", dq.get("duplicate_keys", "-")),
    ]
    parts.append("<h2>Data quality</h2>")
    parts.append(_table(["check", "count"], [[escape(k), escape(str(v))] for k, v in items], {1}))
    return "\n".join(parts)


def _comparators(summary: dict[str, Any]) -> str:
    """The national figures given with ``--comparators``, each with its source and date,
    marked as counted with other definitions (empty without them)."""
    comp = summary.get("comparators")
    if not comp:
        return ""
    rows = []
    for f in comp["figures"]:
        value = ("about " if f["approximate"] else "") + _n(f["value"])
        source = escape(f["source"])
        if f["url"]:
            source = f'<a href="{escape(f["url"])}">{source}</a>'
        rows.append(
            [
                escape(f["label"]),
                value,
                escape(f["measure"]),
                escape(f["date"]),
                escape(f["scope"]),
                source,
                escape(f["confidence"]),
            ]
        )
    return (
        f"<h2>National figures for comparison ({escape(comp['name'])})</h2>"
        '<p class="note">Published figures, counted with <b>other definitions</b> than this '
        "audit's (other organisations, dates and rules for who is a psychological "
        "professional): read them beside this extract's figures, not as a total it is a "
        "share of.</p>"
        + _table(
            ["figure", "value", "measure", "date", "what it counts", "source", "confidence"],
            rows,
            {1},
        )
    )
