"""Lines over DuckDB's 2 MB line limit (the probe's D5, low part): a skipped row with its
line number and size, wherever it is; never a failed file at "line 1" nor a silent drop."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pptaxonomy.audit import audit

HEADER = "Assignment Number,Position Title,Occupation Code\n"


def _rows(n: int, start: int = 1) -> str:
    return "".join(f"A{i},Clinical Psychologist,S1L\n" for i in range(start, start + n))


@pytest.mark.parametrize(
    ("before", "where"),
    [(4, "title"), (4, "other"), (30_000, "title")],
    ids=["near the top, title", "near the top, another column", "late"],
)
def test_a_line_over_2_mb_is_a_skipped_row_with_its_line(tmp_path: Path, before: int, where):
    blob = "x" * 3_000_000
    long_row = f"A0,{blob},S1L\n" if where == "title" else f"A0,Clinical Psychologist,{blob}\n"
    src = tmp_path / "in.csv"
    src.write_text(HEADER + _rows(before) + long_row + _rows(5, 90_000), encoding="utf-8")
    out = tmp_path / "rows.csv"
    summary = audit(src, "Position Title", "Occupation Code", output=out).summary
    assert summary["rows"] == {"audited": before + 5, "skipped": 1}
    (problem,) = summary["problems"]
    assert problem["line"] == before + 2 and problem["code"] == "line-too-long"
    assert "3,000,0" in problem["message"] and "x" * 50 not in problem["message"]
    with out.open(encoding="utf-8", newline="") as fh:
        keys = [r["Assignment Number"] for r in csv.DictReader(fh)]
    assert len(keys) == before + 5 and "A0" not in keys


def test_two_long_lines_in_a_cp1252_file_are_both_reported(tmp_path: Path):
    src = tmp_path / "in.csv"
    text = HEADER + _rows(3) + "A0," + "\xe9" * 2_500_000 + ",S1L\n" + _rows(2, 10)
    text += "B0,Counsellor," + "y" * 2_200_000 + "\n" + _rows(2, 20)
    src.write_bytes(text.encode("cp1252"))
    summary = audit(src, "Position Title", "Occupation Code").summary
    assert summary["input"]["encoding"] == "cp1252"
    assert summary["rows"] == {"audited": 7, "skipped": 2}
    assert [(p["line"], p["code"]) for p in summary["problems"]] == [
        (5, "line-too-long"),
        (8, "line-too-long"),
    ]
