"""The page shell every site page shares: head, skip link, navigation, footer and the CSS."""

from __future__ import annotations

import json
from html import escape

NAV = (
    ("index.html", "Professions"),
    ("levels.html", "Levels matrix"),
    ("career-map.html", "Career map"),
    ("crosswalk.html", "Crosswalk"),
    ("search.html", "Title search"),
    ("downloads.html", "Downloads"),
)

CSS = """\
:root { --text: #1d1d1b; --muted: #4c6272; --link: #005eb8; --visited: #330072;
  --bg: #ffffff; --panel: #f0f4f5; --line: #aeb7bd; --focus: #ffeb3b; --accent: #003087; }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Arial, sans-serif;
  color: var(--text); background: var(--bg); }
a { color: var(--link); }
a:visited { color: var(--visited); }
a:focus, button:focus, input:focus, select:focus, summary:focus, [tabindex]:focus {
  outline: 3px solid transparent; background-color: var(--focus); color: #212b32;
  box-shadow: 0 -2px var(--focus), 0 4px #212b32; text-decoration: none; }
.skip-link { position: absolute; left: -9999px; top: 0; padding: .5rem 1rem; }
.skip-link:focus { left: 1rem; z-index: 10; }
header.site { background: var(--accent); color: #fff; padding: .75rem 1.5rem; }
header.site .brand { color: #fff; font-weight: 700; font-size: 1.25rem; text-decoration: none; }
header.site nav ul { list-style: none; margin: .5rem 0 0; padding: 0; display: flex;
  flex-wrap: wrap; gap: .25rem 1.25rem; }
header.site nav a { color: #fff; }
header.site nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
header.site a:focus { color: #212b32; }
main { max-width: 80rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
main.wide { max-width: 100rem; }
main p { max-width: 56rem; }
footer.site { border-top: 1px solid var(--line); color: var(--muted); padding: 1rem 1.5rem;
  font-size: .9rem; }
h1 { font-size: 2rem; line-height: 1.2; margin: 1rem 0 .5rem; }
h2 { font-size: 1.4rem; margin: 2rem 0 .5rem; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 .25rem; }
.lede { font-size: 1.15rem; max-width: 48rem; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 .5rem; border: 1px solid var(--muted);
  border-radius: .25rem; font-size: .85rem; color: var(--muted); }
.badge.status-established { border-color: #007f3b; color: #00622d; }
.badge.status-emerging, .badge.status-pilot { border-color: #8a5300; color: #7a4a00; }
.badge.status-deprecated { border-color: #b10e1e; color: #a00d1b; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem;
  border-bottom: 1px solid var(--line); }
thead th { background: var(--panel); position: sticky; top: 0; }
td.band, th.band { white-space: nowrap; }
.table-wrap { overflow-x: auto; }
.groups { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr));
  gap: 1rem 2rem; }
.groups section { background: var(--panel); padding: .25rem 1rem 1rem; border-radius: .25rem; }
.groups h2 { margin-top: .75rem; }
.groups ul { padding-left: 1.1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { font-weight: 700; }
dl.facts dd { margin: 0; }
.filters { display: flex; flex-wrap: wrap; gap: 1rem; align-items: end; margin: 1rem 0; }
.filters label { display: block; font-weight: 700; }
.filters input, .filters select { font: inherit; padding: .3rem .4rem; border: 2px solid #212b32;
  min-width: 16rem; }
@media (max-width: 40rem) { .filters > div { flex: 1 1 100%; min-width: 0; }
  .filters input, .filters select { min-width: 0; width: 100%; max-width: 100%; } }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
.map-layout { display: grid; gap: 1.5rem; grid-template-columns: 1fr; }
@media (min-width: 75rem) {
  .map-layout { grid-template-columns: minmax(0, 1fr) 17rem; } }
.map-scroll { overflow-x: auto; border: 1px solid var(--line); }
#map-detail { background: var(--panel); padding: .5rem 1rem 1rem; align-self: start;
  position: sticky; top: 1rem; max-height: calc(100vh - 2rem); overflow-y: auto; }
#map-detail h2 { margin-top: .5rem; font-size: 1.2rem; }
#map-detail h3 { font-size: 1rem; margin: .75rem 0 .25rem; }
#map-detail p, #map-detail ul { margin: .25rem 0; }
#map-detail ul { padding-left: 1.1rem; }
#map-detail li.current { font-weight: 700; }
#map-detail ul.routes { list-style: none; padding-left: 0; }
#map-detail ul.routes li { margin: .35rem 0; }
#map-detail .route-link { display: block; width: 100%; font: inherit; text-align: left;
  color: var(--link); background: none; border: 0; padding: 0; text-decoration: underline;
  cursor: pointer; }
svg.career-map { display: block; font-family: inherit; width: 100%; height: auto; }
svg.career-map text { fill: #212b32; font-size: 13px; pointer-events: none; }
svg.career-map .col-head { font-weight: 700; font-size: 13px; }
svg.career-map .col-band { fill: #4c6272; font-size: 12px; }
svg.career-map .group-head { font-weight: 700; font-size: 15px; fill: #003087; }
svg.career-map .entry-text { font-size: 11px; }
svg.career-map .node.level text { font-size: 12px; }
svg.career-map .row-line { stroke: #768692; stroke-width: 2; }
svg.career-map .route { cursor: pointer; }
svg.career-map .route-line { fill: none; stroke: #7a4a00; stroke-width: 2;
  stroke-linejoin: round; }
svg.career-map .route-hit { fill: none; stroke: transparent; stroke-width: 9; }
svg.career-map .route:hover .route-line, svg.career-map .route.selected .route-line {
  stroke: #330072; stroke-width: 3.5; }
svg.career-map .route:focus { outline: none; }
svg.career-map .route:focus .route-line { stroke: #212b32; stroke-width: 4; }
svg.career-map .route:focus .route-hit { stroke: #ffeb3b; stroke-width: 10; }
svg.career-map .node { cursor: pointer; }
svg.career-map .node rect { fill: #ffffff; stroke: #005eb8; stroke-width: 2; }
svg.career-map .node.prof rect { fill: #e8edee; stroke: #003087; }
svg.career-map .node.entry rect { fill: #ffffff; stroke: #007f3b; stroke-dasharray: 4 3; }
svg.career-map .node:hover rect, svg.career-map .node.selected rect { fill: #dbe9f6; }
svg.career-map .node:focus { outline: none; }
svg.career-map .node:focus rect { fill: #ffeb3b; stroke: #212b32; stroke-width: 4; }
.legend { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; padding: 0; list-style: none; }
.legend svg { vertical-align: middle; }
.map-phone { display: none; }
.map-phone .phone-prof { border-left: 4px solid #003087; padding: 0 0 .5rem .75rem;
  margin: 0 0 1.25rem; }
.map-phone h3 { margin-top: .5rem; }
.map-phone h4 { margin: .5rem 0 .25rem; font-size: 1rem; }
.map-phone .ladder { margin: 0; padding-left: 1.5rem; }
.map-phone .ladder li { margin: .2rem 0; }
.map-phone .onward { list-style: none; padding: 0; margin: 0; }
.map-phone summary { cursor: pointer; color: var(--link); }
.route-list li { margin: .35rem 0; }
@media (max-width: 60rem) { .map-wide { display: none; } .map-phone { display: block; } }
"""


