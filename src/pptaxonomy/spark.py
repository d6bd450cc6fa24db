"""The audit's ``pp_*`` columns and the workforce baseline on a Spark DataFrame (extra ``spark``).

    >>> from pptaxonomy.spark import audit_dataframe, baseline_dataframe  # doctest: +SKIP
    >>> df = spark.read.parquet("/mnt/esr/snapshots/")  # doctest: +SKIP
    >>> out = audit_dataframe(df, "Position Title", "Occupation Code")  # doctest: +SKIP
    >>> base = baseline_dataframe(df, "Position Title", "Occupation Code",
    ...     person_column="Employee Number", fte_column="FTE",
    ...     org_column="Organisation", date_column="Census Date")  # doctest: +SKIP

Only the distinct (title, code, band) triples go through Python: ``mapInArrow`` reads them
on the executors (each builds the matcher once from the taxonomy inside the installed
package; no file or network), and the result, a small table, is joined back to the rows.
The values are the CLI audit's (``pptaxonomy.audit``): the same matcher, band rule
(``audit.bands``), expected codes, ``row_status`` and certainty; an empty or NULL field is
the empty title / code / band, as there, and every column is read as text, as the CLI reads
Parquet. The baseline is ``audit.baseline``'s SQL run by ``spark.sql``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from .audit import PP_COLUMNS

__all__ = ["audit_dataframe", "baseline_dataframe"]

_T, _C, _B = "__pp_t", "__pp_c", "__pp_b"
#: The schema of ``_read_triples``'s output.
_SCHEMA = ", ".join(f"`{n}` string" for n in (_T, _C, _B, *PP_COLUMNS))


def _reading(res: Any, m: Any, raw: str, band: str) -> dict[str, Any]:
    """The ``pp_*`` values of a row whose title reads as ``m``, with code ``raw`` and band
    ``band`` (``''``: none), as ``_Results.register_bands`` and ``register_statuses`` make
    them for the CLI audit."""
    from .audit import clean_code, code_state, row_status
    from .audit.bands import band_level, title_gives_level
    from .audit.results import row_certainty

    tax = res.taxonomy
    exp = res.expected_codes(m)
    level, method, check = m.level_id, m.method, None
    if band and m.status == "matched":
        r = band_level(tax, m.profession_id, m.level_id, title_gives_level(m), band)
        exp = res.expected_codes(m, r.level_id)
        if r.level_id != m.level_id or r.check == "sets-level":
            method = f"{m.method}+band"
        level, check = r.level_id, r.check
    code = clean_code(raw)
    status = row_status(m.status, exp, code_state(code, tax), code)
    return {
        "pp_profession_id": m.profession_id or None,
        "pp_level_id": level or None,
        "pp_score": f"{m.score:.2f}",
        "pp_method": method or None,
        "pp_expected_codes": " ".join(exp) or None,
        "pp_status": status,
        "pp_group_id": getattr(m, "group_id", None) or None,
        "pp_certainty": row_certainty(m.status, status),
        "pp_band_check": check,
    }


def _read_triples(batches: Iterator[Any]) -> Iterator[Any]:
    """Executor side: one output row per (title, raw code, band) row of each Arrow batch."""
    import pyarrow as pa

    from .audit import _Results
    from .loader import load
    from .matcher import matcher_for

    tax = load()
    matcher = matcher_for(tax)
    res = _Results(tax)
    seen: dict[str, Any] = {}
    for batch in batches:
        cols: dict[str, list[Any]] = {n: [] for n in (_T, _C, _B, *PP_COLUMNS)}
        for t, raw, b in zip(*(batch.column(i).to_pylist() for i in range(3)), strict=True):
            m = seen.get(t)
            if m is None:
                m = seen[t] = matcher.match(t)
            for k, v in ((_T, t), (_C, raw), (_B, b), *_reading(res, m, raw, b).items()):
                cols[k].append(v)
        yield pa.RecordBatch.from_pydict(cols)


def _text(name: str | None) -> Any:
    """The column as text, NULL and empty as ``''`` (the CLI's reading of a field)."""
    from pyspark.sql import functions as F

    if not name:
        return F.lit("")
    return F.coalesce(F.col(f"`{name.replace('`', '``')}`").cast("string"), F.lit(""))


def _with_readings(
    df: Any, title_column: str, code_column: str | None, band_column: str | None
) -> Any:
    """``df`` (minus any ``pp_*`` columns) with the key columns and the readings joined."""
    base = df.drop(*[x for x in df.columns if x.casefold() in PP_COLUMNS])
    base = (
        base.withColumn(_T, _text(title_column))
        .withColumn(_C, _text(code_column))
        .withColumn(_B, _text(band_column))
    )
    readings = base.select(_T, _C, _B).distinct().mapInArrow(_read_triples, _SCHEMA)
    return base.join(readings, on=[_T, _C, _B], how="left")


def audit_dataframe(
    df: Any,
    title_column: str,
    code_column: str | None = None,
    band_column: str | None = None,
) -> Any:
    """``df`` with the audit's ``pp_*`` columns (``PP_COLUMNS``, all strings) added; columns
    of ``df`` with those names are replaced. ``code_column`` ``None``: every row has no code;
    ``band_column``: the band sets or checks the level, as the CLI's ``--band-column``."""
    return _with_readings(df, title_column, code_column, band_column).drop(_T, _C, _B)


def baseline_dataframe(
    df: Any,
    title_column: str,
    code_column: str | None = None,
    *,
    band_column: str | None = None,
    person_column: str | None = None,
    fte_column: str | None = None,
    org_column: str | None = None,
    date_column: str | None = None,
    taxonomy: Any = None,
) -> Any:
    """The workforce baseline of ``df`` (``audit.baseline.BASELINE_COLUMNS``, ordered): the
    rows and columns of the CLI audit's ``--baseline`` table for the same data and column
    options (``--person-column`` ...), NHS Workforce Statistics conventions
    (``BASELINE_CONVENTIONS``). ``taxonomy``: the one to name the professions and order the
    levels by (default: the installed one, as on the executors)."""
    from .audit.baseline import ROW_NAMES, baseline_sql, slim_rows_sql

    spark = df.sparkSession
    tag = uuid.uuid4().hex
    names = {r: f"__pp_{r}_{tag}" for r in ("src", "rows", "professions", "levels")}
    # The CLI reads every Parquet column as text; the slim-row SQL expects text columns.
    texts = df.select(*[_text(c).alias(c) for c in df.columns if c.casefold() not in PP_COLUMNS])
    texts = (
        texts.withColumn(_T, _text(title_column))
        .withColumn(_C, _text(code_column))
        .withColumn(_B, _text(band_column))
    )
    texts.createOrReplaceTempView(names["src"])
    cols = {
        "title": f"`{_T}`",
        "code": f"`{_C}`",
        "band": f"`{_B}`",
        "person": person_column,
        "fte": fte_column,
        "org": org_column,
        "date": date_column,
    }
    rw = spark.sql(slim_rows_sql(names["src"], cols, quote="`"))
    keys = rw.select(rw.t.alias(_T), rw.raw.alias(_C), rw.b.alias(_B)).distinct()
    readings = keys.mapInArrow(_read_triples, _SCHEMA)
    joined = rw.join(
        readings, (rw.t == readings[_T]) & (rw.raw == readings[_C]) & (rw.b == readings[_B])
    )
    n = ROW_NAMES
    joined.select(
        joined.d.alias(n["date"]),
        joined.o.alias(n["org"]),
        joined.pp_group_id.alias(n["group"]),
        joined.pp_profession_id.alias(n["profession"]),
        joined.pp_level_id.alias(n["level"]),
        joined.pp_certainty.alias(n["certainty"]),
        joined.p.alias(n["person"]),
        joined.f.alias(n["fte"]),
    ).createOrReplaceTempView(names["rows"])
    _reference_views(spark, taxonomy, names["professions"], names["levels"])
    sql = baseline_sql(
        names["rows"],
        names["professions"],
        names["levels"],
        fte=bool(fte_column),
        person=bool(person_column),
        org=bool(org_column),
        quote="`",
    )
    out = spark.sql(sql)
    for v in names.values():
        spark.catalog.dropTempView(v)
    return out


def _reference_views(spark: Any, taxonomy: Any, professions: str, levels: str) -> None:
    """The professions (id, name) and levels (id, rank) views the baseline SQL reads, as
    ``audit.baseline.register_reference_tables`` makes them in DuckDB."""
    if taxonomy is None:
        from .loader import load

        taxonomy = load()
    profs = sorted(taxonomy.professions.values(), key=lambda p: p.id)
    spark.createDataFrame(
        [(p.id, p.name) for p in profs], "id string, name string"
    ).createOrReplaceTempView(professions)
    spark.createDataFrame(
        [(lv, i) for i, lv in enumerate(taxonomy.levels)], "id string, rank int"
    ).createOrReplaceTempView(levels)
