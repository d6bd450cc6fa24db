"""``pptaxonomy.spark.audit_dataframe`` on a real local Spark equals the CLI audit, row by row."""

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