def esc(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def js_literal(data: object) -> str:
    """Data as a JavaScript literal that is safe inside a <script> element."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def bands_text(band_min: str | None, band_max: str | None) -> str:
    if band_min is None:
        return ""
    if band_max is None or band_max == band_min:
        return f"Band {band_min}"
    return f"Bands {band_min}\u2013{band_max}"


def pay_text(pl) -> str:
    """A level's pay as a short label: its AfC bands, or its other scale (such as Soulbury)."""
    bands = bands_text(pl.band_min, pl.band_max)
    if bands or not getattr(pl, "pay_scale", None) or pl.pay_scale == "agenda_for_change":
        return bands
    if pl.pay_scale == "soulbury":
        note = (pl.pay_note or "").replace("scale ", "")
        return note if note.startswith("Soulbury") and len(note) <= 16 else "Soulbury scale"
    return "Own pay scale"


def page(
    title: str,
    body: str,
    *,
    current: str,
    data_version: str,
    depth: int = 0,
    scripts: str = "",
    wide: bool = False,
) -> str:
    """A whole HTML document. ``depth`` is how many folders below the site root it sits."""
    up = "../" * depth
    main_class = ' class="wide"' if wide else ""
    nav = "\n".join(
        f'<li><a href="{up}{href}"'
        + (' aria-current="page"' if href == current else "")
        + f">{esc(label)}</a></li>"
        for href, label in NAV
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} \u2013 UK psychological professions taxonomy</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{up}assets/site.css">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site">
<a class="brand" href="{up}index.html">UK psychological professions taxonomy</a>
<nav aria-label="Site">
<ul>
{nav}
</ul>
</nav>
</header>
<main id="main" tabindex="-1"{main_class}>
{body}
</main>
<footer class="site">
<p>pptaxonomy data version {esc(data_version)}. Generated from the taxonomy's YAML files by
<code>pptaxonomy site</code>. NHS-derived data: Open Government Licence v3.0.</p>
</footer>
{scripts}
</body>
</html>
"""
