"""The static site without a browser: completeness, relative links, no network, determinism."""

from __future__ import annotations

import dataclasses
import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from pptaxonomy.cli import main
from pptaxonomy.site import MARKER, SiteError, build_site, generate, map_layout
from pptaxonomy.site.career_map import entry_box_lines
from pptaxonomy.site.downloads import artefact_files
from pptaxonomy.site.entry_routes import ENTRY_KINDS
from pptaxonomy.site.map_layout import Box, crossings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory, tax) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(tax, out, REPO)
    return out


class Refs(HTMLParser):
    """Every URL an HTML page refers to, with the tag and attribute holding it, and its ids."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src", "xlink:href", "action", "poster", "data") and value:
                self.refs.append((tag, name, value))


def parse(path: Path) -> Refs:
    refs = Refs()
    refs.feed(path.read_text(encoding="utf-8"))
    return refs


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_profession_has_a_page(site, tax):
    pages = {p.stem for p in (site / "professions").glob("*.html")}
    assert pages == set(tax.professions)
    for p in tax:
        text = (site / "professions" / f"{p.id}.html").read_text(encoding="utf-8")
        assert f"<h1>{html.escape(p.name)}</h1>" in text
        for pl in p.levels:
            assert f'id="level-{pl.level}"' in text
        for lab in p.labels:  # other names are shown, hidden (misspelt) labels are not
            if lab.kind == "hidden":
                assert f"<li>{html.escape(lab.text)} <span" not in text
            else:
                assert html.escape(lab.text) in text


def test_home_lists_every_group_and_profession(site, tax):
    text = (site / "index.html").read_text(encoding="utf-8")
    for p in tax:
        assert f'href="professions/{p.id}.html"' in text
    for g in {p.group for p in tax}:
        assert f'id="group-{g}"' in text


def test_links_are_relative_and_resolve(site):
    external_ok = ("https://", "http://", "mailto:")
    broken = []
    for page in html_pages(site):
        refs = parse(page)
        for tag, attr, url in refs.refs:
            if url.startswith(external_ok):
                # Only plain links may leave the site (sources, regulators); nothing is loaded.
                assert tag == "a" and attr == "href", f"{page}: {tag} {attr}={url}"
                continue
            if url.startswith(("data:", "#")):
                if url.startswith("#"):
                    assert url[1:] in refs.ids, f"{page}: {url}"
                continue
            assert not url.startswith(("/", "//", "file:")), f"{page}: absolute {url}"
            parts = urlsplit(url)
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{page.relative_to(site)} -> {url}")
            elif parts.fragment and target.suffix == ".html":
                assert parts.fragment in parse(target).ids, f"{page}: {url}"
    assert broken == []


def test_nothing_is_loaded_from_the_network(site):
    for path in sorted(site.rglob("*")):
        if path.suffix not in (".html", ".css"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "fetch(" not in text and "XMLHttpRequest" not in text, path
        assert not re.search(r"<script[^>]+src=", text), path
        assert not re.search(r"<link[^>]+href=\"https?:", text), path
        assert not re.search(r"url\(\s*['\"]?https?:", text), path
        assert not re.search(r"@import", text), path
        for cdn in ("cdn.", "unpkg.com", "jsdelivr", "googleapis", "cloudflare"):
            assert cdn not in text, (path, cdn)


def test_downloads_hold_every_artefact_with_the_data_version(site, tax):
    published = [rel for rel, _ in artefact_files(REPO)]
    assert any(r.startswith("artefacts/") for r in published)
    assert any(r.startswith("mappings/") for r in published)
    text = (site / "downloads.html").read_text(encoding="utf-8")
    assert tax.data_version in text
    for rel in published:
        assert (site / "downloads" / rel).read_bytes() == (REPO / rel).read_bytes()
        assert f'href="downloads/{rel}"' in text


def test_crosswalk_page_has_a_row_per_mapping(site, tax):
    text = (site / "crosswalk.html").read_text(encoding="utf-8")
    assert text.count("<tr data-system=") == len(tax.mappings)
    for cs in tax.code_systems:
        assert f'<option value="{cs}">' in text


def map_routes(tax) -> int:
    """How many routes the map draws: those between two professions that both hold levels."""
    return sum(
        1
        for p in tax
        for g in p.progressions
        if p.levels and g.to_profession in tax.professions and tax[g.to_profession].levels
    )


def test_career_map_has_a_node_for_every_profession(site, tax):
    text = (site / "career-map.html").read_text(encoding="utf-8")
    for p in tax:
        assert re.search(
            rf'<g class="node prof" tabindex="0" role="button" data-row="\d+" '
            rf'data-profession="{p.id}" data-col="0"',
            text,
        ), p.id
    assert text.count('<g class="route"') == map_routes(tax) >= 20


SVG_RECT = re.compile(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"')


def map_geometry(text: str) -> tuple[list[Box], list[list[tuple[float, float]]]]:
    """The node boxes and route polylines of the map, read back from the page's SVG."""
    start = text.index('<svg id="career-map"')
    svg = text[start : text.index("</svg>", start)]
    boxes = [
        Box(*(float(v) for v in SVG_RECT.search(node).groups()))
        for node in re.findall(r'<g class="node[^"]*".*?</g>', svg, flags=re.S)
    ]
    routes = [
        [tuple(float(v) for v in pt.split(",")) for pt in d[1:].split(" L")]
        for d in re.findall(r'<path class="route-line" d="([^"]+)"', svg)
    ]
    return boxes, routes


