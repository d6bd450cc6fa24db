"""The interactive career map: an inline SVG drawn at generation time, one row per profession
(entry route, then each level with its bands), and the routes between professions.

Every node is an SVG link: Tab and Shift+Tab move through them, the arrow keys move along a
row and between rows, Enter opens the profession page. Hovering or focusing a node shows the
profession's details beside the map (from data embedded in the page; nothing is fetched).
"""

from __future__ import annotations

from itertools import pairwise

from .layout import bands_text, esc, js_literal, page, pay_text

LEFT = 16
NAME_W = 196
COL0 = LEFT + NAME_W + 24
COL_W = 106
NODE_W = 96
NODE_H = 40
HEAD_H = 60
ROW_H = 54
GROUP_H = 34

SCRIPT = """<script>
var PP_MAP = __DATA__;
(function () {
  var svg = document.getElementById("career-map");
  var nodes = Array.prototype.slice.call(svg.querySelectorAll(".node"));
  var detail = document.getElementById("map-detail-body");
  function el(tag, text) { var e = document.createElement(tag); e.textContent = text; return e; }
  function show(node) {
    var p = PP_MAP[node.getAttribute("data-profession")];
    if (!p) { return; }
    while (detail.firstChild) { detail.removeChild(detail.firstChild); }
    detail.appendChild(el("h3", p.name));
    detail.appendChild(el("p", p.group + " \\u2013 " + p.status));
    if (p.entry) {
      detail.appendChild(el("h4", "Entry route"));
      detail.appendChild(el("p", p.entry));
    }
    detail.appendChild(el("h4", "Levels"));
    var ul = document.createElement("ul");
    p.levels.forEach(function (l) { ul.appendChild(el("li", l.join(": "))); });
    detail.appendChild(ul);
    if (p.routes.length) {
      detail.appendChild(el("h4", "Routes on to"));
      detail.appendChild(el("p", p.routes.join(", ")));
    }
  }
  function move(node, key) {
    var row = +node.getAttribute("data-row"), col = +node.getAttribute("data-col");
    var cands = nodes.filter(function (n) {
      var r = +n.getAttribute("data-row"), c = +n.getAttribute("data-col");
      if (key === "ArrowRight") { return r === row && c > col; }
      if (key === "ArrowLeft") { return r === row && c < col; }
      if (key === "ArrowDown") { return r > row; }
      return r < row;
    });
    if (!cands.length) { return null; }
    cands.sort(function (a, b) {
      var ra = +a.getAttribute("data-row"), rb = +b.getAttribute("data-row");
      var ca = +a.getAttribute("data-col"), cb = +b.getAttribute("data-col");
      if (key === "ArrowRight") { return ca - cb; }
      if (key === "ArrowLeft") { return cb - ca; }
      var dr = key === "ArrowDown" ? ra - rb : rb - ra;
      return dr || Math.abs(ca - col) - Math.abs(cb - col) || ca - cb;
    });
    return cands[0];
  }
  nodes.forEach(function (n) {
    n.addEventListener("focus", function () { show(n); });
    n.addEventListener("mouseenter", function () { show(n); });
    n.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault();
        window.location.href = n.getAttribute("href");
        return;
      }
      if (["ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown"].indexOf(ev.key) === -1) { return; }
      var next = move(n, ev.key);
      if (next) { ev.preventDefault(); next.focus(); }
    });
  });
}());
</script>"""


def _wrap(text: str, width: int) -> list[str]:
    """Split a name into at most two lines of about ``width`` characters."""
    if len(text) <= width:
        return [text]
    words = text.split()
    best = [text]
    best_len = len(text)
    for i in range(1, len(words)):
        a, b = " ".join(words[:i]), " ".join(words[i:])
        longest = max(len(a), len(b))
        if longest < best_len:
            best, best_len = [a, b], longest
    return best


