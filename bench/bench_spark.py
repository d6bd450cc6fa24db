"""The audit as a Spark job on ``local[2]``: speed, time in the matcher, and DuckDB's answer.

    python bench/bench_spark.py [--rows 10000000] [--keep DIR]

Writes ``--rows`` rows of Parquet as 12 monthly snapshots (one file per month, every column
text, with a ``Census Date``), drawn from a pool of rows made by ``bench_audit.generate``
(its NHS-like titles, codes, bands, organisations and FTE; up to 500,000 pool rows, so the
distinct titles are those of the bench extract). Then:

* ``pptaxonomy.spark.audit_dataframe`` over the folder on ``local[2]``, written to Parquet:
  wall time and rows/s;
* the matcher's share of it: the time of the distinct (title, code, band) triples with
  their readings (``mapInArrow``) less the time of the distinct triples alone, over the
  audit's time (each stage is timed on its own, so the share is an estimate);
* the DuckDB path (``pptaxonomy.audit.audit`` over the same Parquet glob, its row output)
  and the Spark output compared as multisets of rows (every input column and every
  ``pp_*`` column, NULL read as empty): the rows in one and not the other, both ways
  (``EXCEPT ALL``); 0 is equality row for row.

Every figure is printed; timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_audit import generate

TITLE, CODE, KEY, BAND = "Position Title", "Occupation Code", "Assignment Number", "AfC Band"
MONTHS = [f"2025-{m:02d}-01" for m in range(1, 13)]
POOL_MAX = 500_000


def write_snapshots(folder: Path, rows: int, tmp: Path) -> None:
    """12 Parquet files of about ``rows / 12`` rows each, drawn from the generated pool."""
    import duckdb

    pool = tmp / "pool.csv"
    pool_rows = min(rows, POOL_MAX)
    generate(pool, pool_rows)
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE pool AS SELECT row_number() OVER () - 1 AS i, * FROM "
        f"read_csv('{pool}', header = true, all_varchar = true)"
    )
    folder.mkdir(parents=True)
    per = -(-rows // 12)
    for n, month in enumerate(MONTHS):
        count = min(per, rows - n * per)
        # Each month draws its rows from the pool by a hash: the same titles recur monthly.
        con.execute(
            f"COPY (SELECT p.* EXCLUDE (i), '{month}' AS \"Census Date\" FROM range({count}) r "
            f"JOIN pool p ON p.i = hash(r.range, {n}) % {pool_rows}) "
            f"TO '{folder}/{month}.parquet' (FORMAT parquet)"
        )
    con.close()


def spark_session():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    return (
        SparkSession.builder.master("local[2]")
        .appName("pptaxonomy-bench")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def compare(duck_csv: Path, spark_parquet: Path, columns: list[str]) -> tuple[int, int, int]:
    """(rows of the DuckDB output, rows only in DuckDB's, rows only in Spark's)."""
    import duckdb

    def q(c: str) -> str:
        return '"' + c.replace('"', '""') + '"'

    cols = ", ".join(f"coalesce({q(c)}, '') AS {q(c)}" for c in columns)
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW a AS SELECT {cols} FROM read_csv('{duck_csv}', header = true, "
        f"all_varchar = true)"
    )
    con.execute(f"CREATE VIEW b AS SELECT {cols} FROM read_parquet('{spark_parquet}/*.parquet')")
    n = con.execute("SELECT count(*) FROM a").fetchone()[0]
    only_a = con.execute("SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b)")
    only_a = only_a.fetchone()[0]
    only_b = con.execute("SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a)")
    return n, only_a, only_b.fetchone()[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--keep", type=Path, help="work in this (new) folder and keep it")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-spark-")) if args.keep is None else args.keep
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        snaps = tmp / "snapshots"
        t_gen = timed(lambda: write_snapshots(snaps, args.rows, tmp))
        print(f"rows: {args.rows:,} in 12 monthly Parquet files (written in {t_gen:.1f} s)")

        from pyspark.sql import functions as F

        from pptaxonomy.audit import PP_COLUMNS, audit
        from pptaxonomy.spark import _B, _C, _SCHEMA, _T, _read_triples, _text, audit_dataframe

        t0 = time.perf_counter()
        spark = spark_session()
        df = spark.read.parquet(str(snaps))
        columns = df.columns
        print(f"spark start-up: {time.perf_counter() - t0:.1f} s")

        keys = df.select(
            _text(TITLE).alias(_T), _text(CODE).alias(_C), _text(BAND).alias(_B)
        ).distinct()
        n_keys = keys.count()  # warm: reads the files once
        t_keys = timed(lambda: keys.write.format("noop").mode("overwrite").save())
        readings = keys.mapInArrow(_read_triples, _SCHEMA)
        t_read = timed(lambda: readings.write.format("noop").mode("overwrite").save())
        out = tmp / "spark-out"
        audited = audit_dataframe(df, TITLE, CODE, band_column=BAND)
        t_audit = timed(lambda: audited.write.mode("overwrite").parquet(str(out)))
        titles = df.select(F.col(f"`{TITLE}`")).distinct().count()
        spark.stop()
        share = max(t_read - t_keys, 0.0) / t_audit
        print(f"distinct titles: {titles:,}; distinct (title, code, band): {n_keys:,}")
        print(
            f"spark audit (local[2], written to Parquet): {t_audit:.1f} s, "
            f"{args.rows / t_audit:,.0f} rows/s"
        )
        print(
            f"  distinct triples alone {t_keys:.1f} s; with their readings {t_read:.1f} s; "
            f"matcher share of the audit about {100 * share:.0f} %"
        )

        duck_csv = tmp / "duckdb-out.csv"
        t_duck = timed(
            lambda: audit(
                str(snaps / "*.parquet"), TITLE, CODE, KEY, output=duck_csv, band_column=BAND
            )
        )
        print(f"duckdb audit (pptaxonomy.audit.audit, CSV out): {t_duck:.1f} s")
        n, only_duck, only_spark = compare(duck_csv, out, [*columns, *PP_COLUMNS])
        same = "equal row for row" if only_duck == only_spark == 0 else "DIFFERENT"
        print(
            f"compare: {n:,} DuckDB rows; only in DuckDB's {only_duck:,}, only in Spark's "
            f"{only_spark:,}: {same}"
        )
        return 0 if only_duck == only_spark == 0 and n == args.rows else 1
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
