"""The workforce baseline, band-derived levels, column profiles, the fix list and table files."""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from pptaxonomy.audit import audit
from pptaxonomy.audit.bands import band_level, read_band, title_gives_level
from pptaxonomy.cli import main
from pptaxonomy.matcher import matcher_for

TITLES = [
    "Clinical Psychologist",
    "Senior Clinical Psychologist",
    "Trainee Clinical Psychologist",
    "PWP",
    "Trainee PWP",
    "High Intensity Therapist",
    "Assistant Psychologist",
    "Counsellor",
    "Psychologist",  # group-only: possible
    "Wellbeing Navigator",  # unknown; possible when coded S?M
    "Staff Nurse",
    "Consultant Psychiatrist",
    "Educational Psychologist",
]
CODES = ["S1L", "S8L", "S1M", "S5M", "S8M", "N6E", "055", "S9L", "", "S3L", "XX1"]
BANDS = ["Band 4", "Band 5", "Band 6", "Band 7", "Band 8a", "Band 8c", "Consultant", "", "7"]
ORGS = ["Northshire Trust", "Riverside Trust", "Eastmoor Trust"]
FTES = ["1.00", "0.80", "0.5", "0.0", "", "1,0", "abc", "0.27"]


def _extract(path: Path, n_rows: int, seed: int = 11) -> None:
    """An ESR-like extract: persons holding 1-3 assignments, two census dates."""
    rnd = random.Random(seed)
    header = [
        "Assignment Number",
        "Employee Number",
        "Position Title",
        "Occupation Code",
        "AfC Band",
        "FTE",
        "Organisation",
        "Census Date",
    ]
    rows, person = [], 0
    while len(rows) < n_rows:
        person += 1
        date = rnd.choice(["2025-03-31", "2025-09-30"])
        for a in range(rnd.choice([1, 1, 2, 3])):
            rows.append(
                [
                    f"{person:07d}-{a + 1}",
                    f"{person:07d}",
                    rnd.choice(TITLES),
                    rnd.choice(CODES),
                    rnd.choice(BANDS),
                    rnd.choice(FTES),
                    rnd.choice(ORGS),
                    date,
                ]
            )
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows[:n_rows])


