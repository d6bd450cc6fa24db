"""The career map page: an inline SVG drawn at generation time from the route data, a details
panel beside it, a vertical version for phones, and every route as text.

The geometry comes from ``map_layout``: one row per profession (grouped as on the home page),
one column per generic level, and routes between professions that run between the rows and
down a corridor at the right, never through a box. Every box and route is focusable: Tab
moves through them, the arrow keys move along a row and between rows, and focusing or
selecting one shows its details beside the map (from data embedded in the page; nothing is
fetched). Enter or Space moves into the details panel, whose links open the profession page;
Escape there goes back to the map. Below 60rem the map is replaced by a vertical list of
professions, each with its entry routes, its stages and its routes on. Each entry box names
the kinds of the profession's entry routes (its entry_routes data) in plain English.
"""

from __future__ import annotations

from itertools import pairwise

from . import map_layout
from .entry_routes import kind_name, kind_names, route_html
from .layout import bands_text, esc, js_literal, page, pay_text
from .map_layout import NODE_W, Box

# Route kinds in plain English (the schema's RouteKindEnum).
ROUTE_KINDS = {
    "experience": "work that counts as experience for the other profession's training",
    "assistant_to_trainee": "from an assistant post into a trainee post",
    "top_up": "a shorter top-up training",
    "lateral": "a move with a second full training",
    "further_training": "a further qualification",
}

ENTRY_LINES = 3  # lines in an entry box: one entry kind each

SCRIPT = """<script>
var PP_MAP = __DATA__;
(function () {
  var svg = document.getElementById("career-map");
  var items = Array.prototype.slice.call(svg.querySelectorAll(".node, .route"));
  var nodes = items.filter(function (n) { return n.classList.contains("node"); });
  var panel = document.getElementById("map-detail");
  var body = document.getElementById("map-detail-body");
  var heading = document.getElementById("map-detail-heading");
  var current = null;
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function link(href, text) { var a = el("a", text); a.href = href; return a; }
  function routeButton(i) {
    var r = PP_MAP.routes[i], b = el("button", "", "route-link");
    b.type = "button";
    b.textContent = PP_MAP.professions[r.from].name + " \\u2192 " +
      PP_MAP.professions[r.to].name + " (" + r.kind + ")";
    b.addEventListener("click", function () {
      var g = document.getElementById("route-" + i);
      select(g);
      g.focus();
    });
    return b;
  }
  function showProfession(node) {
    var id = node.getAttribute("data-profession"), p = PP_MAP.professions[id];
    var level = node.getAttribute("data-level");
    heading.textContent = p.name;
    body.appendChild(el("p", p.group + " \\u2013 " + p.status));
    body.appendChild(el("h3", "How people get in"));
    body.appendChild(el("p", p.entry || "Not recorded."));
    if (p.entryRoutes.length) {
      var routes = el("ul", "", "entry-routes");
      p.entryRoutes.forEach(function (r) {
        var li = el("li");
        li.appendChild(el("strong", r[0] + "."));
        var text = " " + r[1];
        if (r[2]) { text += " Typical duration: " + r[2] + "."; }
        if (r[3].length) { text += " Starts from: " + r[3].join(", ") + "."; }
        li.appendChild(document.createTextNode(text));
        routes.appendChild(li);
      });
      body.appendChild(routes);
    }
    body.appendChild(el("h3", "Stages and pay"));
    var ul = el("ul");
    p.levels.forEach(function (l) {
      var li = el("li", l[1] + ": " + l[2]);
      if (l[0] === level) { li.className = "current"; }
      ul.appendChild(li);
    });
    body.appendChild(ul);
    [["Routes on to other professions", p.out], ["Routes in from other professions", p["in"]]]
      .forEach(function (pair) {
        if (!pair[1].length) { return; }
        body.appendChild(el("h3", pair[0]));
        var list = el("ul", "", "routes");
        pair[1].forEach(function (i) { var li = el("li"); li.appendChild(routeButton(i));
          list.appendChild(li); });
        body.appendChild(list);
      });
    var p2 = el("p");
    p2.appendChild(link(p.href + (level ? "#level-" + level : ""), "Open the " + p.name +
      " page"));
    body.appendChild(p2);
  }
  function showRoute(g) {
    var r = PP_MAP.routes[+g.getAttribute("data-route")];
    var a = PP_MAP.professions[r.from], b = PP_MAP.professions[r.to];
    heading.textContent = a.name + " \\u2192 " + b.name;
    body.appendChild(el("p", "Route: " + r.kind + "."));
    if (r.requirements) { body.appendChild(el("h3", "What you need"));
      body.appendChild(el("p", r.requirements)); }
    if (r.duration) { body.appendChild(el("h3", "Typical duration"));
      body.appendChild(el("p", r.duration)); }
    if (r.comment) { body.appendChild(el("p", r.comment)); }
    body.appendChild(el("p", "Confidence: " + r.confidence + "."));
    if (r.sources.length) {
      body.appendChild(el("h3", "Sources"));
      var ul = el("ul");
      r.sources.forEach(function (s) { var li = el("li"); li.appendChild(link(s[1], s[0]));
        ul.appendChild(li); });
      body.appendChild(ul);
    }
    var p = el("p");
    p.appendChild(link(a.href + "#routes", "Open the " + a.name + " page"));
    p.appendChild(document.createTextNode(" \\u00b7 "));
    p.appendChild(link(b.href + "#routes", "Open the " + b.name + " page"));
    body.appendChild(p);
  }
  function select(item) {
    if (current) { current.classList.remove("selected"); }
    current = item;
    item.classList.add("selected");
    while (body.firstChild) { body.removeChild(body.firstChild); }
    if (item.classList.contains("route")) { showRoute(item); } else { showProfession(item); }
  }
  function move(node, key) {
    if (!node.classList.contains("node")) { return null; }
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
  items.forEach(function (n) {
    n.addEventListener("focus", function () { select(n); });
    n.addEventListener("click", function () { select(n); });
    n.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        select(n);
        heading.focus();
        return;
      }
      if (["ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown"].indexOf(ev.key) === -1) { return; }
      var next = move(n, ev.key);
      if (next) { ev.preventDefault(); next.focus(); }
    });
  });
  panel.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && current) { ev.preventDefault(); current.focus(); }
  });
}());
</script>"""


