"""The audit's ``pp_*`` columns on a Spark DataFrame (optional extra ``spark``).

    >>> from pptaxonomy.spark import audit_dataframe  # doctest: +SKIP
    >>> df = spark.read.parquet("/mnt/esr/snapshots/")  # doctest: +SKIP
    >>> out = audit_dataframe(df, "Position Title", "Occupation Code")  # doctest: +SKIP

Only the distinct (title, code) pairs go through Python: ``mapInArrow`` reads them on the
executors (each builds the matcher once from the taxonomy inside the installed package; no
file or network), and the result, a small table, is joined back to the rows. The values
are the CLI audit's (``pptaxonomy.audit``): the same matcher, expected codes and
``row_status``; an empty or NULL field is the empty title / code, as there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .audit import PP_COLUMNS

__all__ = ["audit_dataframe"]

_T, _C = "__pp_t", "__pp_c"


def _read_pairs(batches: Iterator[Any]) -> Iterator[Any]:
    """Executor side: one output row per (title, raw code) row of each Arrow batch."""
    import pyarrow as pa

    from .audit import _Results, clean_code, code_state, row_status
    from .loader import load
    from .matcher import matcher_for

    tax = load()
    matcher = matcher_for(tax)
    res = _Results(tax)
    for batch in batches:
        titles = batch.column(0).to_pylist()
        codes = batch.column(1).to_pylist()
        cols: dict[str, list[Any]] = {n: [] for n in (_T, _C, *PP_COLUMNS)}
        for t, raw in zip(titles, codes, strict=True):
            m = matcher.match(t)
            res.add(t, m)
            exp = res.expected[t]
            code = clean_code(raw)
            cols[_T].append(t)
            cols[_C].append(raw)
            cols["pp_profession_id"].append(m.profession_id or None)
            cols["pp_level_id"].append(m.level_id or None)
            cols["pp_score"].append(f"{m.score:.2f}")
            cols["pp_method"].append(m.method or None)
            cols["pp_expected_codes"].append(" ".join(exp) or None)
            cols["pp_status"].append(row_status(m.status, exp, code_state(code, tax), code))
        yield pa.RecordBatch.from_pydict(cols)


def audit_dataframe(df: Any, title_column: str, code_column: str | None = None) -> Any:
    """``df`` with the audit's ``pp_*`` columns (``PP_COLUMNS``, all strings) added; columns
    of ``df`` with those names are replaced. ``code_column`` ``None``: every row has no code."""
    from pyspark.sql import functions as F

    t = F.coalesce(F.col(f"`{title_column}`"), F.lit(""))
    c = F.coalesce(F.col(f"`{code_column}`"), F.lit("")) if code_column else F.lit("")
    base = df.drop(*[x for x in df.columns if x.casefold() in PP_COLUMNS])
    base = base.withColumn(_T, t).withColumn(_C, c)
    pairs = base.select(_T, _C).distinct()
    schema = ", ".join(f"`{n}` string" for n in (_T, _C, *PP_COLUMNS))
    readings = pairs.mapInArrow(_read_pairs, schema)
    return base.join(readings, on=[_T, _C], how="left").drop(_T, _C)
