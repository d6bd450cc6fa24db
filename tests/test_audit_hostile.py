"""``pptaxonomy audit`` on hostile and messy input (the reliability probe's audit defects).

Each test fails on the audit as probed (commit 8f12b64): overwritten inputs, tracebacks,
silently lost rows, the wrong column read, temporary copies left behind.
"""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import pptaxonomy.audit.engine as engine
from pptaxonomy.audit import AuditError, audit
from pptaxonomy.audit.paths import sweep_private_folders
from pptaxonomy.cli import main

DATA = Path(__file__).parent / "data" / "audit"
EXTRACT = DATA / "extract-utf8.csv"
HEADER = "Assignment Number,Position Title,Occupation Code\n"


def run(*args: str):
    return CliRunner().invoke(main, ["audit", *args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error_line(result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0]


def rows_csv(tmp_path: Path, body: str, name: str = "in.csv") -> Path:
    src = tmp_path / name
    src.write_text(HEADER + body, encoding="utf-8")
    return src


def data_rows(n: int, start: int = 1) -> str:
    return "".join(f"A{i},Clinical Psychologist,S1L\n" for i in range(start, start + n))


# -- D2, D11: every output checked before any work -------------------------------------------


def test_report_named_like_the_input_is_refused_and_the_input_kept(tmp_path):
    src = tmp_path / "extract.json"
    src.write_bytes(EXTRACT.read_bytes())
    before = digest(src)
    line = one_error_line(run(str(src), "--title-column", "Position Title", "--report", str(src)))
    assert "input" in line
    assert digest(src) == before


def test_output_and_report_on_the_same_file_are_refused(tmp_path):
    same = tmp_path / "same.html"
    line = one_error_line(
        run(
            str(EXTRACT), "--title-column", "Position Title", "-o", str(same), "--report", str(same)
        )
    )
    assert "--output" in line and not same.exists()


def test_missing_report_folder_is_found_before_any_output_is_written(tmp_path):
    rows = tmp_path / "rows.csv"
    result = run(
        str(EXTRACT),
        "--title-column",
        "Position Title",
        "-o",
        str(rows),
        "--report",
        str(tmp_path / "r.json"),
        "--report",
        str(tmp_path / "nope" / "r.html"),
    )
    assert "nope" in one_error_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_read_only_output_folder_is_refused_before_the_audit(tmp_path, monkeypatch):
    import pptaxonomy.audit.paths as paths

    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    real = os.access
    # root may write anyway; the check is what os.access says for the user
    monkeypatch.setattr(paths.os, "access", lambda p, m: False if Path(p) == ro else real(p, m))
    called = []
    monkeypatch.setattr(engine, "_pass_one", lambda *a: called.append(a))
    try:
        result = run(str(EXTRACT), "--title-column", "Position Title", "-o", str(ro / "x.csv"))
    finally:
        ro.chmod(0o700)
    assert "not writable" in one_error_line(result) and not called


# -- D3: Ctrl-C ------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", ["_pass_one", "_summary", "_copy_out"])
def test_ctrl_c_in_any_phase_exits_130_with_one_line_and_no_leftovers(tmp_path, monkeypatch, phase):
    real = getattr(engine, phase)

    def interrupted(*args, **kwargs):
        if phase == "_copy_out":
            real(*args, **kwargs)  # the COPY ran; the interrupt comes while it is replaced
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, phase, interrupted)
    temp = tmp_path / "tmp"
    temp.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    cp1252 = DATA / "extract-cp1252.csv"  # needs a private copy
    result = run(
        str(cp1252),
        "--title-column",
        "Position Title",
        "-o",
        str(out / "rows.csv"),
        "--temp-dir",
        str(temp),
    )
    line = one_error_line(result, 130)
    assert "interrupted" in line
    assert list(out.iterdir()) == [] and list(temp.iterdir()) == []


@pytest.mark.parametrize(
    ("signum", "phase"),
    [(signal.SIGINT, "reading"), (signal.SIGTERM, "reading"), (signal.SIGINT, "writing")],
)
def test_a_signal_during_a_real_audit_exits_cleanly_and_leaves_nothing(tmp_path, signum, phase):
    src = rows_csv(tmp_path, data_rows(1_000_000))
    temp = tmp_path / "tmp"
    temp.mkdir()
    exe = Path(sys.executable).with_name("pptaxonomy")
    args = ["--title-column", "Position Title", "--code-column", "Occupation Code"]
    proc = subprocess.Popen(
        [str(exe), "audit", str(src), *args, "-o", str(tmp_path / "rows.csv")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, TMPDIR=str(temp)),
    )

    def started() -> bool:
        if phase == "reading":  # the private folder exists once the audit has started
            # (not any entry: tempfile's own writability probe passes through TMPDIR first,
            # and a signal landing inside it would leave that probe file behind)
            return any(p.name.startswith("pptaxonomy-audit-") for p in temp.iterdir())
        return any(p.name.startswith(".rows.csv.") for p in tmp_path.iterdir())

    deadline = time.monotonic() + 30
    while not started() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    assert proc.poll() is None, "the audit finished before the signal"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "tmp"]
    assert [(p.name, p.is_dir(), p.stat().st_size) for p in temp.iterdir()] == []