def test_no_route_passes_through_a_box(site, tax):
    boxes, routes = map_geometry((site / "career-map.html").read_text(encoding="utf-8"))
    assert len(boxes) == sum(1 + bool(p.entry_routes) + len(p.levels) for p in tax)
    assert len(routes) == map_routes(tax)
    for pts in routes:
        assert crossings(pts, boxes) == [], pts
        # Each route starts on the edge of one box and ends on the edge of another.
        for x, y in (pts[0], pts[-1]):
            on_edge = [b for b in boxes if b.x < x < b.x + b.w and y in (b.y, b.y + b.h)]
            assert len(on_edge) == 1, (x, y)


def test_crossing_check_finds_a_route_drawn_through_a_box(site):
    boxes, routes = map_geometry((site / "career-map.html").read_text(encoding="utf-8"))
    # A broken copy: the longest route redrawn as a straight run down the middle of its
    # source box's column, which passes through the boxes of the rows between.
    pts = max(routes, key=lambda r: abs(r[-1][1] - r[0][1]))
    broken = [pts[0], (pts[0][0], pts[-1][1])]
    assert len(crossings(broken, boxes)) >= 2
    assert crossings([(0, -1), (1, -1)], [Box(0, -1, 1, 2)]) == []  # along an edge: fine
    assert crossings([(0.5, -5), (0.5, 5)], [Box(0, -1, 1, 2)]) == [Box(0, -1, 1, 2)]


def test_layout_is_computed_from_the_route_data(tax):
    """Adding a route between two far rows adds a route to the layout, still clear of boxes."""
    rows = [
        (p.id, g.id, bool(p.entry_routes), p.level_ids)
        for g, ms in tax.professions_by_group()
        for p in ms
    ]
    levels = list(tax.levels)
    first, last = rows[0][0], rows[-1][0]
    one = map_layout.compute(rows, levels, [(last, first)])
    two = map_layout.compute(rows, levels, [(last, first), (first, last)])
    assert len(two.routes) == 2 and two.width > one.width  # a second corridor track
    boxes = [b for _key, b in two.boxes()]
    for r in two.routes:
        assert crossings(r.points, boxes) == []
    up, down = two.routes
    assert up.points[0][1] == two.rows[-1].level_boxes[up.source_level].y  # leaves the top
    assert down.points[-1][1] == two.rows[-1].level_boxes[down.target_level].y  # enters the top


def test_output_is_deterministic(tmp_path, tax):
    build_site(tax, tmp_path / "a", REPO)
    build_site(tax, tmp_path / "b", REPO)

    def tree(root: Path) -> dict[Path, bytes]:
        return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert generate(tax, REPO) == generate(tax, REPO)


