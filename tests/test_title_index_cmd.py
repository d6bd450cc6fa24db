"""``pptaxonomy title-index``: an organisation's own titles as rows of the SQL path's index."""

from __future__ import annotations

import csv

import duckdb
from click.testing import CliRunner

from pptaxonomy.cli import main
from pptaxonomy.export.title_index import COLUMNS
from tests.test_sqlkey import INDEX, REPO

SHIPPED = REPO / "mappings" / "title-index.csv"
TITLES = [
    "Clinical Psychologist",  # in the shipped index
    "Snr. Clinical Psychologist - CAMHS (Band 8a)",
    "HIGH INTENSITY THERAPIST - NHS TALKING THERAPIES (Bank)",
    "Staff Nurse (Team 4)",
    "caf\u00e9 worker",  # not printable ASCII: no SQL key
]


def run(*args: str):
    return CliRunner().invoke(main, ["title-index", *args])


def read_csv(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_lines_and_csv_columns_give_the_shipped_index_rows(tmp_path):
    lines = tmp_path / "titles.txt"
    lines.write_text("\n".join([*TITLES, "", TITLES[0]]) + "\n", encoding="utf-8")
    out = tmp_path / "own.csv"
    result = run(str(lines), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "4 keys from 5 distinct titles; 1 titles have no SQL key" in result.output
    rows = read_csv(out)
    assert rows[0] == [c for c, _ in COLUMNS]
    assert len(rows) == 5
    assert rows[1:] == sorted(rows[1:])  # sorted by key, as the shipped index
    shipped = {r[0]: r for r in read_csv(SHIPPED)[1:]}
    assert shipped["clinical psychologist"] in rows  # the same row as the shipped index's
    by_key = {r[0]: r for r in rows[1:]}
    snr = by_key["snr clinical psychologist | camhs | band 8a"]
    assert snr[1:5] == ["clinical-psychologist", "psychologists", "senior", "matched"]
    # The same titles as a CSV column, written as Parquet: the same table.
    posts = tmp_path / "posts.csv"
    with posts.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Assignment", "Position Title"])
        w.writerows([i, t] for i, t in enumerate(TITLES))
    pq = tmp_path / "own.parquet"
    result = run(str(posts), "--title-column", "Position Title", "-o", str(pq))
    assert result.exit_code == 0, result.output
    con = duckdb.connect()
    got = con.execute(f"SELECT * FROM '{pq}' ORDER BY title_key").fetchall()
    assert [d[0] for d in con.description] == [c for c, _ in COLUMNS]
    assert (
        con.execute(f"DESCRIBE SELECT * FROM '{pq}'").fetchall()
        == con.execute(f"DESCRIBE SELECT * FROM '{INDEX}'").fetchall()
    )
    assert [r[0] for r in got] == [r[0] for r in rows[1:]]


def test_bad_input_exits_2_names_the_file_and_line_and_writes_nothing(tmp_path):
    posts = tmp_path / "posts.csv"
    posts.write_text("Assignment,Title\n1,Clinical Psychologist\n", encoding="utf-8")
    before = posts.read_bytes()
    out = tmp_path / "own.csv"
    result = run(str(posts), "--title-column", "Position Title", "-o", str(out))
    assert result.exit_code == 2
    assert "posts.csv, line 1: no column 'Position Title' (columns: Assignment, Title)" in (
        result.output
    )
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Clinical Psychologist\nCaf\xe9 worker\n")
    result = run(str(bad), "-o", str(out))
    assert result.exit_code == 2
    assert "bad.txt, line 2: not UTF-8 text" in result.output
    result = run(str(posts), "-o", str(tmp_path / "own.xlsx"))
    assert result.exit_code == 2 and "must end in .csv or .parquet" in result.output
    result = run(str(posts), "-o", str(posts))
    assert result.exit_code == 2 and "is an input file" in result.output
    assert not out.exists() and not (tmp_path / "own.xlsx").exists()
    assert posts.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt", "posts.csv"]