# -- D4 and the rest: a battery of bad arguments ----------------------------------------------


@pytest.mark.parametrize(
    "encoding", ["utf-32", "idna", "undefined", "rot13", "base64", "hex", "zlib", "klingon"]
)
def test_unusable_encodings_are_one_line_errors(encoding):
    line = one_error_line(
        run(str(EXTRACT), "--title-column", "Position Title", "--encoding", encoding)
    )
    assert encoding in line


def test_explicit_utf8_is_not_silently_replaced(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(HEADER.encode() + b"A1,Clinical Psychologist,S1L\nA2,Caf\xe9 Counsellor,S1L\n")
    summary = audit(src, "Position Title", encoding="utf-8").summary
    assert summary["input"]["encoding"] == "utf-8"
    assert summary["rows"] == {"audited": 1, "skipped": 1}


def _xlsx(path: Path) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active.append(["Position Title"])
    wb.active.append(["Clinical Psychologist"])
    wb.save(path)
    return path


BAD = {
    "missing file": (lambda t: [str(t / "nope.csv"), "--title-column", "x"], "no such file"),
    "folder": (lambda t: [str(t), "--title-column", "x"], "not a file"),
    "xls": (
        lambda t: [
            _write(t / "a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
            "--title-column",
            "x",
        ],
        "OLE2",
    ),
    "gzip": (
        lambda t: [_write(t / "a.csv.gz", b"\x1f\x8b\x08\0" + b"\0" * 100), "--title-column", "x"],
        "gzip",
    ),
    "parquet": (
        lambda t: [_write(t / "a.parquet", b"PAR1" + b"\0" * 100), "--title-column", "x"],
        "not a readable Parquet file",
    ),
    "missing column": (lambda t: [str(EXTRACT), "--title-column", "Nope"], "columns found"),
    "no sheet": (
        lambda t: [str(_xlsx(t / "a.xlsx")), "--title-column", "Position Title", "--sheet", "Nope"],
        "sheets found",
    ),
    "report suffix": (
        lambda t: [str(EXTRACT), "--title-column", "Position Title", "--report", str(t / "r.pdf")],
        ".json or .html",
    ),
    "output is input": (
        lambda t: [str(EXTRACT), "--title-column", "Position Title", "-o", str(EXTRACT)],
        "input",
    ),
    "output folder missing": (
        lambda t: [str(EXTRACT), "--title-column", "Position Title", "-o", str(t / "no" / "r.csv")],
        "does not exist",
    ),
    "temp dir missing": (
        lambda t: [
            str(DATA / "extract-cp1252.csv"),
            "--title-column",
            "Position Title",
            "--temp-dir",
            str(t / "no"),
        ],
        "--temp-dir",
    ),
}


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_arguments_are_one_line_errors_with_exit_2(tmp_path, case):
    make, expected = BAD[case]
    line = one_error_line(run(*make(tmp_path)))
    assert expected in line


def test_an_unknown_fail_on_status_is_a_usage_error():
    result = run(str(EXTRACT), "--title-column", "Position Title", "--fail-on", "nope")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_missing_column_error_does_not_print_a_whole_long_row(tmp_path):
    src = tmp_path / "noheader.csv"
    src.write_text("A1," + "x" * 500 + ",S1L\n" + data_rows(3), encoding="utf-8")
    line = one_error_line(run(str(src), "--title-column", "Position Title"))
    assert "x" * 100 not in line


# -- D5: bad quoting -------------------------------------------------------------------------


def test_an_unterminated_quote_late_counts_and_names_the_lines_it_swallowed(tmp_path):
    src = rows_csv(tmp_path, data_rows(3000) + 'A9,"Open quote,S1L\n' + data_rows(10, 5000))
    summary = audit(src, "Position Title", "Occupation Code").summary
    assert summary["rows"]["audited"] == 3000
    assert summary["rows"]["skipped"] == 11
    (problem,) = summary["problems"]
    assert problem["line"] == 3002 and "3002-3012" in problem["message"]


def test_a_bad_record_near_the_top_is_a_skipped_row_not_a_failed_file(tmp_path):
    src = rows_csv(tmp_path, 'A0,"Counsellor "CfD"",S1L\n' + data_rows(20))
    summary = audit(src, "Position Title", "Occupation Code").summary
    assert summary["rows"] == {"audited": 20, "skipped": 1}
    assert summary["problems"][0]["line"] == 2


# -- D6: skipped rows ------------------------------------------------------------------------


def test_an_audit_that_skipped_every_row_exits_2(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(HEADER.rstrip("\n") + ",Start Date,\n" + data_rows(5), encoding="utf-8")
    result = run(str(src), "--title-column", "Position Title", "--fail-on", "code-mismatch")
    assert result.exit_code == 2
    assert "every row was skipped" in result.output


def test_fail_on_skipped(tmp_path):
    src = rows_csv(tmp_path, data_rows(5) + "A9,too,many,fields\n")
    assert run(str(src), "--title-column", "Position Title").exit_code == 0
    result = run(str(src), "--title-column", "Position Title", "--fail-on", "skipped")
    assert result.exit_code == 1 and "skipped 1" in result.output


# -- D7: column names ------------------------------------------------------------------------


def test_the_exact_column_name_wins_and_the_output_keeps_the_input_header(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        "position title,Position Title,Occupation Code\n"
        "Staff Nurse,Clinical Psychologist,S1L\nStaff Nurse,Clinical Psychologist,S1L\n",
        encoding="utf-8",
    )
    out = tmp_path / "rows.csv"
    summary = audit(src, "Position Title", "Occupation Code", output=out).summary
    assert summary["statuses"]["consistent"] == 2
    assert any("position title" in w.casefold() for w in summary["warnings"])
    with out.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header[:3] == ["position title", "Position Title", "Occupation Code"]


def test_two_case_variants_and_neither_exact_is_an_error(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("position title,POSITION TITLE\nA,B\n", encoding="utf-8")
    with pytest.raises(AuditError, match="could be any of"):
        audit(src, "Position Title")


# -- D9: temporary files ---------------------------------------------------------------------


def test_copies_go_in_temp_dir_and_are_removed(tmp_path, monkeypatch):
    import pptaxonomy.audit.reading as reading

    seen = []
    real = reading._transcode_raw

    def spy(src, dst, enc):
        seen.append(Path(dst))
        real(src, dst, enc)

    monkeypatch.setattr(reading, "_transcode_raw", spy)
    temp = tmp_path / "private"
    temp.mkdir()
    audit(DATA / "extract-cp1252.csv", "Position Title", temp_dir=temp)
    assert seen and all(temp in p.parents for p in seen)
    assert [(p.name, p.is_dir(), p.stat().st_size) for p in temp.iterdir()] == []


def test_stale_private_folders_and_output_temp_files_are_swept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"pptaxonomy-audit-{dead.pid}-abc"
    stale.mkdir()
    (stale / "input-utf8.csv").write_text("secret")
    mine = tmp_path / f"pptaxonomy-audit-{os.getpid()}-keep"
    mine.mkdir()
    sweep_private_folders(tmp_path)
    assert not stale.exists() and mine.exists()

    out = tmp_path / "rows.csv"
    old = tmp_path / ".rows.csv.x1.tmp"
    old.write_text("partial")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    audit(EXTRACT, "Position Title", output=out)
    assert out.exists() and not old.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("tmp_", ".rows"))]


# -- XLSX: the reader, hidden sheets, banner rows (D18) ----------------------------------------


def _workbook(path: Path, *, hidden_first: bool = False, banner: bool = False) -> Path:
    import datetime

    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    if hidden_first:
        wb.active.title = "Lookups"
        wb.active.append(["code", "meaning"])
        wb.active.sheet_state = "hidden"
        ws = wb.create_sheet("Data")
    else:
        ws = wb.active
        ws.title = "Data"
    if banner:
        ws.append(["Workforce extract, March"])
        ws.append([])
    ws.append(["Assignment", "Position Title", "Occupation Code", "Start"])
    ws.append(["X1", "Clinical Psychologist", "S1L", datetime.date(2024, 1, 5)])
    ws.append(["X2", "PWP", 55, datetime.datetime(2024, 1, 5)])
    ws.append(["X3", "Staff Nurse", datetime.date(2024, 1, 5), 1.0])
    wb.save(path)
    return path


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_both_xlsx_readers_read_the_same(tmp_path, monkeypatch, reader):
    if reader == "openpyxl":
        monkeypatch.setitem(sys.modules, "python_calamine", None)  # import fails
    src = _workbook(tmp_path / "a.xlsx", hidden_first=True, banner=True)
    out = tmp_path / "rows.csv"
    summary = audit(src, "Position Title", "Occupation Code", "Assignment", output=out).summary
    assert summary["input"]["sheet"] == "Data"
    assert any("hidden sheet(s) skipped: Lookups" in w for w in summary["warnings"])
    assert any("looks like a title" in w for w in summary["warnings"])
    with out.open(encoding="utf-8", newline="") as fh:
        rows = {r["Assignment"]: r for r in csv.DictReader(fh)}
    assert rows["X1"]["Start"] == "2024-01-05" or rows["X1"]["Start"].startswith("2024-01-05")
    assert rows["X1"]["pp_status"] == "consistent"
    assert rows["X2"]["Occupation Code"] == "55"
    assert rows["X3"]["pp_status"] == "invalid-code"  # a date in the code column
    assert rows["X3"]["Start"] == "1"


def test_an_empty_sheet_names_the_other_sheets(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    wb.create_sheet("Data").append(["Position Title"])
    src = tmp_path / "a.xlsx"
    wb.save(src)
    with pytest.raises(AuditError, match="sheets found: Cover, Data; use --sheet"):
        audit(src, "Position Title")


# -- DuckDB 1.x: Python lists go in as one text parameter ---------------------------------------


@pytest.mark.parametrize("values", [[], ["a"], ["", "b\x1fc", None], ["x", "", None, "O'Brien"]])
def test_rows_of_gives_the_rows_back_whichever_way_it_sends_them(values):
    import duckdb

    from pptaxonomy.audit.results import rows_of

    texts = ["" if v is None else v for v in values]
    select, params = rows_of(
        [("t", "VARCHAR", texts), ("n", "VARCHAR?", values), ("i", "INTEGER", range(len(values)))]
    )
    got = duckdb.connect().execute(f"{select}", params).fetchall()
    assert got == [(t, v or None, i) for i, (t, v) in enumerate(zip(texts, values, strict=True))]


def test_a_title_holding_the_separator_is_audited(tmp_path):
    src = rows_csv(tmp_path, "A1,Clinical\x1fPsychologist,S1L\n" + data_rows(2))
    out = tmp_path / "rows.csv"
    summary = audit(src, "Position Title", "Occupation Code", output=out).summary
    assert summary["rows"]["audited"] == 3 and summary["distinct_titles"] == 2


# -- D22: blank lines --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Position Title\nClinical Psychologist\n\nCounsellor\n\n\nPWP\n",
        "Position Title,Code\nClinical Psychologist,S1L\n\nCounsellor,S1M\n\n\nPWP,S1L\n",
    ],
    ids=["one column", "two columns"],
)
def test_blank_lines_are_ignored_whatever_the_width(tmp_path, text):
    src = tmp_path / "in.csv"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "rows.csv"
    summary = audit(src, "Position Title", output=out).summary
    assert summary["rows"] == {"audited": 3, "skipped": 0}
    with out.open(encoding="utf-8", newline="") as fh:
        titles = [r["Position Title"] for r in csv.DictReader(fh)]
    assert sorted(titles) == ["Clinical Psychologist", "Counsellor", "PWP"]


def test_short_rows_are_skipped_with_their_lines_never_padded(tmp_path):
    # D6's decision (docs/audit.md, "Short rows are skipped, never padded").
    src = tmp_path / "in.csv"
    src.write_text(
        "Assignment Number,Position Title,Occupation Code,Start\n"
        "A1,Clinical Psychologist,S1L,2024\n"
        "A2,Clinical Psychologist,S1L\n"  # a dropped trailing field
        "A3,Counsellor\n"  # two dropped
        "S1L,2024\n"  # a lost middle field: padding would read 2024 as the code
        "A5,Counsellor,S1M,2024,\n",  # one extra trailing empty field: read
        encoding="utf-8",
    )
    out = tmp_path / "rows.csv"
    summary = audit(src, "Position Title", "Occupation Code", output=out).summary
    assert summary["rows"] == {"audited": 2, "skipped": 3}
    assert [(p["line"], p["code"]) for p in summary["problems"]] == [
        (3, "ragged-row"),
        (4, "ragged-row"),
        (5, "ragged-row"),
    ]
    assert "row has 2 fields; the header has 4" in summary["problems"][1]["message"]
    with out.open(encoding="utf-8", newline="") as fh:
        assert sorted(r["Assignment Number"] for r in csv.DictReader(fh)) == ["A1", "A5"]
    result = run(str(src), "--title-column", "Position Title", "--fail-on", "skipped")
    assert result.exit_code == 1 and "skipped 3" in result.output
