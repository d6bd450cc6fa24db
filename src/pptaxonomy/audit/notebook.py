"""``pptaxonomy.audit(...)`` for notebooks: audit a file or a data frame, get tables back.

    >>> import pptaxonomy
    >>> result = pptaxonomy.audit("extract.csv", profile="esr-staff-in-post")  # doctest: +SKIP
    >>> result.baseline.to_pandas()  # doctest: +SKIP

The source is a path (CSV or XLSX, as for the command) or an in-memory table that DuckDB can
read: a pandas or polars data frame or a pyarrow table (written to a private temporary CSV,
every value as text, then audited like a file). The tables come back as pyarrow tables
(``pyarrow`` must be installed; ``.to_pandas()`` needs pandas). The command-line audit needs
neither.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from .common import AuditError, _lit


class NotebookAudit:
    """What ``pptaxonomy.audit`` returns: ``summary`` (a dict, as the JSON report), and the
    ``rows``, ``baseline``, ``reconciliation`` and ``fixes`` tables as pyarrow tables."""

    def __init__(self, summary: dict[str, Any], tables: dict[str, Any], rows: Any):
        self.summary = summary
        self.rows = rows
        self._tables = tables

    def _arrow(self, name: str) -> Any:
        import pyarrow as pa

        t = self._tables.get(name)
        if t is None:
            return None
        cols = list(zip(*t["rows"], strict=True)) if t["rows"] else [[] for _ in t["columns"]]
        table = pa.table({c: list(v) for c, v in zip(t["columns"], cols, strict=True)})
        return table.replace_schema_metadata({"pptaxonomy": repr(t.get("metadata", {}))})

    @property
    def baseline(self) -> Any:
        """Headcount and FTE by date, organisation, profession and level (see docs/audit.md)."""
        return self._arrow("baseline")

    @property
    def reconciliation(self) -> Any:
        """FTE and headcount by occupation code x profession."""
        return self._arrow("reconciliation")

    @property
    def fixes(self) -> Any:
        """One suggested code per contradicting (title, code)."""
        return self._arrow("fixes")


def audit_source(source: Any, **options: Any) -> NotebookAudit:
    """Audit ``source`` (a path or a data frame) with the options of
    ``pptaxonomy.audit.audit``; the row-level results come back as ``rows``."""
    import duckdb

    from .engine import audit

    with tempfile.TemporaryDirectory(prefix="pptaxonomy-notebook-") as tmp:
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
        else:
            path = Path(tmp) / "frame.csv"
            con = duckdb.connect()
            try:
                con.register("frame", source)
                cols = [r[0] for r in con.execute("DESCRIBE frame").fetchall()]
                cast = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in cols)
                con.execute(f"COPY (SELECT {cast} FROM frame) TO {_lit(str(path))} (HEADER)")
            except (duckdb.Error, ValueError, TypeError) as exc:
                raise AuditError(f"cannot read the data frame ({exc})") from None
            finally:
                con.close()
        out = Path(tmp) / "rows.csv"
        result = audit(path, output=out, keep_order=True, baseline=True, **options)
        con = duckdb.connect()
        try:
            rel = con.sql(f"SELECT * FROM read_csv({_lit(str(out))}, all_varchar = true)")
            # DuckDB 2.x names it to_arrow_table; 1.x arrow.
            rows = (getattr(rel, "to_arrow_table", None) or rel.arrow)()
        finally:
            con.close()
    return NotebookAudit(result.summary, result.tables, rows)
