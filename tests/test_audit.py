"""``pptaxonomy audit``: inputs, statuses, outputs, reports, errors and exit codes."""

from __future__ import annotations

import csv
import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pptaxonomy
import pptaxonomy.audit as audit_module
from pptaxonomy.audit import PP_COLUMNS, STATUSES, AuditError, audit, row_status, write_report
from pptaxonomy.cli import main

DATA = Path(__file__).parent / "data" / "audit"
SAMPLE = Path(__file__).parents[1] / "samples" / "staff-extract-sample.csv"


def run(*args: str):
    return CliRunner().invoke(main, ["audit", *args])


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True, params=["early", "after-pass-1"])
def matching_moment(request, monkeypatch):
    """Every in-process audit runs twice: with the titles of the first rows matched while
    DuckDB's first pass runs (forced on for these small files, and over only 2 rows so that
    some titles are still left for after the pass), and with every title matched after it."""
    if request.param == "early":
        monkeypatch.setattr(audit_module, "EARLY_MIN_BYTES", 0)
        monkeypatch.setattr(audit_module, "EARLY_ROWS", 2)
    else:
        monkeypatch.setattr(audit_module, "EARLY_MIN_BYTES", 1 << 62)
    return request.param


# -- status precedence -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title_status", "expected", "state", "code", "status"),
    [
        ("matched", ("S1L",), "valid", "S1L", "consistent"),
        ("matched", ("S1L",), "valid", "N6E", "code-mismatch"),
        ("matched", ("S1L",), "none", "", "no-code"),
        ("matched", ("S1L",), "invalid", "S1X", "invalid-code"),
        ("matched", ("S1L",), "retired", "S3L", "retired-code"),
        ("ambiguous", ("S1L", "S2L"), "valid", "S1L", "ambiguous"),
        ("ambiguous", ("S1L", "S2L"), "valid", "N6E", "code-mismatch"),
        ("ambiguous", ("S1L",), "none", "", "ambiguous"),
        ("ambiguous", ("S1L",), "invalid", "XX", "invalid-code"),
        ("not-psychological", (), "valid", "S1M", "psych-code-unrecognised-title"),
        ("not-psychological", (), "valid", "N6E", "not-psychological"),
        ("not-psychological", (), "none", "", "not-psychological"),
        ("not-psychological", (), "invalid", "XX", "invalid-code"),
        ("not-psychological", (), "retired", "N1A", "retired-code"),
        ("unknown", (), "valid", "SAH", "psych-code-unrecognised-title"),
        ("unknown", (), "valid", "G2D", "not-psychological"),
        ("unknown", (), "none", "", "no-code"),
        ("unknown", (), "retired", "S4L", "retired-code"),
    ],
)
def test_row_status_precedence(title_status, expected, state, code, status):
    assert row_status(title_status, expected, state, code) == status
    assert status in STATUSES


# -- a typical extract ---------------------------------------------------------------------


def test_matching_early_changes_nothing(tmp_path, monkeypatch):
    results = []
    for early_bytes, early_rows in ((1 << 62, 0), (0, 7), (0, 10**6)):
        monkeypatch.setattr(audit_module, "EARLY_MIN_BYTES", early_bytes)
        monkeypatch.setattr(audit_module, "EARLY_ROWS", early_rows)
        out = tmp_path / f"o-{early_rows}.csv"
        summary = audit(
            SAMPLE, "Position Title", "Occupation Code", "Assignment Number", output=out
        ).summary
        summary.pop("elapsed_seconds")
        summary.pop("output")
        rows = sorted(read_rows(out), key=lambda r: r["Assignment Number"])
        results.append((summary, rows))
    assert results[0] == results[1] == results[2]
    assert results[0][0]["rows"]["audited"] == len(results[0][1]) > 7


def test_early_readings_of_titles_not_in_the_file_are_forgotten():
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE p1 AS SELECT * FROM (VALUES ('PWP'), ('Art Therapist')) v(t)")
    res = audit_module._Results(pptaxonomy.load())
    for title in ("Clinical Psychologist", "PWP"):
        res.add(title, pptaxonomy.match(title))
    res.register_titles(con)
    total, batches = res.titles_to_match(con)
    assert (total, list(batches)) == (1, [["Art Therapist"]])
    res.add("Art Therapist", pptaxonomy.match("Art Therapist"))
    res.register_titles(con)
    # The early reading of a title not in the file joins to nothing.
    assert con.execute("SELECT t FROM p1 JOIN pp_t USING (t) ORDER BY t").fetchall() == [
        ("Art Therapist",),
        ("PWP",),
    ]


