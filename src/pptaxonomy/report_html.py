"""The audit summary as one self-contained HTML page: inline CSS and SVG, no script, no CDN.

Only titles, codes and key-column values from the extract appear in it (never whole rows),
each escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["render"]

STATUS_HELP = {
    "consistent": "psychological profession; the code is one it is expected to carry",
    "code-mismatch": "psychological profession; the code is not one of its expected codes",
    "psych-code-unrecognised-title": "a psychological code (S?L, S?M, S?H) on a title "
    "that is not recognised as a psychological profession",
    "not-psychological": "title and code say this is not a psychological professional",
    "ambiguous": "the title fits several professions",
    "invalid-code": "the code is not in the NHS occupation code list",
    "retired-code": "the code is in the list but no longer valid",
    "no-code": "no code (no code column, or an empty cell)",
}
STATUS_COLOUR = {
    "consistent": "#1b7837",
    "code-mismatch": "#c51b7d",
    "psych-code-unrecognised-title": "#e08214",
    "not-psychological": "#8c8c8c",
    "ambiguous": "#7b3294",
    "invalid-code": "#b2182b",
    "retired-code": "#d6604d",
    "no-code": "#4393c3",
}
CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;
color:#1a1a1a;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.15em;margin:28px 0 8px;
border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:.9em}.meta span{margin-right:16px;white-space:nowrap}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9em}
th,td{border:1px solid #e3e3e3;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:.9em ui-monospace,Consolas,monospace}
.note{color:#555;font-size:.88em}.warn{color:#8a3b00}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#fff;border:1px solid #e3e3e3;border-left:6px solid #999;padding:8px 12px;
min-width:150px}.card b{display:block;font-size:1.3em}
svg text{font:12px system-ui,Arial,sans-serif;fill:#1a1a1a}
@media print{body{background:#fff}}
"""


def _n(x: int | float) -> str:
    return f"{x:,}"


def _pct(x: int, total: int) -> str:
    return f"{100 * x / total:.1f}%" if total else "0.0%"