def _text(x: float, y: float, lines: list[str], cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    if len(lines) == 1:
        return f'<text x="{x:g}" y="{y + 5:g}" text-anchor="middle"{attr}>{esc(lines[0])}</text>'
    spans = "".join(
        f'<tspan x="{x:g}" dy="{dy}">{esc(line)}</tspan>'
        for line, dy in zip(lines, ("-3", "16"), strict=False)
    )
    return f'<text x="{x:g}" y="{y - 3:g}" text-anchor="middle"{attr}>{spans}</text>'


def _entry_label(text: str) -> list[str]:
    """The entry box's own words: what the route starts from, in at most two short lines."""
    words = _first_sentence(text).rstrip(".").split()
    short = " ".join(words[:5]) + ("\u2026" if len(words) > 5 else "")
    return _wrap(short, 18)[:2]


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + ("." if dot else "")


def render(tax) -> str:
    levels = list(tax.levels.values())
    columns = [("entry", "Entry route", "")] + [
        (lv.id, lv.name, bands_text(lv.band_min, lv.band_max)) for lv in levels
    ]
    col_x = {cid: COL0 + i * COL_W for i, (cid, _, _) in enumerate(columns)}
    width = COL0 + len(columns) * COL_W
    heads = [
        f'<text x="{LEFT + NAME_W / 2:g}" y="26" text-anchor="middle" class="col-head">'
        "Profession</text>"
    ]
    for cid, name, bands in columns:
        cx = col_x[cid] + NODE_W / 2
        heads.append(_text(cx, 22, _wrap(name, 12), "col-head"))
        if bands:
            heads.append(
                f'<text x="{cx:g}" y="{HEAD_H - 6}" text-anchor="middle" class="col-band">'
                f"{esc(bands)}</text>"
            )

    lines: list[str] = []
    nodes: list[str] = []
    groups_svg: list[str] = []
    centre: dict[tuple[str, str], tuple[float, float]] = {}
    data: dict[str, dict] = {}
    y = HEAD_H + 8
    row = 0
    for group, members in tax.professions_by_group():
        groups_svg.append(
            f'<text x="{LEFT}" y="{y + 22}" class="group-head">{esc(group.name)}</text>'
        )
        y += GROUP_H
        for p in members:
            top = y + (ROW_H - NODE_H) / 2
            mid = top + NODE_H / 2
            href = f"professions/{p.id}.html"
            row_nodes: list[tuple[float, float]] = [(LEFT, LEFT + NAME_W)]
            nodes.append(
                f'<a class="node prof" href="{esc(href)}" tabindex="0" data-row="{row}" '
                f'data-col="0" data-profession="{esc(p.id)}" '
                f'aria-label="{esc(p.name)} \u2013 open the profession page">'
                f'<rect x="{LEFT}" y="{top:g}" width="{NAME_W}" height="{NODE_H}"/>'
                f"{_text(LEFT + NAME_W / 2, mid, _wrap(p.name, 26))}</a>"
            )
            if p.entry_route:
                x = col_x["entry"]
                nodes.append(
                    f'<a class="node entry" href="{esc(href)}#routes" tabindex="0" '
                    f'data-row="{row}" data-col="1" data-profession="{esc(p.id)}" '
                    f'aria-label="{esc(p.name)}, entry route: '
                    f'{esc(_first_sentence(p.entry_route))}">'
                    f'<rect x="{x}" y="{top:g}" width="{NODE_W}" height="{NODE_H}"/>'
                    f"{_text(x + NODE_W / 2, mid, _entry_label(p.entry_route))}</a>"
                )
                row_nodes.append((x, x + NODE_W))
            for pl in p.levels:
                if pl.level not in col_x:
                    continue
                x = col_x[pl.level]
                lv = tax.levels[pl.level]
                bands = pay_text(pl) or "No band"
                col = 2 + levels.index(lv)
                title = pl.title or f"{p.name} ({lv.name.lower()})"
                nodes.append(
                    f'<a class="node level" href="{esc(href)}#level-{esc(pl.level)}" '
                    f'tabindex="0" data-row="{row}" data-col="{col}" '
                    f'data-profession="{esc(p.id)}" data-level="{esc(pl.level)}" '
                    f'aria-label="{esc(title)}: {esc(lv.name.lower())} level, {esc(bands)}">'
                    f'<rect x="{x}" y="{top:g}" width="{NODE_W}" height="{NODE_H}"/>'
                    f"{_text(x + NODE_W / 2, mid, [bands])}</a>"
                )
                row_nodes.append((x, x + NODE_W))
                centre[(p.id, pl.level)] = (x + NODE_W / 2, top)
            for (_, right), (left, _) in pairwise(row_nodes):
                lines.append(
                    f'<line class="row-line" x1="{right:g}" y1="{mid:g}" x2="{left:g}" '
                    f'y2="{mid:g}" marker-end="url(#step)"/>'
                )
            data[p.id] = {
                "name": p.name,
                "group": group.name,
                "status": p.status,
                "entry": p.entry_route or "",
                "levels": [
                    [
                        tax.levels[pl.level].name,
                        (pl.title or "")
                        + (" \u2013 " if pl.title else "")
                        + (pay_text(pl) or "band not set"),
                    ]
                    for pl in p.levels
                ],
                "routes": [
                    tax.professions[g.to_profession].name
                    for g in p.progressions
                    if g.to_profession in tax.professions
                ],
            }
            y += ROW_H
            row += 1

    routes_svg: list[str] = []
    route_items: list[str] = []
    for p in tax:
        for g in p.progressions:
            q = tax.professions.get(g.to_profession)
            if q is None or not p.levels or not q.levels:
                continue
            sx, stop = centre[(p.id, p.levels[-1].level)]
            tx, ttop = centre[(q.id, q.levels[0].level)]
            if ttop > stop:  # downwards: leave from the bottom, arrive at the top
                sy, ty = stop + NODE_H, ttop
            else:
                sy, ty = stop, ttop + NODE_H
            my = (sy + ty) / 2
            routes_svg.append(
                f'<path class="route" d="M{sx:g},{sy:g} C{sx:g},{my:g} {tx:g},{my:g} '
                f'{tx:g},{ty:g}" marker-end="url(#arrow)"><title>{esc(p.name)} to '
                f"{esc(q.name)}</title></path>"
            )
            note = f" \u2013 {esc(g.comment)}" if g.comment else ""
            route_items.append(
                f'<li><a href="professions/{esc(p.id)}.html">{esc(p.name)}</a> \u2192 '
                f'<a href="professions/{esc(q.id)}.html">{esc(q.name)}</a>{note}</li>'
            )
    height = y + 16
    svg = f"""<svg id="career-map" class="career-map" role="group" aria-labelledby="map-heading"
 viewBox="0 0 {width} {height:g}" width="{width}" height="{height:g}"
 xmlns="http://www.w3.org/2000/svg">
<defs>
<marker id="step" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6"
 orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#768692"/></marker>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7"
 orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7a4a00"/></marker>
</defs>
{chr(10).join(heads)}
{chr(10).join(groups_svg)}
{chr(10).join(lines)}
{chr(10).join(nodes)}
{chr(10).join(routes_svg)}
</svg>"""
    body = f"""<h1 id="map-heading">Career map</h1>
<p class="lede">How people enter each psychological profession and progress through its levels,
with the typical Agenda for Change bands, and the routes from one profession into another.
Select a profession or a stage to open its page.</p>
<p>Keyboard: <kbd>Tab</kbd> moves through the map; the arrow keys move along a row and between
professions; <kbd>Enter</kbd> opens the page. <a href="#routes-between">Skip past the map to the
routes between professions</a>.</p>
<ul class="legend" aria-label="Legend">
<li><svg width="34" height="18" aria-hidden="true"><rect x="1" y="1" width="32" height="16"
 rx="4" fill="#e8edee" stroke="#003087" stroke-width="2"/></svg> Profession</li>
<li><svg width="34" height="18" aria-hidden="true"><rect x="1" y="1" width="32" height="16"
 rx="4" fill="#fff" stroke="#007f3b" stroke-width="2" stroke-dasharray="4 3"/></svg>
 Entry route</li>
<li><svg width="34" height="18" aria-hidden="true"><rect x="1" y="1" width="32" height="16"
 rx="4" fill="#fff" stroke="#005eb8" stroke-width="2"/></svg> Level, with its pay bands</li>
<li><svg width="40" height="18" aria-hidden="true"><line x1="1" y1="9" x2="39" y2="9"
 stroke="#7a4a00" stroke-width="2.5" stroke-dasharray="6 4"/></svg>
 Route into another profession</li>
</ul>
<div class="map-layout">
<div class="map-scroll">
{svg}
</div>
<aside id="map-detail" aria-labelledby="map-detail-heading">
<h2 id="map-detail-heading">Details</h2>
<div id="map-detail-body" aria-live="polite"><p>Hover over or focus a node in the map to see
the profession's entry route, levels and bands here.</p></div>
</aside>
</div>
<h2 id="routes-between">Routes between professions</h2>
<ul>
{chr(10).join(route_items)}
</ul>
<p>The same levels and bands as a table: <a href="levels.html">levels matrix</a>.</p>"""
    scripts = SCRIPT.replace("__DATA__", js_literal(data))
    return page(
        "Career map",
        body,
        current="career-map.html",
        data_version=tax.data_version,
        scripts=scripts,
        wide=True,
    )
