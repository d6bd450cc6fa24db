"""The static site without a browser: completeness, relative links, no network, determinism."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from pptaxonomy.cli import main
from pptaxonomy.site import MARKER, SiteError, build_site, generate
from pptaxonomy.site.downloads import artefact_files

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


def test_career_map_has_a_node_for_every_profession(site, tax):
    text = (site / "career-map.html").read_text(encoding="utf-8")
    for p in tax:
        assert f'class="node prof" href="professions/{p.id}.html"' in text
    assert text.count('<path class="route"') == sum(len(p.progressions) for p in tax)


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
    entry = re.findall(r'<a class="node entry".*?</a>', text, flags=re.S)
    assert len(entry) == sum(1 for p in tax if p.entry_route)
    labels = {re.sub(r"<[^>]+>", " ", e).split("\u2013 open")[0].strip() for e in entry}
    assert "Entry route" not in labels and len(labels) > len(entry) // 2


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