def _status_chart(statuses: dict[str, int], total: int) -> str:
    width, label_w, bar_w, row_h = 760, 230, 400, 24
    height = row_h * len(statuses) + 8
    biggest = max(statuses.values(), default=0) or 1
    parts = [
        f'<svg role="img" aria-label="Rows by status" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (status, n) in enumerate(statuses.items()):
        y = 4 + i * row_h
        w = 0 if not n else max(1.0, bar_w * n / biggest)
        colour = STATUS_COLOUR.get(status, "#666")
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{escape(status)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{colour}"><title>{escape(status)}: {_n(n)}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}">{_n(n)} ({_pct(n, total)})</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _profession_chart(professions: list[dict[str, Any]], levels: list[str]) -> str:
    """Stacked horizontal bars: rows per profession, split by level."""
    if not professions:
        return '<p class="note">No row names a psychological profession.</p>'
    palette = [
        "#d9f0d3",
        "#a6dba0",
        "#5aae61",
        "#1b7837",
        "#00441b",
        "#762a83",
        "#9970ab",
        "#c2a5cf",
    ]
    colours = {lv: palette[i % len(palette)] for i, lv in enumerate(levels)}
    width, label_w, bar_w, row_h = 900, 300, 460, 22
    legend_h = 26
    height = legend_h + row_h * len(professions) + 6
    biggest = max(p["rows"] for p in professions) or 1
    parts = [
        f'<svg role="img" aria-label="Rows by profession and level" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    x = label_w
    for lv in levels:
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{colours[lv]}"/>'
            f'<text x="{x + 16}" y="16">{escape(lv)}</text>'
        )
        x += 24 + 7 * len(lv)
    for i, p in enumerate(professions):
        y = legend_h + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(p["name"])}</text>'
        )
        x = float(label_w)
        for lv in levels:
            n = p["levels"].get(lv, 0)
            if not n:
                continue
            w = bar_w * n / biggest
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{max(w, 0.5):.1f}" height="{row_h - 7}" '
                f'fill="{colours[lv]}"><title>{escape(p["name"])}, {escape(lv)}: {_n(n)}'
                "</title></rect>"
            )
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}">{_n(p["rows"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    if not rows:
        return '<p class="note">None.</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for r in rows:
        cells = "".join(
            f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _keys(keys: list[str]) -> str:
    return ", ".join(f"<code>{escape(str(k))}</code>" for k in keys)


def _workforce(summary: dict[str, Any]) -> str:
    from .report_workforce import render_workforce

    return render_workforce(summary)


def render(summary: dict[str, Any]) -> str:
    """The HTML page for an audit summary (as ``pptaxonomy.audit.audit`` returns it)."""
    total = summary["rows"]["audited"]
    statuses = summary["statuses"]
    inp = summary["input"]
    cols = summary["columns"]
    key_label = f"key ({cols['key']})" if cols.get("key") else "example keys"
    levels_seen: list[str] = []
    for p in summary["professions"]:
        for lv in p["levels"]:
            if lv not in levels_seen:
                levels_seen.append(lv)
    ladder = [
        "assistant",
        "trainee",
        "qualified",
        "senior",
        "principal",
        "consultant",
        "head-of-service",
        "(none)",
    ]
    levels_seen.sort(key=lambda lv: ladder.index(lv) if lv in ladder else 50)

    psych_rows = sum(p["rows"] for p in summary["professions"])
    cards = [
        ("rows audited", _n(total), "#555"),
        ("psychological professionals", _n(psych_rows), "#1b7837"),
        ("code mismatches", _n(statuses.get("code-mismatch", 0)), STATUS_COLOUR["code-mismatch"]),
        (
            "psych code, title not recognised",
            _n(statuses.get("psych-code-unrecognised-title", 0)),
            STATUS_COLOUR["psych-code-unrecognised-title"],
        ),
        ("ambiguous titles (rows)", _n(statuses.get("ambiguous", 0)), STATUS_COLOUR["ambiguous"]),
        ("rows skipped", _n(summary["rows"]["skipped"]), "#8a3b00"),
    ]
    card_html = "".join(
        f'<div class="card" style="border-left-color:{c}"><b>{v}</b>{escape(label)}</div>'
        for label, v, c in cards
    )

    prof_rows = [
        [escape(p["name"]), f"<code>{escape(p['profession_id'])}</code>", _n(p["rows"])]
        + [_n(p["levels"].get(lv, 0)) if p["levels"].get(lv) else "" for lv in levels_seen]
        for p in summary["professions"]
    ]
    prof_table = _table(
        ["profession", "id", "rows", *levels_seen],
        prof_rows,
        numeric=set(range(2, 3 + len(levels_seen))),
    )
    unrec = _table(
        ["title", "rows", "codes seen", "why not matched", key_label],
        [
            [
                escape(u["title"]),
                _n(u["rows"]),
                ", ".join(
                    f"<code>{escape(c['code'] or '(none)')}</code> {_n(c['rows'])}"
                    for c in u["codes"]
                ),
                escape(u["reason"]),
                _keys(u["example_keys"]),
            ]
            for u in summary["top_unrecognised_titles"]
        ],
        numeric={1},
    )
    mism = _table(
        ["title", "code", "rows", "read as", "expected codes", key_label],
        [
            [
                escape(m["title"]),
                f"<code>{escape(m['code'])}</code>",
                _n(m["rows"]),
                f"<code>{escape(m['profession_id'] or '(several)')}</code> "
                f"{escape(m['level_id'] or '')}",
                " ".join(f"<code>{escape(c)}</code>" for c in m["expected_codes"]) or "(none)",
                _keys(m["example_keys"]),
            ]
            for m in summary["top_mismatches"]
        ],
        numeric={2},
    )
    psych = _table(
        ["title", "code", "rows", "title read as", key_label],
        [
            [
                escape(m["title"]),
                f"<code>{escape(m['code'])}</code>",
                _n(m["rows"]),
                escape(m["title_status"]),
                _keys(m["example_keys"]),
            ]
            for m in summary["top_psych_codes_with_unrecognised_titles"]
        ],
        numeric={2},
    )
    amb = _table(
        ["title", "rows", "could be", key_label],
        [
            [
                escape(a["title"]),
                _n(a["rows"]),
                ", ".join(f"<code>{escape(x)}</code>" for x in a["alternatives"]),
                _keys(a["example_keys"]),
            ]
            for a in summary["top_ambiguous_titles"]
        ],
        numeric={1},
    )
    codes = _table(
        ["code", "rows", "problem"],
        [
            [f"<code>{escape(c['code'])}</code>", _n(c["rows"]), "not in the NHS code list"]
            for c in summary["invalid_codes"]
        ]
        + [
            [f"<code>{escape(c['code'])}</code>", _n(c["rows"]), "retired code"]
            for c in summary["retired_codes"]
        ],
        numeric={1},
    )
    problems = summary["problems"]
    prob_note = ""
    if summary["problems_partial"]:
        prob_note = (
            f'<p class="warn">Partial list: the first {len(problems):,} of '
            f"{summary['problems_total']:,} problems are shown.</p>"
        )
    prob = _table(
        ["line", "problem", "severity", "message"],
        [
            [
                str(p["line"]) if p["line"] is not None else "",
                escape(p["code"]),
                escape(p["severity"]),
                escape(p["message"]),
            ]
            for p in problems
        ],
        numeric={0},
    )
    help_rows = "".join(
        f'<tr><td><span style="color:{STATUS_COLOUR[s]}">&#9632;</span> <code>{s}</code></td>'
        f"<td>{escape(t)}</td></tr>"
        for s, t in STATUS_HELP.items()
    )
    meta = [
        ("file", inp["file"]),
        ("format", inp["format"] + (f" (sheet {inp['sheet']})" if inp.get("sheet") else "")),
        ("encoding", inp["encoding"]),
        ("title column", cols["title"]),
        ("code column", cols.get("code") or "(none)"),
        ("key column", cols.get("key") or "(none)"),
        ("taxonomy data", summary["data_version"]),
        ("pptaxonomy", summary["pptaxonomy_version"]),
        ("distinct titles", _n(summary["distinct_titles"])),
        ("match threshold", str(summary["threshold"])),
        ("run time", f"{summary['elapsed_seconds']} s"),
    ]
    meta_html = " ".join(f"<span><b>{escape(k)}:</b> {escape(str(v))}</span>" for k, v in meta)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Psychological professions audit: {escape(inp["file"])}</title>
<style>{CSS}</style></head>
<body><main>
<h1>Psychological professions audit</h1>
<p class="meta">{meta_html}</p>
<div class="cards">{card_html}</div>
{_workforce(summary)}
<h2>Rows by status</h2>
{_status_chart(statuses, total)}
<table style="margin-top:8px"><tbody>{help_rows}</tbody></table>
<h2>Psychological professionals by profession and level</h2>
{_profession_chart(summary["professions"], levels_seen)}
{prof_table}
<h2>Code mismatches (most frequent)</h2>
<p class="note">The title names a psychological profession; its code is not one the taxonomy's
crosswalk expects for that profession at that level.</p>
{mism}
<h2>Psychological codes on titles not recognised</h2>
{psych}
<h2>Most frequent unrecognised titles</h2>
<p class="note">The matcher abstained: add the title to the taxonomy as a hidden label if it
names a profession.</p>
{unrec}
<h2>Ambiguous titles</h2>
{amb}
<h2>Invalid and retired codes</h2>
{codes}
<h2>Rows skipped</h2>
<p class="note">Line numbers count the header as line 1, as a spreadsheet shows them.</p>
{prob_note}{prob}
<p class="note">Generated by pptaxonomy {escape(summary["pptaxonomy_version"])} with taxonomy
data {escape(summary["data_version"])}. Only titles, codes and key values from the extract
appear here.</p>
</main></body></html>
"""
