"""``pptaxonomy.spark`` on a real local Spark: ``audit_dataframe`` equals the CLI audit row by
row, ``baseline_dataframe`` the CLI's baseline cell by cell."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="the spark extra is not installed (make spark-deps)")
if shutil.which("java") is None:
    pytest.skip("no Java runtime (make spark-deps installs it)", allow_module_level=True)

from pptaxonomy.audit import PP_COLUMNS, audit

SAMPLE = Path(__file__).parents[1] / "samples" / "staff-extract-sample.csv"
TITLE, CODE, KEY = "Position Title", "Occupation Code", "Assignment Number"


@pytest.fixture(scope="session")
def spark():
    import os
    import sys

    from pyspark.sql import SparkSession

    # The executors' Python is this one, with pptaxonomy and pyarrow in it.
    os.environ["PYSPARK_PYTHON"] = sys.executable

    session = (
        SparkSession.builder.master("local[2]")
        .appName("pptaxonomy-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_audit_dataframe_over_monthly_parquet_snapshots_equals_the_cli_audit(spark, tmp_path):
    import duckdb

    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    cols = ", ".join(f"'{h}': 'VARCHAR'" for h in header)
    snaps = tmp_path / "snapshots"
    snaps.mkdir()
    con = duckdb.connect()
    for month in ("2025-01", "2025-02", "2025-03"):
        con.execute(
            f"COPY (SELECT *, '{month}' AS month FROM read_csv('{SAMPLE}', header = true, "
            f"columns = {{{cols}}})) TO '{snaps}/{month}.parquet' (FORMAT parquet)"
        )
    cli_out = tmp_path / "cli.csv"
    audit(SAMPLE, TITLE, CODE, KEY, output=cli_out)
    expected = {}
    with cli_out.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            expected[row[KEY]] = tuple(row[c] for c in PP_COLUMNS)

    from pptaxonomy.spark import audit_dataframe

    out = audit_dataframe(spark.read.parquet(str(snaps)), TITLE, CODE)
    rows = out.select(KEY, "month", *PP_COLUMNS).collect()
    assert len(rows) == 3 * len(expected)
    for r in rows:
        got = tuple(r[c] or "" for c in PP_COLUMNS)
        assert got == expected[r[KEY]], (r[KEY], r["month"])
    assert len({r["pp_status"] for r in rows}) >= 4


def _monthly_parquet(tmp_path: Path) -> tuple[Path, Path]:
    """The baseline tests' ESR-like extract (persons with 1-3 assignments, bands, FTE with
    decimal commas and junk) as one Parquet file per census date, every column text."""
    import duckdb

    from tests.test_audit_baseline import _extract

    src = tmp_path / "extract.csv"
    _extract(src, 6_000)
    snaps = tmp_path / "snapshots"
    snaps.mkdir()
    con = duckdb.connect()
    read = f"read_csv('{src}', header = true, all_varchar = true)"
    for (date,) in con.execute(f'SELECT DISTINCT "Census Date" FROM {read}').fetchall():
        con.execute(
            f"COPY (SELECT * FROM {read} WHERE \"Census Date\" = '{date}') "
            f"TO '{snaps}/{date}.parquet' (FORMAT parquet)"
        )
    assert len(list(snaps.glob("*.parquet"))) >= 2
    return src, snaps


BASELINE_OPTIONS = {
    "band_column": "AfC Band",
    "person_column": "Employee Number",
    "fte_column": "FTE",
    "org_column": "Organisation",
    "date_column": "Census Date",
}


def test_baseline_dataframe_equals_the_cli_baseline_cell_by_cell(spark, tmp_path):
    from pptaxonomy.audit.baseline import BASELINE_COLUMNS
    from pptaxonomy.spark import baseline_dataframe

    _, snaps = _monthly_parquet(tmp_path)
    cli = audit(
        str(snaps / "*.parquet"),
        "Position Title",
        "Occupation Code",
        "Assignment Number",
        baseline=True,
        **BASELINE_OPTIONS,
    )
    expected = cli.tables["baseline"]
    assert tuple(expected["columns"]) == BASELINE_COLUMNS
    df = spark.read.parquet(str(snaps))
    got = baseline_dataframe(df, "Position Title", "Occupation Code", **BASELINE_OPTIONS)
    assert tuple(got.columns) == BASELINE_COLUMNS
    rows = [tuple(r) for r in got.collect()]
    assert len(rows) == len(expected["rows"]) > 100
    for i, (g, e) in enumerate(zip(rows, expected["rows"], strict=True)):
        assert g == tuple(e), (i, g, e)
    # The band set levels (band-derived rows exist) and both certainties are counted.
    out = audit_dataframe_rows(spark, snaps)
    assert any(m and m.endswith("+band") for m in out)
    assert {r[BASELINE_COLUMNS.index("certainty")] for r in rows} == {"matched", "possible", "ALL"}


def audit_dataframe_rows(spark, snaps: Path) -> list[str | None]:
    from pptaxonomy.spark import audit_dataframe

    df = spark.read.parquet(str(snaps))
    out = audit_dataframe(df, "Position Title", "Occupation Code", band_column="AfC Band")
    return [r["pp_method"] for r in out.select("pp_method").distinct().collect()]


def test_baseline_dataframe_without_person_fte_or_organisation(spark, tmp_path):
    from pptaxonomy.spark import baseline_dataframe

    _, snaps = _monthly_parquet(tmp_path)
    cli = audit(
        str(snaps / "*.parquet"), "Position Title", "Occupation Code", date_column="Census Date"
    )
    df = spark.read.parquet(str(snaps))
    got = baseline_dataframe(df, "Position Title", "Occupation Code", date_column="Census Date")
    rows = [tuple(r) for r in got.collect()]
    assert rows == [tuple(r) for r in cli.tables["baseline"]["rows"]]
    # No person: headcount empty; no FTE: every assignment counts; no organisation: ALL.
    assert rows and all(r[1] == "ALL" and r[7] is None and r[8] is None for r in rows)


def test_audit_dataframe_with_a_band_equals_the_cli_audit(spark, tmp_path):
    from pptaxonomy.spark import audit_dataframe

    src, snaps = _monthly_parquet(tmp_path)
    out = tmp_path / "cli.csv"
    audit(
        src,
        "Position Title",
        "Occupation Code",
        "Assignment Number",
        output=out,
        band_column="AfC Band",
    )
    with out.open(encoding="utf-8", newline="") as fh:
        expected = {
            r["Assignment Number"]: tuple(r[c] for c in PP_COLUMNS) for r in csv.DictReader(fh)
        }
    df = spark.read.parquet(str(snaps))
    got = audit_dataframe(df, "Position Title", "Occupation Code", band_column="AfC Band")
    rows = got.select("Assignment Number", *PP_COLUMNS).collect()
    assert len(rows) == len(expected)
    checks = set()
    for r in rows:
        assert tuple(r[c] or "" for c in PP_COLUMNS) == expected[r["Assignment Number"]]
        checks.add(r["pp_band_check"])
    assert {"sets-level", "band-mismatch"} <= checks


def test_the_spark_sql_key_equals_title_key_on_every_corpus_title_and_edge_case(spark):
    """The ``spark`` form of the SQL key, run by Spark SQL itself (Java regexes, Spark's string
    literal escapes), equals ``title_key`` on every development title and edge case."""
    from pptaxonomy.sqlkey import key_sql, title_key

    from .test_sqlkey import EDGES, dev_titles

    titles = [*dev_titles(), *EDGES, "O'Brien's \\ `x` Psychologist"]
    frame = spark.createDataFrame(list(enumerate(titles)), "i int, title string")
    frame.createOrReplaceTempView("pp_key_titles")
    rows = spark.sql(
        f"SELECT i, {key_sql('title', 'spark')} AS k FROM pp_key_titles ORDER BY i"
    ).collect()
    bad = [(titles[i], k, title_key(titles[i])) for i, k in rows if k != title_key(titles[i])]
    assert len(rows) == len(titles)
    assert bad == []
