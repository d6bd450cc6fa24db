"""Writing the audit's tables (baseline, reconciliation, fix list) as CSV, XLSX or JSON.

* ``.csv``: UTF-8, a header row, then the rows; the metadata (conventions, the columns
  used) goes in a CSVW-style sidecar ``NAME.csv-metadata.json`` beside it, the W3C
  "CSV on the Web" convention that CSVW tools look for;
* ``.xlsx``: the table on its first sheet (every code and identifier as text), the
  metadata on a second sheet ``metadata``;
* ``.json``: ``{"table": NAME, "metadata": {...}, "columns": [...], "rows": [{...}]}``.

Every file is written to a temporary file in its folder and renamed into place.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .common import AuditError
from .report import atomic_write_text

TABLE_SUFFIXES = (".csv", ".xlsx", ".json")


def check_table_path(option: str, path: str | os.PathLike) -> None:
    """Refuse a table file name the writers do not know."""
    if Path(path).suffix.lower() not in TABLE_SUFFIXES:
        raise AuditError(f"{option} {path}: the file name must end in .csv, .xlsx or .json")


def _value(v: Any) -> Any:
    return "" if v is None else v


def write_table(name: str, table: dict[str, Any], path: str | os.PathLike) -> list[Path]:
    """Write ``table`` (columns, rows, metadata) to ``path``; returns the files written."""
    path = Path(path)
    suffix = path.suffix.lower()
    columns, rows, meta = table["columns"], table["rows"], table.get("metadata", {})
    if suffix == ".json":
        doc = {
            "table": name,
            "metadata": meta,
            "columns": columns,
            "rows": [dict(zip(columns, r, strict=True)) for r in rows],
        }
        atomic_write_text(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return [path]
    if suffix == ".csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows([_value(v) for v in r] for r in rows)
        sidecar = path.with_name(path.name + "-metadata.json")
        side = {
            "@context": "http://www.w3.org/ns/csvw",
            "url": path.name,
            "dc:title": f"pptaxonomy audit: {name}",
            "notes": meta,
            "tableSchema": {"columns": [{"name": c, "titles": c} for c in columns]},
        }
        atomic_write_text(path, buf.getvalue())
        atomic_write_text(sidecar, json.dumps(side, indent=2, ensure_ascii=False) + "\n")
        return [path, sidecar]
    if suffix == ".xlsx":
        _write_xlsx(name, columns, rows, meta, path)
        return [path]
    raise AuditError(f"{path}: a table file must end in .csv, .xlsx or .json")


def _write_xlsx(name, columns, rows, meta, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(name[:31])

    def cell(v: Any) -> Any:
        if isinstance(v, str) and v.startswith("="):
            c = WriteOnlyCell(ws, value=v)
            c.data_type = "s"  # text, never a formula (a title may start with "=")
            return c
        return _value(v)

    ws.append(columns)
    for r in rows:
        ws.append([cell(v) for v in r])
    ms = wb.create_sheet("metadata")
    for key, value in meta.items():
        for i, line in enumerate(value if isinstance(value, list) else [value]):
            ms.append([key if i == 0 else "", "" if line is None else str(line)])
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
