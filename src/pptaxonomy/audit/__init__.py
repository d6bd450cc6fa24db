"""Audit a staff extract: which rows are psychological professionals, and do their codes fit?

    >>> from pptaxonomy.audit import audit
    >>> result = audit("extract.csv", title_column="Position Title",
    ...                code_column="Occupation Code", output="audited.csv")  # doctest: +SKIP
    >>> result.summary["statuses"]["code-mismatch"]  # doctest: +SKIP

The rows are read, joined and written by DuckDB; Python only matches each *distinct* title
once (``pptaxonomy.matcher``). Two passes over the file:

1. ``CREATE TABLE p1 AS SELECT title, code, count(*), min(key), max(key) ... GROUP BY``:
   the distinct (title, code) pairs with their row counts, kept inside DuckDB (Python fetches
   only the distinct titles); rows DuckDB cannot place (ragged rows) are collected with their
   line numbers (header = line 1) and skipped. The summary is aggregated by DuckDB from this
   table; every top-N list is ordered by rows, then by value, whatever the input's order.
   DuckDB keeps Python idle while it reads, so for a file of ``EARLY_MIN_BYTES`` or more the
   distinct titles of its first ``EARLY_ROWS`` rows are taken first (cheap) and matched
   while pass 1 runs; the titles that first appear later are matched after it.
2. The results are registered as two small tables, title -> pp_* columns and the title's
   class, and (class, code) -> status (a status depends only on the title's reading and the
   code), and ``COPY (SELECT r.*, m.pp_..., s.pp_status FROM read_csv(...) r LEFT JOIN m ON
   title LEFT JOIN s ON (class, code)) TO out.csv`` writes the row-level output to a
   temporary file that then replaces ``out.csv`` (atomic). The input is never modified.
   The COPY runs on a second cursor of the same in-memory database (so its tables are
   ordinary tables, not TEMP ones) while the summary is aggregated on the first.

Encodings: UTF-8 (with or without a BOM) is read directly; UTF-16 (with a BOM), cp1252 (or
whatever ``encoding`` names) is first transcoded to a temporary UTF-8 copy. XLSX files are
read with openpyxl (read-only) into a temporary CSV and then take the same path.

Row status (``pp_status``), in order of precedence, is documented in ``row_status``.
"""

from __future__ import annotations

import sys

from .cli import cli_audit
from .common import MAX_PROBLEMS, TOP_N, AuditError, AuditResult
from .engine import EARLY_MIN_BYTES, EARLY_ROWS, audit
from .report import atomic_write_text, format_summary, write_report
from .results import _Results  # noqa: F401  (tests reach it as pptaxonomy.audit._Results)
from .statuses import FAIL_ON, PP_COLUMNS, STATUSES, clean_code, code_state, row_status


class _CallableModule(type(sys.modules[__name__])):
    """``pptaxonomy.audit`` is this package and, called, the notebook audit."""

    def __call__(self, source, **options):
        """Audit a path or a data frame: ``pptaxonomy.audit.notebook.audit_source``."""
        from .notebook import audit_source

        return audit_source(source, **options)


sys.modules[__name__].__class__ = _CallableModule

__all__ = [
    "EARLY_MIN_BYTES",
    "EARLY_ROWS",
    "FAIL_ON",
    "MAX_PROBLEMS",
    "PP_COLUMNS",
    "STATUSES",
    "TOP_N",
    "AuditError",
    "AuditResult",
    "atomic_write_text",
    "audit",
    "clean_code",
    "cli_audit",
    "code_state",
    "format_summary",
    "row_status",
    "write_report",
]