def test_audit_utf8_extract(tmp_path):
    src = DATA / "extract-utf8.csv"
    before = digest(src)
    out = tmp_path / "audited.csv"
    result = audit(
        src, "Position Title", "Occupation Code", "Assignment Number", output=out, keep_order=True
    )
    assert digest(src) == before, "the input is never modified"
    rows = read_rows(out)
    with src.open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert list(rows[0]) == header + list(PP_COLUMNS)
    assert [r["Assignment Number"] for r in rows] == [f"A{i}" for i in range(1, 13)]
    by_key = {r["Assignment Number"]: r for r in rows}
    assert by_key["A1"]["pp_status"] == "consistent"
    assert by_key["A1"]["pp_profession_id"] == "clinical-psychologist"
    assert by_key["A1"]["pp_level_id"] == "qualified"
    assert by_key["A1"]["pp_expected_codes"] == "S1L S2L"
    assert by_key["A2"]["pp_status"] == "code-mismatch"  # a trainee coded as qualified
    assert by_key["A2"]["pp_expected_codes"] == "S8L"
    assert by_key["A3"]["pp_status"] == "not-psychological"
    assert by_key["A4"]["pp_status"] == "psych-code-unrecognised-title"  # IAPT admin, S1M
    assert by_key["A5"]["pp_status"] == "ambiguous"
    assert by_key["A6"]["pp_status"] == "no-code"
    assert by_key["A7"]["pp_status"] == "retired-code"
    assert by_key["A8"]["pp_status"] == "invalid-code"
    assert by_key["A9"]["pp_status"] == "psych-code-unrecognised-title"
    assert by_key["A10"]["pp_status"] == "not-psychological"
    assert by_key["A11"]["pp_status"] == "code-mismatch"  # "55" read as 055 (psychiatry)
    assert by_key["A12"]["pp_status"] == "code-mismatch"  # clinical psychologist coded a nurse
    s = result.summary
    assert s["rows"]["audited"] == 12
    assert sum(s["statuses"].values()) == 12
    assert s["data_version"] == pptaxonomy.load().data_version
    assert s["columns"] == {
        "title": "Position Title",
        "code": "Occupation Code",
        "key": "Assignment Number",
    }
    mism = {(m["title"], m["code"]) for m in s["top_mismatches"]}
    assert ("Clinical Psychologist", "N6E") in mism
    assert s["top_mismatches"][0]["example_keys"]
    assert any(u["title"] == "Wellbeing Navigator" for u in s["top_unrecognised_titles"])
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"


def test_report_echoes_only_title_code_and_key(tmp_path):
    result = audit(
        DATA / "extract-utf8.csv", "Position Title", "Occupation Code", "Assignment Number"
    )
    js = write_report(result.summary, tmp_path / "r.json").read_text(encoding="utf-8")
    html = write_report(result.summary, tmp_path / "r.html").read_text(encoding="utf-8")
    for text in (js, html):
        for private in ("Zebedee", "Vantablack", "Gristle", "Ophelia"):
            assert private not in text
    json.loads(js)
    assert "<script" not in html.lower()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert "<svg" in html and "<style>" in html
    assert "Clinical Psychologist" in html
    # The no-wrap metadata items need a break opportunity between them, or the line overflows.
    assert "</span><span>" not in html


def test_column_names_match_ignoring_case(tmp_path):
    result = audit(DATA / "extract-utf8.csv", "position title", "OCCUPATION CODE")
    assert result.summary["columns"]["title"] == "Position Title"


def test_without_a_code_column_every_recognised_row_is_no_code():
    s = audit(DATA / "extract-utf8.csv", "Position Title").summary
    assert s["statuses"]["consistent"] == 0
    assert s["statuses"]["no-code"] > 0
    assert s["columns"]["code"] is None


@pytest.mark.parametrize("with_code", [True, False])
def test_row_output_status_agrees_with_row_status_and_summary(tmp_path, with_code):
    """Rows join to their title's result and to the (title class, raw code) status table:
    every row's pp_status is row_status of its title and code, empty titles and codes too."""
    from pptaxonomy.audit import clean_code, code_state

    tax = pptaxonomy.load()
    titles = ["Clinical Psychologist", "Psychologist", "Wellbeing Navigator", "Staff Nurse", ""]
    codes = ["S1L", " s1l ", "S2L", "S1M", "N6E", "S3L", "XXX", "55", "", "S5M", 'S1L"x']
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "code"])
        for i, (t, c) in enumerate((t, c) for t in titles for c in codes):
            w.writerow([f"k{i}", t, c])
    out = tmp_path / "out.csv"
    res = audit(src, "title", "code" if with_code else None, "id", output=out, taxonomy=tax)
    rows = read_rows(out)
    assert len(rows) == len(titles) * len(codes)
    counts = dict.fromkeys(STATUSES, 0)
    for r in rows:
        m = pptaxonomy.match(r["title"])
        code = clean_code(r["code"]) if with_code else ""
        expected = r["pp_expected_codes"].split()
        assert r["pp_profession_id"] == (m.profession_id or "")
        assert r["pp_status"] == row_status(m.status, expected, code_state(code, tax), code), r
        counts[r["pp_status"]] += 1
    assert res.summary["statuses"] == counts


# -- encodings, delimiters, formats -----------------------------------------------------------


def test_utf8_bom_semicolon_crlf(tmp_path):
    out = tmp_path / "o.csv"
    s = audit(
        DATA / "extract-bom-semicolon.csv", "Position Title", "Occupation Code", output=out
    ).summary
    assert s["input"]["delimiter"] == ";"
    assert s["input"]["encoding"] == "utf-8-sig"
    by_title = {r["Position Title"]: r for r in read_rows(out)}  # rows may be reordered
    assert by_title["Senior PWP; Talking Therapies"]["pp_level_id"] == "senior"
    assert s["statuses"]["consistent"] == 3


def test_cp1252_is_detected_and_transcoded(tmp_path):
    out = tmp_path / "o.csv"
    s = audit(DATA / "extract-cp1252.csv", "Position Title", "Occupation Code", output=out).summary
    assert s["input"]["encoding"] == "cp1252"
    by_title = {r["Position Title"]: r for r in read_rows(out)}  # rows may be reordered
    cwp = by_title["Children\u2019s Wellbeing Practitioner \u2013 CAMHS"]
    assert cwp["pp_profession_id"] == "childrens-wellbeing-practitioner"
    assert "Caf\u00e9 Counsellor" in by_title


def test_encoding_can_be_given(tmp_path):
    s = audit(DATA / "extract-cp1252.csv", "Position Title", encoding="cp1252").summary
    assert s["rows"]["audited"] == 3
    with pytest.raises(AuditError, match="unknown encoding"):
        audit(DATA / "extract-cp1252.csv", "Position Title", encoding="no-such-codec")


def test_cp1252_after_the_first_64kb_falls_back(tmp_path):
    src = tmp_path / "late.csv"
    with src.open("w", encoding="cp1252", newline="") as fh:
        fh.write("Position Title,Occupation Code\n")
        for _ in range(5000):
            fh.write("Clinical Psychologist,S1L\n")
        fh.write("Children\u2019s Wellbeing Practitioner,S1M\n")
    s = audit(src, "Position Title", "Occupation Code").summary
    assert s["input"]["encoding"] == "cp1252"
    assert s["rows"]["audited"] == 5001
    assert s["problems_total"] == 0


def test_utf16_tab_separated():
    s = audit(DATA / "extract-utf16.txt", "Position Title", "Occupation Code").summary
    assert s["input"]["encoding"] == "utf-16"
    assert s["input"]["delimiter"] == "\t"
    assert s["statuses"]["consistent"] == 2


