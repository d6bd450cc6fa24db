"""The generated site in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``).

``make test`` installs the browser, its driver and axe-core first (``make browser-deps``). A
missing browser, driver or axe-core makes these tests FAIL, never skip: the site is only
known to work when they ran. Screenshots go to a temporary folder (printed); set
``PPTAXONOMY_UPDATE_SCREENSHOTS=1`` to also refresh the two in docs/img/ that the README shows.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from pptaxonomy.site import build_site

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("PPTAXONOMY_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("PPTAXONOMY_CHROMEDRIVER", "/usr/bin/chromedriver"))
AXE_JS = Path(os.environ.get("PPTAXONOMY_AXE_JS", Path(sys.prefix) / "axe-core" / "axe.min.js"))
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)
INSTALL_HINT = "run `make browser-deps` (apt-get install chromium chromium-driver; axe-core)"


@pytest.fixture(scope="module")
def site(tmp_path_factory, tax) -> Path:
    out = tmp_path_factory.mktemp("browser-site") / "site"
    build_site(tax, out, REPO)
    return out


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"browser tests need {', '.join(missing)}: {INSTALL_HINT}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    drv.set_script_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()


def open_page(driver, site: Path, rel: str) -> None:
    driver.get((site / rel).as_uri())
    driver.get_log("browser")  # nothing from earlier pages may leak into the next check


def pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def severe(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def test_every_page_loads_without_console_errors(driver, site):
    found = pages(site)
    assert "career-map.html" in found and len(found) > 20
    problems = {}
    for rel in found:
        driver.get((site / rel).as_uri())
        assert driver.find_element("css selector", "main h1").text, rel
        # Touch the scripted parts so that a script error shows up in the log.
        driver.execute_script("return document.readyState")
        errors = severe(driver)
        if errors:
            problems[rel] = errors
    assert problems == {}


def test_no_serious_or_critical_accessibility_violations(driver, site):
    if not AXE_JS.exists():
        pytest.fail(f"axe-core not found at {AXE_JS}: {INSTALL_HINT}")
    axe = AXE_JS.read_text(encoding="utf-8")
    problems = {}
    for rel in pages(site):
        driver.get((site / rel).as_uri())
        driver.execute_script(axe)
        violations = driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(function (r) { done(r.violations); })"
            ".catch(function (e) { done([{id: 'axe-error', impact: 'critical',"
            " help: String(e), nodes: []}]); });"
        )
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} x{len(v['nodes'])}"
            + "".join(f"\n    {n['target']}" for n in v["nodes"][:3])
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            problems[rel] = bad
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def visible_rows(driver):
    return driver.execute_script(
        "return Array.prototype.filter.call("
        "document.querySelectorAll('#crosswalk tbody tr'), function (tr) { return !tr.hidden; })"
        ".map(function (tr) { return [tr.getAttribute('data-system'), tr.textContent]; });"
    )


def test_search_filters_the_crosswalk(driver, site, tax, shots):
    from selenium.webdriver.support.ui import Select

    open_page(driver, site, "crosswalk.html")
    assert len(visible_rows(driver)) == len(tax.mappings)
    box = driver.find_element("id", "q")
    box.send_keys("S8L")
    rows = visible_rows(driver)
    expected = [m for m in tax.mappings if (m.code or "") == "S8L"]
    assert len(rows) == len(expected) > 0
    assert all("S8L" in text for _, text in rows)
    status = driver.find_element("id", "count").text
    assert status == f"Showing {len(expected)} of {len(tax.mappings)} crosswalk rows."
    box.clear()
    box.send_keys("x")  # clear() fires no input event; type and delete instead
    box.send_keys("\b")
    Select(driver.find_element("id", "system")).select_by_value("soc-2020")
    rows = visible_rows(driver)
    assert len(rows) == sum(1 for m in tax.mappings if m.code_system == "soc-2020")
    assert {system for system, _ in rows} == {"soc-2020"}
    box.send_keys("psychologist")
    narrowed = visible_rows(driver)
    assert 0 < len(narrowed) < len(rows)
    driver.save_screenshot(str(shots / "crosswalk-filtered.png"))
    assert severe(driver) == []


def map_routes(tax) -> int:
    return sum(
        1
        for p in tax
        for g in p.progressions
        if p.levels and g.to_profession in tax.professions and tax[g.to_profession].levels
    )


def detail_heading(driver) -> str:
    return driver.find_element("id", "map-detail-heading").text


def test_career_map_click_shows_details_beside_the_map(driver, site, tax, shots):
    open_page(driver, site, "career-map.html")
    driver.set_window_size(1280, 1000)
    nodes = driver.find_elements("css selector", "#career-map .node.prof")
    assert sorted(n.get_attribute("data-profession") for n in nodes) == sorted(tax.professions)
    levels = driver.find_elements("css selector", "#career-map .node.level")
    assert len(levels) == sum(len(p.levels) for p in tax)
    routes = driver.find_elements("css selector", "#career-map g.route")
    assert len(routes) == map_routes(tax) >= 20
    # The details panel sits beside the map, not below it.
    svg = driver.find_element("id", "career-map").rect
    panel = driver.find_element("id", "map-detail").rect
    assert panel["x"] >= svg["x"] + svg["width"] and panel["y"] < svg["y"] + svg["height"]
    target = next(n for n in nodes if n.get_attribute("data-profession") == "cbt-therapist")
    target.click()
    assert detail_heading(driver) == tax["cbt-therapist"].name
    assert driver.current_url.endswith("/career-map.html")  # a click selects, not navigates
    body = driver.find_element("id", "map-detail-body").text
    assert tax["cbt-therapist"].entry_route in body
    # and each typed entry route, with its kind in plain English
    assert "From another profession." in body and "Experience or portfolio." in body
    assert all(r.requirements in body for r in tax["cbt-therapist"].entry_routes)
    # Its routes in are listed; choosing one shows that route's requirements.
    button = next(
        b
        for b in driver.find_elements("css selector", "#map-detail-body button.route-link")
        if b.text.startswith(tax["psychological-wellbeing-practitioner"].name)
    )
    button.click()
    (pwp_route,) = [
        g
        for g in tax["psychological-wellbeing-practitioner"].progressions
        if g.to_profession == "cbt-therapist"
    ]
    assert detail_heading(driver).endswith(tax["cbt-therapist"].name)
    assert pwp_route.requirements in driver.find_element("id", "map-detail-body").text
    assert "selected" in driver.switch_to.active_element.get_attribute("class")
    link = driver.find_element("css selector", "#map-detail-body a[href*='cbt-therapist']")
    link.click()
    assert driver.current_url.endswith("/professions/cbt-therapist.html#routes")
    assert driver.find_element("css selector", "main h1").text == tax["cbt-therapist"].name
    assert severe(driver) == []


def test_career_map_route_clicked_in_the_svg_shows_its_details(driver, site, tax):
    open_page(driver, site, "career-map.html")
    driver.set_window_size(1280, 1000)
    route = driver.find_element("id", "route-0")
    driver.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", route
    )
    first = next(
        (p, g)
        for _grp, ms in tax.professions_by_group()
        for p in ms
        for g in p.progressions
        if p.levels and tax[g.to_profession].levels
    )
    assert detail_heading(driver) == f"{first[0].name} \u2192 {tax[first[1].to_profession].name}"
    assert "Sources" in driver.find_element("id", "map-detail-body").text
    assert severe(driver) == []


def test_keyboard_reaches_a_map_node_and_enter_opens_its_details(driver, site, tax):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(driver, site, "career-map.html")
    driver.set_window_size(1280, 1000)
    active = None
    for _ in range(40):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        active = driver.switch_to.active_element
        if "node" in (active.get_attribute("class") or "").split():
            break
    else:
        pytest.fail("Tab never reached a node of the career map")
    first = active.get_attribute("data-profession")
    assert first == tax.professions_by_group()[0][1][0].id
    assert detail_heading(driver) == tax[first].name  # focusing a node fills the panel
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
    right = driver.switch_to.active_element
    assert right.get_attribute("data-profession") == first
    assert right.get_attribute("data-col") != "0"
    ActionChains(driver).send_keys(Keys.ARROW_DOWN).perform()
    below = driver.switch_to.active_element
    second = below.get_attribute("data-profession")
    assert second != first and detail_heading(driver) == tax[second].name
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    assert driver.switch_to.active_element.get_attribute("id") == "map-detail-heading"
    ActionChains(driver).send_keys(Keys.TAB).perform()
    assert driver.switch_to.active_element.tag_name in ("a", "button")
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    assert driver.switch_to.active_element.get_attribute("data-profession") == second
    assert severe(driver) == []


@pytest.mark.parametrize("width", [1280, 1400])
def test_career_map_fits_a_desktop_window(driver, site, width):
    open_page(driver, site, "career-map.html")
    driver.set_window_size(width, 1000)
    try:
        scroll, inner = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll <= inner
        assert driver.find_element("id", "career-map").is_displayed()
    finally:
        driver.set_window_size(1400, 1000)


def test_career_map_is_a_vertical_list_on_a_phone(driver, site, tax):
    open_page(driver, site, "career-map.html")
    driver.set_window_size(390, 844)
    try:
        assert not driver.find_element("id", "career-map").is_displayed()
        phone = driver.find_element("css selector", "div.map-phone")
        assert phone.is_displayed()
        sections = phone.find_elements("css selector", "section.phone-prof")
        assert len(sections) == len(tax.professions)
        widths = [s.rect["x"] + s.rect["width"] for s in sections]
        assert max(widths) <= driver.execute_script("return window.innerWidth")
        summary = phone.find_element("css selector", "details summary")
        summary.click()
        assert summary.find_element("xpath", "..").get_attribute("open") is not None
    finally:
        driver.set_window_size(1400, 1000)


def test_screenshots_for_the_readme(driver, site, shots):
    """The two screenshots the README shows; refreshed in docs/img only when asked."""
    open_page(driver, site, "career-map.html")
    driver.set_window_size(1280, 1500)
    driver.find_element(
        "css selector", '#career-map .node.level[data-profession="cbt-therapist"]'
    ).click()
    driver.save_screenshot(str(shots / "site-career-map.png"))
    open_page(driver, site, "professions/psychological-wellbeing-practitioner.html")
    driver.set_window_size(1100, 1400)
    driver.save_screenshot(str(shots / "site-profession.png"))
    open_page(driver, site, "career-map.html")
    driver.set_window_size(390, 844)
    driver.execute_script("document.querySelector('div.map-phone').scrollIntoView()")
    driver.save_screenshot(str(shots / "site-career-map-390.png"))
    open_page(driver, site, "search.html")
    driver.set_window_size(1100, 900)
    driver.find_element("id", "title-q").send_keys("Snr Clin Psych")
    driver.save_screenshot(str(shots / "site-title-search.png"))
    driver.set_window_size(1400, 1000)
    names = ("site-career-map.png", "site-profession.png", "site-title-search.png")
    for name in (*names, "site-career-map-390.png"):
        assert (shots / name).stat().st_size > 10_000
        if os.environ.get("PPTAXONOMY_UPDATE_SCREENSHOTS"):
            shutil.copyfile(shots / name, REPO / "docs" / "img" / name)


@pytest.mark.parametrize(
    ("query", "profession", "level"),
    [
        ("PWP", "psychological-wellbeing-practitioner", ""),
        ("HIT", "cbt-therapist", ""),
        ("EMHP", "education-mental-health-practitioner", ""),
        ("Snr Clin Psych", "clinical-psychologist", "senior"),
        ("IAPT therapist", "cbt-therapist", ""),
    ],
)
def test_title_search_finds_the_right_profession_first(
    driver, site, shots, query, profession, level
):
    open_page(driver, site, "search.html")
    box = driver.find_element("id", "title-q")
    box.send_keys(query)
    first = driver.find_element("css selector", "#results li a").get_attribute("href")
    assert f"/professions/{profession}.html" in first
    if level:
        assert first.endswith(f"#level-{level}")
    assert severe(driver) == []


def test_title_search_finds_nothing_for_an_unrelated_title(driver, site):
    open_page(driver, site, "search.html")
    driver.find_element("id", "title-q").send_keys("Staff Nurse")
    assert driver.find_elements("css selector", "#results li") == []
    assert driver.find_element("id", "results-status").text == "No profession found"


@pytest.mark.parametrize("page_rel", ["career-map.html", "crosswalk.html", "search.html"])
def test_no_horizontal_scroll_on_a_390px_phone(driver, site, page_rel):
    open_page(driver, site, page_rel)
    driver.set_window_size(390, 844)
    try:
        width = driver.execute_script("return window.innerWidth")
        scroll = driver.execute_script("return document.documentElement.scrollWidth")
        assert scroll <= width, f"{page_rel} scrolls sideways: {scroll} > {width}"
    finally:
        driver.set_window_size(1400, 1000)


def test_audit_report_with_a_baseline_passes_axe(driver, tmp_path, shots):
    """The HTML audit report with its workforce sections (range, baseline, reconciliation,
    fix list, data quality): no serious or critical axe-core violation."""
    if not AXE_JS.exists():
        pytest.fail(f"axe-core not found at {AXE_JS}: {INSTALL_HINT}")
    from pptaxonomy.audit import audit, write_report

    result = audit(REPO / "samples" / "staff-extract-sample.csv", profile="esr-staff-in-post")
    page = write_report(result.summary, tmp_path / "report.html")
    driver.get(page.as_uri())
    assert "At least" in driver.find_element("css selector", "p.range").text
    driver.save_screenshot(str(shots / "audit-report.png"))
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    violations = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(function (r) { done(r.violations); })"
        ".catch(function (e) { done([{id: 'axe-error', impact: 'critical',"
        " help: String(e), nodes: []}]); });"
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []
