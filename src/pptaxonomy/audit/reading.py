"""Reading the input: CSV encodings and delimiters, XLSX sheets, header names, ``read_csv``."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import AuditError, _lit, _problem

_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 1 << 16


@dataclass
class _Source:
    path: Path  # a UTF-8 CSV DuckDB can read
    columns: list[str]
    delimiter: str
    encoding: str
    fmt: str
    problems: list[dict[str, Any]] = field(default_factory=list)
    sheet: str | None = None


def _unique(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        base = name.strip() or f"column{i + 1}"
        cand, n = base, 2
        while cand.casefold() in seen:
            cand = f"{base}_{n}"
            n += 1
        seen.add(cand.casefold())
        out.append(cand)
    return out


def _sniff_delimiter(text: str) -> str:
    lines = text.splitlines()[:50]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last line
    best, best_key = ",", (-1, -1)
    for d in _DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=d))
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        agree = sum(1 for r in rows[1:] if len(r) == width)
        key = (agree, width)
        if key > best_key:
            best, best_key = d, key
    return best


def _is_xlsx(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04")


def _transcode(src: Path, dst: Path, encoding: str) -> None:
    with (
        open(src, encoding=encoding, errors="replace", newline="") as fi,
        open(dst, "w", encoding="utf-8", newline="") as fo,
    ):
        while chunk := fi.read(1 << 22):
            fo.write(chunk)


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head
    if len(head) == _SAMPLE_BYTES:  # may end inside a character
        cut = head.rfind(b"\n")
        sample = head[: cut + 1] if cut > 0 else head
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _prepare_csv(path: Path, head: bytes, encoding: str | None, tmp: Path) -> _Source:
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise AuditError(f"unknown encoding {encoding!r}") from None
    enc = encoding or _detect_encoding(head)
    if enc in ("utf-8", "utf-8-sig"):
        readable = path
    else:
        readable = tmp / "input-utf8.csv"
        _transcode(path, readable, "utf-16" if enc.startswith("utf-16") and not encoding else enc)
    with open(readable, encoding="utf-8-sig", errors="replace", newline="") as fh:
        text = fh.read(_SAMPLE_BYTES)
    if not text.strip():
        raise AuditError(f"{path.name}: the file is empty")
    delimiter = _sniff_delimiter(text)
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (StopIteration, csv.Error) as exc:
        raise AuditError(f"{path.name}: cannot read a header row ({exc})") from None
    return _Source(readable, _unique(header), delimiter, enc, "csv")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _prepare_xlsx(path: Path, sheet: str | None, tmp: Path) -> _Source:
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise AuditError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise AuditError(
                    f"{path.name}: no sheet {sheet!r}; sheets found: {', '.join(wb.sheetnames)}"
                )
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        out = tmp / "input-from-xlsx.csv"
        problems: list[dict[str, Any]] = []
        header: list[str] | None = None
        with open(out, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            for line, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [_cell(v) for v in row]
                if header is None:
                    while cells and cells[-1] == "":
                        cells.pop()
                    if not cells:
                        raise AuditError(f"{path.name}: the first row of the sheet is empty")
                    header = _unique(cells)
                    writer.writerow(header)
                    continue
                if not any(cells):
                    continue
                width = len(header)
                if len(cells) > width and any(cells[width:]):
                    problems.append(
                        _problem(
                            line,
                            "ragged-row",
                            f"row has values in {len(cells) - width} column(s) beyond the header; "
                            "row skipped",
                        )
                    )
                    continue
                cells = (cells + [""] * width)[:width]
                writer.writerow(cells)
    finally:
        wb.close()
    if header is None:
        raise AuditError(f"{path.name}: the sheet is empty")
    return _Source(out, header, ",", "xlsx", "xlsx", problems, ws.title)


def _find_column(name: str | None, columns: list[str], what: str, file: str) -> str | None:
    if name is None:
        return None
    if name in columns:
        return name
    folded = {c.strip().casefold(): c for c in columns}
    found = folded.get(name.strip().casefold())
    if found is not None:
        return found
    raise AuditError(
        f"{file}: no {what} column {name!r}; columns found: " + ", ".join(repr(c) for c in columns)
    )


def _read_csv_sql(src: _Source, name: str | None) -> str:
    """``read_csv(...)`` of the source, every column as text. Rows that cannot be placed are
    skipped; with a ``name`` they are also kept in the tables ``{name}_rejects`` and
    ``{name}_scans``."""
    cols = ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in src.columns)
    rejects = (
        f"store_rejects = true, rejects_table = '{name}_rejects', rejects_scan = '{name}_scans'"
        if name
        else "ignore_errors = true"
    )
    return (
        f"read_csv({_lit(str(src.path))}, header = true, "
        f"columns = {{{cols}}}, delim = {_lit(src.delimiter)}, quote = '\"', escape = '\"', "
        f"skip = 0, comment = '', {rejects})"
    )