def entry_box_lines(p) -> list[str]:
    """The lines of a profession's entry box: the kinds of its entry routes in plain English,
    one a line (at most three lines; more kinds are counted on the last)."""
    kinds = kind_names(p)
    if len(kinds) <= ENTRY_LINES:
        return kinds
    return [*kinds[: ENTRY_LINES - 1], f"and {len(kinds) - ENTRY_LINES + 1} more"]


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


def _text(x: float, y: float, lines: list[str], cls: str = "", step: int = 16) -> str:
    """Centred text lines around ``y``."""
    attr = f' class="{cls}"' if cls else ""
    first = y + 5 - step * (len(lines) - 1) / 2
    spans = "".join(
        f'<tspan x="{x:g}" dy="{0 if i == 0 else step}">{esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{x:g}" y="{first:g}" text-anchor="middle"{attr}>{spans}</text>'


def _rect(b: Box) -> str:
    return f'<rect x="{b.x:g}" y="{b.y:g}" width="{b.w:g}" height="{b.h:g}" rx="6"/>'


def _path(points: list[tuple[float, float]]) -> str:
    return "M" + " L".join(f"{x:g},{y:g}" for x, y in points)


def _route_list(tax) -> list[tuple[object, object, object]]:
    """(source, route, target) for every route between two professions that have levels,
    in row order, so the map, the panel and the text list share one numbering."""
    out = []
    for _group, members in tax.professions_by_group():
        for p in members:
            for g in p.progressions:
                q = tax.professions.get(g.to_profession)
                if q is not None and p.levels and q.levels and q.id != p.id:
                    out.append((p, g, q))
    return out


def _kind(g) -> str:
    return ROUTE_KINDS.get(g.route_kind or "", "a route into another profession")


def render(tax) -> str:
    levels = list(tax.levels.values())
    level_ids = [lv.id for lv in levels]
    groups = tax.professions_by_group()
    routes = _route_list(tax)
    lay = map_layout.compute(
        [(p.id, group.id, bool(p.entry_routes), p.level_ids) for group, ms in groups for p in ms],
        level_ids,
        [(p.id, q.id) for p, _g, q in routes],
    )
    prof_of = {p.id: p for _g, ms in groups for p in ms}
    group_name = {g.id: g.name for g, _ms in groups}

    heads = [
        f'<text x="{lay.name_x + map_layout.NAME_W / 2:g}" y="26" text-anchor="middle" '
        'class="col-head">Profession</text>',
        f'<text x="{lay.entry_x + map_layout.ENTRY_W / 2:g}" y="26" text-anchor="middle" '
        'class="col-head">How people get in</text>',
    ]
    for (_lid, x), lv in zip(lay.columns, levels, strict=True):
        cx = x + NODE_W / 2
        heads.append(_text(cx, 20, _wrap(lv.name, 11), "col-head", step=14))
        bands = bands_text(lv.band_min, lv.band_max)
        if bands:
            heads.append(
                f'<text x="{cx:g}" y="{map_layout.HEAD_H - 10}" text-anchor="middle" '
                f'class="col-band">{esc(bands)}</text>'
            )
    group_svg = [
        f'<text x="{lay.name_x}" y="{y:g}" class="group-head">{esc(group_name[g])}</text>'
        for g, y in lay.group_heads
    ]

    node_svg: list[str] = []
    line_svg: list[str] = []
    for r, row in enumerate(lay.rows):
        p = prof_of[row.profession]
        mid = row.name_box.cy
        common = f'tabindex="0" role="button" data-row="{r}" data-profession="{esc(p.id)}"'
        node_svg.append(
            f'<g class="node prof" {common} data-col="0" '
            f'aria-label="{esc(p.name)}: show the profession\'s details">'
            f"{_rect(row.name_box)}{_text(row.name_box.cx, mid, _wrap(p.name, 25))}</g>"
        )
        in_row = [row.name_box]
        if row.entry_box is not None:
            kinds = " \u00b7 ".join(kind_names(p))
            node_svg.append(
                f'<g class="node entry" {common} data-col="1" '
                f'aria-label="{esc(p.name)}, how people get in: {esc(kinds)}">'
                f"{_rect(row.entry_box)}"
                f"{_text(row.entry_box.cx, mid, entry_box_lines(p), 'entry-text', 13)}"
                "</g>"
            )
            in_row.append(row.entry_box)
        for pl in p.levels:
            box = row.level_boxes.get(pl.level)
            if box is None:
                continue
            lv = tax.levels[pl.level]
            pay = (pay_text(pl) or "No band").replace("Soulbury scale", "Soulbury")
            title = pl.title or f"{p.name} ({lv.name.lower()})"
            node_svg.append(
                f'<g class="node level" {common} data-col="{2 + level_ids.index(pl.level)}" '
                f'data-level="{esc(pl.level)}" '
                f'aria-label="{esc(title)}: {esc(lv.name.lower())} stage, {esc(pay)}">'
                f"{_rect(box)}{_text(box.cx, mid, [pay])}</g>"
            )
            in_row.append(box)
        for a, b in pairwise(in_row):
            line_svg.append(
                f'<line class="row-line" x1="{a.x + a.w:g}" y1="{mid:g}" x2="{b.x:g}" '
                f'y2="{mid:g}" marker-end="url(#step)"/>'
            )

    route_svg: list[str] = []
    route_items: list[str] = []
    route_data: list[dict] = []
    into: dict[str, list[int]] = {}
    out_of: dict[str, list[int]] = {}
    for placed, (p, g, q) in zip(lay.routes, routes, strict=True):
        i = placed.index
        d = _path(placed.points)
        label = f"Route from {p.name} to {q.name}: {_kind(g)}"
        route_svg.append(
            f'<g class="route" id="route-{i}" data-route="{i}" tabindex="0" role="button" '
            f'aria-label="{esc(label)}"><path class="route-hit" d="{d}"/>'
            f'<path class="route-line" d="{d}" marker-end="url(#arrow)"/></g>'
        )
        out_of.setdefault(p.id, []).append(i)
        into.setdefault(q.id, []).append(i)
        route_data.append(
            {
                "from": p.id,
                "to": q.id,
                "kind": _kind(g),
                "requirements": g.requirements or "",
                "duration": g.typical_duration or "",
                "comment": g.comment or "",
                "confidence": g.confidence or "not stated",
                "sources": [
                    [tax.sources[s].title, tax.sources[s].url]
                    for s in g.sources
                    if s in tax.sources
                ],
            }
        )
        extra = "".join(
            f" {esc(t)}"
            for t in (
                g.requirements,
                f"Typical duration: {g.typical_duration}." if g.typical_duration else None,
            )
            if t
        )
        route_items.append(
            f'<li><a href="professions/{esc(p.id)}.html">{esc(p.name)}</a> \u2192 '
            f'<a href="professions/{esc(q.id)}.html">{esc(q.name)}</a>: {esc(_kind(g))}.'
            f"{extra}</li>"
        )

    entry_items = [
        f'<li><a href="professions/{esc(p.id)}.html">{esc(p.name)}</a>: '
        f"{route_html(tax, r, 'professions/')}</li>"
        for p in prof_of.values()
        for r in p.entry_routes
    ]

    data = {
        "professions": {
            p.id: {
                "name": p.name,
                "href": f"professions/{p.id}.html",
                "group": group_name[p.group],
                "status": p.status,
                "entry": p.entry_route or "",
                "entryRoutes": [
                    [
                        kind_name(r.entry_kind),
                        r.requirements,
                        r.typical_duration or "",
                        [
                            tax.professions[f].name
                            for f in r.from_professions
                            if f in tax.professions
                        ],
                    ]
                    for r in p.entry_routes
                ],
                "levels": [
                    [
                        pl.level,
                        tax.levels[pl.level].name,
                        (pl.title + " \u2013 " if pl.title else "")
                        + (pay_text(pl) or "band not set"),
                    ]
                    for pl in p.levels
                ],
                "out": out_of.get(p.id, []),
                "in": into.get(p.id, []),
            }
            for p in prof_of.values()
        },
        "routes": route_data,
    }

    svg = f"""<svg id="career-map" class="career-map" role="group" aria-labelledby="map-heading"
 viewBox="0 0 {lay.width:g} {lay.height:g}" width="{lay.width:g}" height="{lay.height:g}"
 xmlns="http://www.w3.org/2000/svg">
<defs>
<marker id="step" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6"
 orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#768692"/></marker>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6"
 orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7a4a00"/></marker>
</defs>
{chr(10).join(heads)}
{chr(10).join(group_svg)}
{chr(10).join(line_svg)}
{chr(10).join(node_svg)}
{chr(10).join(route_svg)}
</svg>"""
    body = f"""<h1 id="map-heading">Career map</h1>
<p class="lede">How people get into each psychological profession, the stages of its career
with their usual pay, and the routes from one profession into another.</p>
<div class="map-wide">
<p>Select a box or a route to see its details. Keyboard: <kbd>Tab</kbd> moves through the map,
the arrow keys move along a row and between professions, <kbd>Enter</kbd> moves into the
details (<kbd>Esc</kbd> comes back). <a href="#routes-between">Skip past the map to the routes
between professions</a>.</p>
{_legend()}
</div>
<p class="map-phone">Each profession in turn: how people get in, its stages with their usual
pay, and the routes on to other professions (open one for what it needs).</p>
<div class="map-layout">
<div class="map-wide">
<div class="map-scroll">
{svg}
</div>
</div>
<aside id="map-detail" class="map-wide" aria-labelledby="map-detail-heading">
<h2 id="map-detail-heading" tabindex="-1">Details</h2>
<div id="map-detail-body" aria-live="polite"><p>Select a profession, a stage or a route in
the map to see it here.</p></div>
</aside>
</div>
{_phone(tax, groups, routes)}
<h2 id="entry-routes">Entry routes</h2>
<p>How people get into each profession, one kind of entry a line.</p>
<ul class="route-list">
{chr(10).join(entry_items)}
</ul>
<h2 id="routes-between">Routes between professions</h2>
<ul class="route-list">
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


def _legend() -> str:
    def sample(rect: str) -> str:
        return f'<svg width="34" height="18" aria-hidden="true">{rect}</svg>'

    rows = (
        (
            sample(
                '<rect x="1" y="1" width="32" height="16" rx="4" fill="#e8edee" '
                'stroke="#003087" stroke-width="2"/>'
            ),
            "A profession.",
        ),
        (
            sample(
                '<rect x="1" y="1" width="32" height="16" rx="4" fill="#fff" stroke="#007f3b" '
                'stroke-width="2" stroke-dasharray="4 3"/>'
            ),
            "The kinds of entry into the profession, such as a degree then postgraduate "
            "study, or an apprenticeship (select it for what each needs).",
        ),
        (
            sample(
                '<rect x="1" y="1" width="32" height="16" rx="4" fill="#fff" stroke="#005eb8" '
                'stroke-width="2"/>'
            ),
            "A stage of the career, with its usual NHS pay band (Soulbury for educational "
            "psychologists).",
        ),
        (
            sample(
                '<line x1="1" y1="9" x2="33" y2="9" stroke="#768692" stroke-width="2"/>'
                '<path d="M27,4 L33,9 L27,14 z" fill="#768692"/>'
            ),
            "The next stage in the same profession.",
        ),
        (
            sample(
                '<line x1="1" y1="9" x2="33" y2="9" stroke="#7a4a00" stroke-width="2.5"/>'
                '<path d="M27,4 L33,9 L27,14 z" fill="#7a4a00"/>'
            ),
            "A route into another profession. Routes run between the rows and down the right "
            "of the map, so they never pass through a box.",
        ),
    )
    items = "\n".join(f"<li>{s} {esc(t)}</li>" for s, t in rows)
    return f'<h2 class="visually-hidden">Legend</h2>\n<ul class="legend">\n{items}\n</ul>'


def _phone(tax, groups, routes) -> str:
    """The vertical map for narrow screens: per profession, its entry route, stages and
    routes on, each route with its requirements behind a disclosure."""
    onward: dict[str, list[tuple[object, object]]] = {}
    for p, g, q in routes:
        onward.setdefault(p.id, []).append((g, q))
    parts = ['<div class="map-phone">']
    for group, members in groups:
        parts.append(f"<h2>{esc(group.name)}</h2>")
        for p in members:
            kinds = " \u00b7 ".join(kind_names(p))
            stages = [
                '<li class="stage-entry"><strong>How people get in:</strong> '
                + (f"{esc(kinds)}. " if kinds else "")
                + f"{esc(p.entry_route or ('' if kinds else 'not recorded'))}</li>"
            ]
            for pl in p.levels:
                lv = tax.levels[pl.level]
                title = f" \u2013 {esc(pl.title)}" if pl.title else ""
                stages.append(
                    f'<li><a href="professions/{esc(p.id)}.html#level-{esc(pl.level)}">'
                    f"{esc(lv.name)}</a>{title}: {esc(pay_text(pl) or 'no band')}</li>"
                )
            parts.append(
                f'<section class="phone-prof" aria-labelledby="phone-{esc(p.id)}">'
                f'<h3 id="phone-{esc(p.id)}"><a href="professions/{esc(p.id)}.html">'
                f'{esc(p.name)}</a></h3>\n<ol class="ladder">{"".join(stages)}</ol>'
            )
            if p.id in onward:
                items = "".join(
                    f"<li><details><summary>\u2192 {esc(q.name)}: {esc(_kind(g))}</summary>"
                    f"<p>{esc(g.requirements or g.comment or '')}"
                    + (
                        f" Typical duration: {esc(g.typical_duration)}."
                        if g.typical_duration
                        else ""
                    )
                    + f' <a href="professions/{esc(q.id)}.html">Open the {esc(q.name)} page</a>'
                    "</p></details></li>"
                    for g, q in onward[p.id]
                )
                parts.append(f'<h4>Routes on</h4><ul class="onward">{items}</ul>')
            parts.append("</section>")
    parts.append("</div>")
    return "\n".join(parts)