def test_rebuild_replaces_an_earlier_site_but_not_other_folders(tmp_path, tax):
    out = tmp_path / "site"
    build_site(tax, out, REPO)
    (out / "stale.html").write_text("old", encoding="utf-8")
    build_site(tax, out, REPO)
    assert not (out / "stale.html").exists() and (out / MARKER).exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SiteError, match="not a site folder"):
        build_site(tax, other, REPO)
    assert (other / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_cli(tmp_path):
    result = CliRunner().invoke(
        main, ["site", "--out", str(tmp_path / "s"), "--artefacts", str(REPO)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s" / "index.html").is_file()
    result = CliRunner().invoke(
        main, ["site", "--out", str(tmp_path / "t"), "--artefacts", str(tmp_path / "none")]
    )
    assert result.exit_code == 2 and "no artefacts/" in result.stderr


def test_career_map_shows_soulbury_and_what_each_entry_route_is(site, tax):
    text = (site / "career-map.html").read_text(encoding="utf-8")
    assert "Soulbury A" in text and "Soulbury B" in text
    entry = re.findall(r'<g class="node entry".*?</g>', text, flags=re.S)
    assert len(entry) == sum(1 for p in tax if p.entry_routes) == len(tax.professions)
    by_id = {re.search(r'data-profession="([^"]+)"', e).group(1): e for e in entry}
    for pid, box in by_id.items():
        lines = [html.unescape(t) for t in re.findall(r"<tspan[^>]*>([^<]*)</tspan>", box)]
        # Each box names the kinds of that profession's typed entry routes, one a line.
        kinds = list(dict.fromkeys(ENTRY_KINDS[r.entry_kind] for r in tax[pid].entry_routes))
        assert lines == kinds, (pid, lines)
        assert "Entry route" not in lines and "\u2026" not in " ".join(lines)
    pwp = [
        html.unescape(t)
        for t in re.findall(
            r"<tspan[^>]*>([^<]*)</tspan>", by_id["psychological-wellbeing-practitioner"]
        )
    ]
    assert pwp == ["Degree, then postgraduate study", "Salaried trainee post", "Apprenticeship"]
    assert (
        'how people get in: Degree, then training \u00b7 Apprenticeship"' in by_id["art-therapist"]
    )


def test_entry_box_lines_fit_and_count_what_does_not(tax):
    assert all(len(name) <= 33 for name in ENTRY_KINDS.values())  # one line of an entry box
    p = tax["cbt-therapist"]
    assert entry_box_lines(p) == ["From another profession", "Experience or portfolio"]
    many = dataclasses.replace(
        p,
        entry_routes=tuple(
            dataclasses.replace(p.entry_routes[0], entry_kind=k) for k in ENTRY_KINDS
        ),
    )
    lines = entry_box_lines(many)
    assert len(lines) == 3 and lines[-1] == f"and {len(ENTRY_KINDS) - 2} more"


def test_map_page_lists_every_entry_route_as_text(site, tax):
    text = (site / "career-map.html").read_text(encoding="utf-8")
    section = text[text.index('<h2 id="entry-routes">') : text.index('<h2 id="routes-between">')]
    items = re.findall(r"<li>.*?</li>", section, flags=re.S)
    assert len(items) == sum(len(p.entry_routes) for p in tax)
    for p in tax:
        for r in p.entry_routes:
            assert html.escape(r.requirements) in section, (p.id, r.entry_kind)


def test_career_map_phone_layout_lists_every_profession_and_route(site, tax):
    text = (site / "career-map.html").read_text(encoding="utf-8")
    phone = text[text.index('<div class="map-phone">') :]
    for p in tax:
        assert f'id="phone-{p.id}"' in phone
    assert phone.count("<details><summary>") == map_routes(tax)


def test_profession_page_lists_route_requirements_and_duration(site, tax):
    text = (site / "professions" / "psychological-wellbeing-practitioner.html").read_text(
        encoding="utf-8"
    )
    (g,) = [
        g
        for g in tax.professions["psychological-wellbeing-practitioner"].progressions
        if g.to_profession == "cbt-therapist"
    ]
    assert html.escape(g.requirements) in text and html.escape(g.typical_duration) in text


def test_profession_page_lists_each_entry_route_with_links(site, tax):
    p = tax["cbt-therapist"]
    text = (site / "professions" / "cbt-therapist.html").read_text(encoding="utf-8")
    section = text[text.index('<h3 id="entry-routes">') : text.index("In short")]
    items = re.findall(r"<li>.*?</li>", section, flags=re.S)
    assert len(items) == len(p.entry_routes) == 2
    for item, r in zip(items, p.entry_routes, strict=True):
        assert f"<strong>{ENTRY_KINDS[r.entry_kind]}.</strong>" in item
        assert html.escape(r.requirements) in item and html.escape(r.typical_duration) in item
        for pid in r.from_professions:
            assert f'<a href="{pid}.html">{html.escape(tax[pid].name)}</a>' in item
    assert html.escape(p.entry_route) in text  # the released summary is still shown