def _fte(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def _expected_baseline(rows: list[dict]) -> dict[tuple, tuple]:
    """The baseline's rules in plain Python over the audited rows: FTE > 0 only; headcount
    distinct persons per cell; FTE summed; 'ALL' over organisation/group/profession/level
    and certainty (matched, possible)."""
    persons: dict[tuple, set] = defaultdict(set)
    fte: dict[tuple, float] = defaultdict(float)
    count: dict[tuple, int] = defaultdict(int)
    for r in rows:
        cert = r["pp_certainty"]
        f = _fte(r["FTE"])
        if cert not in ("matched", "possible") or f is None or f <= 0:
            continue
        grp, pid, lv = r["pp_group_id"], r["pp_profession_id"], r["pp_level_id"]
        for org in (r["Organisation"], "ALL"):
            for dims in ((grp, pid, lv), (grp, pid, "ALL"), (grp, "ALL", "ALL"), ("ALL",) * 3):
                for c in (cert, "ALL"):
                    key = (r["Census Date"], org, *dims, c)
                    persons[key].add(r["Employee Number"])
                    fte[key] += f
                    count[key] += 1
    return {k: (len(persons[k]), round(fte[k], 2), count[k]) for k in persons}


@pytest.mark.parametrize("many_cells", [None, 1])
def test_baseline_equals_an_independent_computation(tmp_path, monkeypatch, many_cells):
    """``many_cells=1``: every person in several fine cells is counted the direct way (the
    path for persons with many assignments), and some rows have no person (one group)."""
    src = tmp_path / "extract.csv"
    _extract(src, 20_000)
    if many_cells is not None:
        from pptaxonomy.audit import baseline

        monkeypatch.setattr(baseline, "MANY_CELLS", many_cells)
        with open(src, encoding="utf-8", newline="") as fh:
            lines = list(csv.reader(fh))
        for line in lines[1::50]:
            line[1] = ""
        with open(src, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(lines)
    out = tmp_path / "rows.csv"
    result = audit(src, profile="esr-staff-in-post", date_column="Census Date", output=out)
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 20_000
    expected = _expected_baseline(rows)
    base = result.tables["baseline"]
    idx = {c: i for i, c in enumerate(base["columns"])}
    got = {}
    for r in base["rows"]:
        key = tuple(
            r[idx[c]]
            for c in (
                "census_date",
                "organisation",
                "group_id",
                "profession_id",
                "level_id",
                "certainty",
            )
        )
        assert key not in got, key
        got[key] = (r[idx["headcount"]], r[idx["fte"]], r[idx["assignments"]])
    assert set(got) == set(expected)
    for key, value in expected.items():
        hc, f, n = got[key]
        assert (hc, n) == (value[0], value[2]), key
        assert f == pytest.approx(value[1], abs=0.011), key
    # Persons with several assignments make cells that do not sum to their totals.
    total = got[("2025-03-31", "ALL", "ALL", "ALL", "ALL", "matched")]
    orgs = sum(
        v[0]
        for k, v in got.items()
        if k[0] == "2025-03-31" and k[1] != "ALL" and k[2:] == ("ALL", "ALL", "ALL", "matched")
    )
    assert orgs > total[0]
    # The range: at least the matched figure, at most matched or possible.
    rng = {d["census_date"]: d for d in result.summary["baseline_range"]}["2025-03-31"]
    assert rng["at_least"]["headcount"] == total[0]
    assert rng["at_most"]["headcount"] > rng["at_least"]["headcount"]


@pytest.fixture(scope="module")
def tax():
    return matcher_for().taxonomy


def _reading(tax, title, band):
    m = matcher_for(tax).match(title)
    return m, band_level(tax, m.profession_id, m.level_id, title_gives_level(m), band)


def test_band_sets_the_level_only_where_the_title_gives_none(tax):
    _m, r = _reading(tax, "Clinical Psychologist", "Band 8c")
    assert (r.check, r.level_id) == ("sets-level", "consultant")
    _m, r = _reading(tax, "Clinical Psychologist", "Band 8a")  # senior or principal
    assert (r.check, r.level_id) == ("fits", None)
    _m, r = _reading(tax, "Trainee Clinical Psychologist", "Band 8a")
    assert (r.check, r.level_id) == ("band-mismatch", "trainee")
    _m, r = _reading(tax, "Senior Clinical Psychologist", "8b")
    assert (r.check, r.level_id) == ("fits", "senior")


def test_soulbury_and_medical_grades_are_read_not_misread(tax):
    assert read_band("Soulbury Scale B pt 3").scale == "soulbury"
    assert read_band("Consultant").scale == "medical"
    assert read_band("ST3").scale == "medical"
    assert read_band("Band 8") is None  # no range: no one band
    _m, r = _reading(tax, "Trainee Educational Psychologist", "Soulbury trainee EP scale")
    assert (r.check, r.level_id) == ("fits", "trainee")
    _m, r = _reading(tax, "Educational Psychologist", "Soulbury Scale A")
    assert (r.check, r.level_id) == ("sets-level", "qualified")
    _m, r = _reading(tax, "Educational Psychologist", "Band 7")  # no AfC data for EPs
    assert r.check == "no-pay-data"
    _m, r = _reading(tax, "Clinical Psychologist", "Consultant")  # a medical grade
    assert (r.check, r.level_id) == ("band-mismatch", "qualified")


def test_the_matchers_default_level_reasons_are_recognised(tax):
    """title_gives_level reads the matcher's reason: pin the texts it relies on."""
    mm = matcher_for(tax)
    assert not title_gives_level(mm.match("Clinical Psychologist"))
    assert title_gives_level(mm.match("Senior Clinical Psychologist"))
    assert title_gives_level(mm.match("Clinical Psychologist 8c"))


def test_band_changes_the_row_status_and_method(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text(
        "id,title,code,band\n"
        "A1,Clinical Psychologist,S8L,Band 6\n"  # band 6: trainee, so S8L is right
        "A2,Clinical Psychologist,S8L,\n"  # no band: qualified, S8L a mismatch
        "A3,Trainee Clinical Psychologist,S8L,Band 8a\n",
        encoding="utf-8",
    )
    out = tmp_path / "o.csv"
    result = audit(src, "title", "code", "id", output=out, band_column="band", keep_order=True)
    with open(out, encoding="utf-8", newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    assert rows["A1"]["pp_level_id"] == "trainee"
    assert rows["A1"]["pp_method"] == "exact+band"
    assert rows["A1"]["pp_status"] == "consistent"
    assert rows["A2"]["pp_status"] == "code-mismatch"
    assert rows["A3"]["pp_band_check"] == "band-mismatch"
    assert result.summary["band_checks"]["top_band_mismatches"][0]["band"] == "Band 8a"


def test_profiles_and_column_errors(tmp_path):
    sample = Path(__file__).parents[1] / "samples" / "staff-extract-sample.csv"
    r = CliRunner().invoke(main, ["audit", str(sample), "--profile", "no-such"])
    assert r.exit_code == 2 and "shipped profiles: esr-staff-in-post" in r.output
    r = CliRunner().invoke(
        main, ["audit", str(sample), "--profile", "esr-staff-in-post", "--fte-column", "Nope"]
    )
    assert r.exit_code == 2 and "no fte column 'Nope'" in r.output
    r = CliRunner().invoke(main, ["audit", str(sample)])
    assert r.exit_code == 2 and "--title-column" in r.output
    mine = tmp_path / "mine.yaml"
    mine.write_text("columns:\n  title: Position Title\n  salary: Pay\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["audit", str(sample), "--profile", str(mine)])
    assert r.exit_code == 2 and "unknown column role(s) salary" in r.output
    result = audit(sample, profile="esr-staff-in-post")
    assert any("no area column 'Area of Work'" in w for w in result.summary["warnings"])
    assert result.summary["columns"]["fte"] == "FTE"


def test_fix_list_suggests_the_preferred_code_and_says_why(tmp_path):
    sample = Path(__file__).parents[1] / "samples" / "staff-extract-sample.csv"
    result = audit(sample, profile="esr-staff-in-post")
    fixes = result.tables["fixes"]
    rows = [dict(zip(fixes["columns"], r, strict=True)) for r in fixes["rows"]]
    pwp = next(r for r in rows if r["title"] == "PWP" and r["code"] == "H2D")
    assert pwp["suggested_code"] == "S1M"
    assert "preferred" in pwp["rule"] and "S5M" in pwp["rule"]
    assert pwp["fte"] > 0 and pwp["example_keys"]
    trainee = next(r for r in rows if r["title"] == "Trainee Clinical Psychologist")
    assert trainee["suggested_code"] == "S8L"


def test_local_titles_are_reported_as_method_local(tmp_path):
    sample = Path(__file__).parents[1] / "samples" / "staff-extract-sample.csv"
    local = tmp_path / "local.csv"
    local.write_text("title,profession_id\nWellbeing Navigator,counsellor\n", encoding="utf-8")
    result = audit(sample, profile="esr-staff-in-post", local_titles=local)
    assert (
        result.summary["methods"].get("local+band", 0) + result.summary["methods"].get("local", 0)
        == 2
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("title,profession_id\nX,no-such\n", encoding="utf-8")
    r = CliRunner().invoke(
        main, ["audit", str(sample), "--profile", "esr-staff-in-post", "--titles", str(bad)]
    )
    assert r.exit_code == 2 and "unknown profession_id" in r.output


def test_table_files_carry_their_conventions(tmp_path):
    sample = Path(__file__).parents[1] / "samples" / "staff-extract-sample.csv"
    args = ["audit", str(sample), "--profile", "esr-staff-in-post"]
    for name in ("b.csv", "b.json", "b.xlsx"):
        args += ["--baseline", str(tmp_path / name)]
    args += ["--fixes", str(tmp_path / "f.xlsx"), "--reconciliation", str(tmp_path / "r.csv")]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert "FTE > 0" in doc["metadata"]["conventions"][0]
    side = json.loads((tmp_path / "b.csv-metadata.json").read_text(encoding="utf-8"))
    assert side["url"] == "b.csv" and side["notes"]["conventions"]
    with open(tmp_path / "b.csv", encoding="utf-8", newline="") as fh:
        first = next(csv.DictReader(fh))
    assert first["organisation"] == "ALL" and first["certainty"] == "ALL"
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "f.xlsx", read_only=True)
    assert wb.sheetnames == ["fixes", "metadata"]
    codes = [row[1] for row in wb["fixes"].iter_rows(min_row=2, values_only=True)]
    assert "055" not in codes or all(isinstance(c, str) for c in codes)
    r = CliRunner().invoke(main, [*args[:4], "--baseline", str(tmp_path / "b.txt")])
    assert r.exit_code == 2 and "must end in .csv, .xlsx or .json" in r.output


def test_notebook_api_takes_a_frame_and_returns_arrow_tables():
    pa = pytest.importorskip("pyarrow")
    import pptaxonomy

    frame = pa.table(
        {
            "title": ["Clinical Psychologist", "PWP", "Staff Nurse"],
            "code": ["S1L", "S1M", "N6E"],
            "fte": [1.0, 0.8, 1.0],
            "band": ["Band 8c", "Band 5", "Band 5"],
        }
    )
    r = pptaxonomy.audit(
        frame, title_column="title", code_column="code", fte_column="fte", band_column="band"
    )
    rows = r.rows.to_pylist()
    assert [x["pp_level_id"] for x in rows] == ["consultant", "qualified", None]
    base = r.baseline.to_pylist()
    top = next(b for b in base if b["profession_id"] == "ALL" and b["certainty"] == "matched")
    # No organisation column: only the ALL organisation; no person column: no headcount.
    assert {b["organisation"] for b in base} == {"ALL"}
    assert top["headcount"] is None and top["fte"] == pytest.approx(1.8)
    assert r.summary["statuses"]["code-mismatch"] == 1  # a consultant coded S1L, not SAL