def test_xlsx(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Staff"
    ws.append(["Assignment", "Position Title", "Occupation Code", "FTE"])
    ws.append(["X1", "Clinical Psychologist", "S1L", 1.0])
    ws.append([None, None, None, None])  # an empty row is skipped
    ws.append(["X2", "Staff Nurse", "N6E", 0.5])
    ws.append(["X3", "PWP", "S1M", 1, "stray value"])  # ragged: beyond the header
    wb.create_sheet("Other")
    src = tmp_path / "extract.xlsx"
    wb.save(src)
    out = tmp_path / "o.csv"
    s = audit(src, "Position Title", "Occupation Code", "Assignment", output=out).summary
    assert s["input"]["format"] == "xlsx"
    assert s["input"]["sheet"] == "Staff"
    rows = sorted(read_rows(out), key=lambda r: r["Assignment"])  # rows may be reordered
    assert [r["Assignment"] for r in rows] == ["X1", "X2"]
    assert rows[0]["FTE"] == "1"
    assert rows[0]["pp_status"] == "consistent"
    assert [p["line"] for p in s["problems"]] == [5]
    with pytest.raises(AuditError, match="sheets found: Staff, Other"):
        audit(src, "Position Title", sheet="Nope")


# -- ragged rows, line numbers, order -----------------------------------------------------------


def test_ragged_rows_are_reported_with_line_numbers_and_skipped(tmp_path):
    out = tmp_path / "o.csv"
    s = audit(
        DATA / "extract-ragged.csv",
        "Position Title",
        "Occupation Code",
        "Key",
        output=out,
        keep_order=True,
    ).summary
    assert [(p["line"], p["code"]) for p in s["problems"]] == [(3, "ragged-row"), (5, "ragged-row")]
    assert "2 fields" in s["problems"][0]["message"]
    assert "4 fields" in s["problems"][1]["message"]
    assert s["rows"] == {"audited": 3, "skipped": 2}
    assert [r["Key"] for r in read_rows(out)] == ["K1", "K3", "K5"]
    assert read_rows(out)[1]["Position Title"] == "Counsellor\nfor Depression"


def test_row_order_is_kept_on_a_larger_file(tmp_path):
    src = tmp_path / "big.csv"
    titles = ["Clinical Psychologist", "Staff Nurse", "PWP", "Trainee PWP", "Counsellor"]
    codes = ["S1L", "N6E", "S1M", "", "S8M"]
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "code", "pad"])
        for i in range(60_000):
            w.writerow([i, titles[i % 5], codes[(i // 5) % 5], "x" * 40])
    out = tmp_path / "o.csv"
    audit(src, "title", "code", output=out, keep_order=True)
    with out.open(encoding="utf-8") as fh:
        ids = [int(r["id"]) for r in csv.DictReader(fh)]
    assert ids == list(range(60_000))


def test_report_does_not_depend_on_the_input_row_order(tmp_path):
    # Ties everywhere: equal row counts for an unrecognised title's codes, for invalid and
    # retired codes, for mismatches and for titles. The report must come out the same
    # whatever order the rows (and so DuckDB's groups) come in.
    rows = []
    for code in ("G2D", "H1D", "H2D", "N0D", "N4D", "055", "ZZ9", "XX1", "QQ7", "S3L", "N1A"):
        rows += [["Research Assistant", code]] * 2
        rows += [["Clinical Psychologist", code]] * 2
        rows += [["Staff Nurse", code], ["Widget Wrangler", code]]
    for title in ("Clinical Psychologist", "Counsellor", "Art Psychotherapist", "PWP"):
        rows += [[title, "N6E"]] * 3 + [[title, "G2D"]] * 3 + [[title, "S1M"]] * 3
    summaries = []
    for seed in range(4):
        order = list(range(len(rows)))
        if seed:
            random.Random(seed).shuffle(order)
        src = tmp_path / f"shuffled-{seed}.csv"
        with src.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["Key", "Title", "Code"])
            for i in order:
                w.writerow([f"K{i:03d}", *rows[i]])
        s = audit(src, "Title", "Code", "Key", top=3).summary
        s.pop("elapsed_seconds")
        s["input"].pop("file")
        summaries.append(json.dumps(s, indent=2, ensure_ascii=False))
    assert all(s == summaries[0] for s in summaries[1:])
    first = json.loads(summaries[0])
    assert first["invalid_codes"] == sorted(first["invalid_codes"], key=lambda c: c["code"])
    codes = first["top_unrecognised_titles"][0]["codes"]
    assert [c["code"] for c in codes] == sorted(c["code"] for c in codes)


def test_existing_pp_columns_are_replaced(tmp_path):
    first = tmp_path / "first.csv"
    audit(DATA / "extract-utf8.csv", "Position Title", "Occupation Code", output=first)
    second = tmp_path / "second.csv"
    audit(first, "Position Title", "Occupation Code", output=second)
    header = list(read_rows(second)[0])
    assert header.count("pp_status") == 1
    assert header[-len(PP_COLUMNS) :] == list(PP_COLUMNS)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=8))
def test_arbitrary_unicode_titles_never_crash_the_audit(tmp_path, titles):
    src = tmp_path / "u.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "code"])
        for t in titles:
            w.writerow([t.replace("\x00", ""), "S1L"])
    try:
        s = audit(src, "title", "code", output=tmp_path / "o.csv").summary
    except AuditError:
        return  # e.g. a title made only of line breaks may leave no rows to read
    assert sum(s["statuses"].values()) == s["rows"]["audited"]


# -- the command: errors and exit codes --------------------------------------------------------


def test_cli_writes_outputs_and_prints_a_table(tmp_path):
    out, rj, rh = tmp_path / "o.csv", tmp_path / "r.json", tmp_path / "r.html"
    result = run(
        str(SAMPLE),
        "--title-column",
        "Position Title",
        "--code-column",
        "Occupation Code",
        "--key-column",
        "Assignment Number",
        "--output",
        str(out),
        "--report",
        str(rj),
        "--report",
        str(rh),
    )
    assert result.exit_code == 0, result.output
    assert "consistent" in result.output and "code-mismatch" in result.output
    assert out.exists() and rj.exists() and rh.exists()
    s = json.loads(rj.read_text(encoding="utf-8"))
    assert s["rows"]["audited"] == 200
    assert all(
        s["statuses"][k] > 0
        for k in (
            "consistent",
            "code-mismatch",
            "psych-code-unrecognised-title",
            "not-psychological",
            "invalid-code",
        )
    )


def test_cli_fail_on(tmp_path):
    args = [
        str(DATA / "extract-utf8.csv"),
        "--title-column",
        "Position Title",
        "--code-column",
        "Occupation Code",
    ]
    assert run(*args).exit_code == 0
    result = run(*args, "--fail-on", "code-mismatch,invalid-code")
    assert result.exit_code == 1
    assert "code-mismatch" in result.output
    assert run(*args, "--fail-on", "ambiguous", "--fail-on", "no-code").exit_code == 1
    clean = [
        str(DATA / "extract-bom-semicolon.csv"),
        "--title-column",
        "Position Title",
        "--code-column",
        "Occupation Code",
    ]
    assert run(*clean, "--fail-on", "code-mismatch").exit_code == 0
    bad = run(*args, "--fail-on", "mismatch")
    assert bad.exit_code == 2
    assert "not a status" in bad.output


def test_cli_missing_column_lists_the_columns_found():
    result = run(str(DATA / "extract-utf8.csv"), "--title-column", "Job Title")
    assert result.exit_code == 2
    assert "no title column 'Job Title'" in result.output
    assert "'Position Title'" in result.output and "'Occupation Code'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(b"PK\x03\x04garbage"), "not a readable XLSX"),
        (lambda p: p.mkdir(), "not a file"),
    ],
)
def test_cli_unusable_input_exits_2_with_one_line(tmp_path, setup, message):
    src = tmp_path / "in.csv"
    setup(src)
    result = run(str(src), "--title-column", "t")
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_output_must_not_be_the_input(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes((DATA / "extract-utf8.csv").read_bytes())
    before = digest(src)
    result = run(str(src), "--title-column", "Position Title", "--output", str(src))
    assert result.exit_code == 2
    assert digest(src) == before


def test_cli_bad_report_name(tmp_path):
    result = run(
        str(DATA / "extract-utf8.csv"),
        "--title-column",
        "Position Title",
        "--report",
        str(tmp_path / "r.pdf"),
    )
    assert result.exit_code == 2
    assert ".json or .html" in result.output


def test_cli_header_only_file_runs(tmp_path):
    result = run(
        str(DATA / "extract-header-only.csv"),
        "--title-column",
        "Position Title",
        "--output",
        str(tmp_path / "o.csv"),
    )
    assert result.exit_code == 0
    assert read_rows(tmp_path / "o.csv") == []


def test_cli_is_quiet_when_not_a_terminal():
    result = CliRunner().invoke(
        main, ["audit", str(DATA / "extract-utf8.csv"), "--title-column", "Position Title"]
    )
    assert result.exit_code == 0
    assert result.stderr == ""


def test_console_script_prints_everything_and_exits_with_the_audit_code(tmp_path):
    # The console script skips the interpreter's teardown after an audit: what it printed
    # must still all come out, with the right exit code.
    exe = Path(sys.executable).with_name("pptaxonomy")
    src = str(DATA / "extract-utf8.csv")
    args = [str(exe), "audit", src, "--title-column", "Position Title"]
    report = tmp_path / "r.json"
    ran = subprocess.run(
        [*args, "--code-column", "Occupation Code", "--report", str(report)],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.rstrip().endswith(f"report: {report}")
    assert json.loads(report.read_text(encoding="utf-8"))["rows"]["audited"] > 0
    failed = subprocess.run(
        [*args, "--code-column", "Occupation Code", "--fail-on", "code-mismatch,no-code"],
        capture_output=True,
        text=True,
    )
    assert failed.returncode == 1
    assert failed.stderr.startswith("--fail-on: rows found with")
    unusable = subprocess.run([*args, "--code-column", "Nope"], capture_output=True, text=True)
    assert unusable.returncode == 2
    assert unusable.stderr.startswith("error: ") and "columns found" in unusable.stderr


def test_read_path_does_not_import_linkml():
    import subprocess
    import sys

    code = (
        "import sys, pptaxonomy\n"
        "from pptaxonomy.matcher import match\n"
        "from pptaxonomy.audit import audit\n"
        "match('Clinical Psychologist')\n"
        f"audit({str(DATA / 'extract-utf8.csv')!r}, 'Position Title', 'Occupation Code')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('linkml', 'linkml_runtime')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
