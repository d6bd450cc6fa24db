"""The audit's inputs and outputs (issue 11, "Real outputs"): an XLSX row output with every
cell text, a CSV with a BOM for Excel, Parquet input, and several files or a glob."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from pptaxonomy.audit import PP_COLUMNS, AuditError, audit
from pptaxonomy.cli import main

SAMPLE = Path(__file__).parents[1] / "samples" / "staff-extract-sample.csv"
COLS = ["--title-column", "Position Title", "--code-column", "Occupation Code"]


def run(*args: str):
    return CliRunner().invoke(main, ["audit", *args])


def csv_rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.reader(fh))


def sorted_body(rows: list[list[str]]) -> list[list[str]]:
    return [rows[0], *sorted(rows[1:])]


def test_xlsx_output_holds_the_csv_output_as_text(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    src = tmp_path / "in.csv"
    src.write_text(
        "Position Title,Occupation Code,Note\n"
        'Clinical Psychologist,055,"a <b> & ""c"" \ttab\nnew line"\n'
        "Staff Nurse,S1M,\n"
        "  spaced title  ,,\x01control\n",
        encoding="utf-8",
    )
    audit(src, "Position Title", "Occupation Code", output=tmp_path / "o.csv")
    audit(src, "Position Title", "Occupation Code", output=tmp_path / "o.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "o.xlsx", read_only=True)
    got = [["" if v is None else v for v in r] for r in wb.active.iter_rows(values_only=True)]
    want = csv_rows(tmp_path / "o.csv")
    want[3][2] = "control"  # XML cannot hold U+0001: the XLSX drops it
    assert sorted_body(got) == sorted_body(want)
    assert all(isinstance(v, str) for row in got for v in row)  # 055 stays text, not 55
    assert got[0][-len(PP_COLUMNS) :] == list(PP_COLUMNS)
    with zipfile.ZipFile(tmp_path / "o.xlsx") as zf:
        assert zf.testzip() is None


def test_xlsx_output_of_the_sample_reads_back_with_calamine(tmp_path):
    calamine = pytest.importorskip("python_calamine")
    out = tmp_path / "rows.xlsx"
    r = run(str(SAMPLE), *COLS, "--output", str(out))
    assert r.exit_code == 0, r.output
    sheet = calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("rows")
    rows = sheet.to_python()
    assert len(rows) == len(csv_rows(SAMPLE))
    assert rows[0][:3] == ["Assignment Number", "Position Title", "Occupation Code"]


def test_an_output_name_that_is_not_csv_or_xlsx_is_refused_before_any_work(tmp_path):
    for name in ("rows.txt", "rows.xls", "rows"):
        r = run(str(SAMPLE), *COLS, "--output", str(tmp_path / name))
        assert r.exit_code == 2
        assert "must end in .csv or .xlsx" in r.output
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(AuditError, match=r"\.csv or \.xlsx"):
        audit(SAMPLE, "Position Title", output=tmp_path / "rows.json")


def test_excel_csv_starts_with_a_bom_and_is_otherwise_the_same(tmp_path):
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    assert run(str(SAMPLE), *COLS, "--output", str(plain)).exit_code == 0
    assert run(str(SAMPLE), *COLS, "--output", str(excel), "--excel-csv").exit_code == 0
    assert excel.read_bytes().startswith(b"\xef\xbb\xbf")
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    assert sorted_body(csv_rows(excel, "utf-8-sig")) == sorted_body(csv_rows(plain))


@pytest.mark.parametrize("output", [None, "rows.xlsx"])
def test_excel_csv_needs_a_csv_output(tmp_path, output):
    args = ["--output", str(tmp_path / output)] if output else []
    r = run(str(SAMPLE), *COLS, *args, "--excel-csv")
    assert r.exit_code == 2
    assert "--excel-csv" in r.output


def _parquet(src: Path, dst: Path, where: str = "true", typed: bool = False) -> Path:
    cast = ", CAST(FTE AS DOUBLE) AS FTE2" if typed else ""
    duckdb.sql(
        f"COPY (SELECT *{cast} FROM read_csv('{src}', all_varchar = true) WHERE {where}) "
        f"TO '{dst}' (FORMAT parquet)"
    )
    return dst


def test_parquet_input_audits_like_the_same_csv(tmp_path):
    pq = _parquet(SAMPLE, tmp_path / "extract.parquet")
    a = audit(SAMPLE, "Position Title", "Occupation Code", output=tmp_path / "a.csv").summary
    b = audit(pq, "Position Title", "Occupation Code", output=tmp_path / "b.csv").summary
    assert b["input"]["format"] == "parquet"
    for key in ("rows", "statuses", "professions", "top_mismatches", "distinct_titles"):
        assert a[key] == b[key]
    assert sorted_body(csv_rows(tmp_path / "a.csv")) == sorted_body(csv_rows(tmp_path / "b.csv"))


def test_typed_parquet_columns_are_read_as_text(tmp_path):
    pq = _parquet(SAMPLE, tmp_path / "typed.parquet", typed=True)
    audit(pq, "Position Title", output=tmp_path / "o.csv")
    rows = csv_rows(tmp_path / "o.csv")
    at = rows[0].index("FTE2")
    assert {r[at] for r in rows[1:]} <= {"1.0", "0.8", "0.6", "0.5", "0.4"}


def test_several_files_and_a_glob_are_one_table(tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "esr-2026-01.csv").write_text("".join(lines[:120]), encoding="utf-8")
    # Each file is read in its own encoding: the second snapshot is cp1252.
    (tmp_path / "esr-2026-02.csv").write_text(lines[0] + "".join(lines[120:]), encoding="cp1252")
    whole = audit(SAMPLE, "Position Title", "Occupation Code").summary
    for given in (
        [tmp_path / "esr-2026-01.csv", tmp_path / "esr-2026-02.csv"],
        str(tmp_path / "esr-2026-*.csv"),
    ):
        s = audit(given, "Position Title", "Occupation Code").summary
        assert s["input"]["files"] == ["esr-2026-01.csv", "esr-2026-02.csv"]
        assert s["rows"] == whole["rows"]
        assert s["statuses"] == whole["statuses"]
    r = run(str(tmp_path / "esr-2026-0[12].csv"), *COLS)
    assert r.exit_code == 0, r.output
    assert "esr-2026-01.csv and 1 more: 200 rows audited" in r.output


def test_a_ragged_row_in_the_second_file_names_that_file(tmp_path):
    (tmp_path / "a.csv").write_text("Position Title,Code\nClinical Psychologist,S1L\n")
    (tmp_path / "b.csv").write_text("Position Title,Code\nPWP,S1M\nPWP,S1M,extra\n")
    s = audit([tmp_path / "a.csv", tmp_path / "b.csv"], "Position Title", "Code").summary
    assert s["rows"] == {"audited": 2, "skipped": 1}
    assert s["problems"][0]["line"] == 3
    assert s["problems"][0]["message"].startswith("b.csv: ")


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ("Position Title,Band\nPWP,5\n", "column 2 is 'Band', not 'Code'"),
        ("Position Title,Code,Band\nPWP,S1M,5\n", "1 more column(s), from 'Band'"),
        ("Position Title\nPWP\n", "1 column(s) fewer: no 'Code'"),
        ("Position Title;Code\nPWP;S1M\n", "separated by ';'"),
    ],
)
def test_files_of_another_layout_are_refused_saying_how(tmp_path, second, message):
    (tmp_path / "a.csv").write_text("Position Title,Code\nClinical Psychologist,S1L\n")
    (tmp_path / "b.csv").write_text(second)
    r = run(str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--title-column", "Position Title")
    assert r.exit_code == 2
    assert r.output.startswith("error: b.csv: ")
    assert message in r.output


def test_parquet_files_of_another_schema_are_refused(tmp_path):
    _parquet(SAMPLE, tmp_path / "m1.parquet")
    _parquet(SAMPLE, tmp_path / "m2.parquet", typed=True)
    r = run(str(tmp_path / "m*.parquet"), "--title-column", "Position Title")
    assert r.exit_code == 2
    assert "m2.parquet: its columns differ from m1.parquet's" in r.output


def test_a_glob_matching_nothing_and_mixed_kinds_are_one_line_errors(tmp_path):
    r = run(str(tmp_path / "nothing-*.csv"), "--title-column", "x")
    assert r.exit_code == 2
    assert r.output == f"error: {tmp_path / 'nothing-*.csv'}: no file matches this pattern\n"
    pq = _parquet(SAMPLE, tmp_path / "a.parquet")
    r = run(str(pq), str(SAMPLE), "--title-column", "Position Title")
    assert r.exit_code == 2
    assert "different kinds: a.parquet (parquet), staff-extract-sample.csv (csv)" in r.output


def test_an_output_on_any_of_the_inputs_is_refused(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("Position Title\nPWP\n")
    b.write_text("Position Title\nPWP\n")
    before = b.read_bytes()
    r = run(str(a), str(b), "--title-column", "Position Title", "--output", str(b))
    assert r.exit_code == 2
    assert "one of the input files" in r.output
    assert b.read_bytes() == before


def test_the_oldest_duckdb_tested_is_the_floor_pyproject_allows():
    import re
    import tomllib

    root = Path(__file__).parents[1]
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    floor = next(re.fullmatch(r"duckdb>=([\d.]+)", d) for d in deps if d.startswith("duckdb"))
    tested = re.search(r"^OLDEST_DUCKDB := (\S+)$", (root / "Makefile").read_text(), re.M)
    assert floor is not None and tested is not None
    assert floor.group(1) == tested.group(1)


def test_an_extract_too_long_for_a_sheet_is_refused_and_nothing_is_left(tmp_path, monkeypatch):
    import pptaxonomy.audit.engine as engine

    monkeypatch.setattr(engine, "XLSX_MAX_ROWS", 200)  # the sample: 200 rows + the header
    out = tmp_path / "rows.xlsx"
    with pytest.raises(AuditError, match=r"200 rows do not fit in an XLSX sheet"):
        audit(SAMPLE, "Position Title", output=out)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(engine, "XLSX_MAX_ROWS", 201)
    audit(SAMPLE, "Position Title", output=out)
    assert out.exists()


def test_the_json_report_is_written_as_json_dumps_indent_2_would(tmp_path):
    """The report's own encoder (fast on large tables) against the json module's."""
    import json

    from pptaxonomy.audit.report import dumps_indented

    cases = [
        {},
        [],
        {"a": [], "b": {}, "c": [1, 2.5, None, True, False, 'é\n"x\u2028\\']},
        {3: "int key", 2.5: "float key", True: "bool key", None: "null key"},
        [[1, [2, []], {"x": float("nan")}], float("inf"), -0.0, 1e300, 10**30, (1, 2), ()],
        "text",
        3,
        None,
    ]
    for case in cases:
        assert dumps_indented(case) == json.dumps(case, indent=2, ensure_ascii=False), case
    result = audit(SAMPLE, profile="esr-staff-in-post", baseline=True)
    assert result.summary["tables"]["baseline"]["rows"]
    for summary in (result.summary, json.loads(json.dumps(result.summary))):
        assert dumps_indented(summary) == json.dumps(summary, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError):
        dumps_indented({"x": object()})


def test_a_copy_over_the_memory_limit_runs_again_without_it():
    """DuckDB's memory limit is the audit's target: a COPY that does not fit even spilled
    is run once more without it rather than failing the audit."""
    import duckdb

    from pptaxonomy.audit.engine import _copy

    class Con:
        def __init__(self):
            self.calls = []

        def execute(self, sql):
            self.calls.append(sql)
            if len(self.calls) == 1:
                raise duckdb.OutOfMemoryException("failed to pin block")

    con = Con()
    _copy(con, "COPY (SELECT 1) TO 'x.csv'")
    assert con.calls == [
        "COPY (SELECT 1) TO 'x.csv'",
        "RESET memory_limit",
        "COPY (SELECT 1) TO 'x.csv'",
    ]

    class Broken(Con):
        def execute(self, sql):
            raise duckdb.IOException("disk full")

    with pytest.raises(duckdb.IOException):
        _copy(Broken(), "COPY (SELECT 1) TO 'x.csv'")
