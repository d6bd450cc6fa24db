"""The row output's formats: CSV (optionally with a UTF-8 BOM for Excel) and a real XLSX.

The XLSX is written without a spreadsheet library: DuckDB turns each output row into the
sheet's XML for that row (in parallel, like the CSV), and Python streams those lines into
the workbook's zip with the few fixed parts a workbook needs. Every cell is an inline text
string, so codes such as ``055`` or ``S1M`` stay text (Excel shows what the input held) and
nothing is read back as a number or a date.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import zipfile
from pathlib import Path

from .common import AuditError, _q

#: The file name endings ``--output`` accepts.
OUTPUT_SUFFIXES = (".csv", ".xlsx")
#: Rows an XLSX sheet holds (Excel's limit), the header included.
XLSX_MAX_ROWS = 1_048_576
#: Characters a cell holds in Excel; longer text is cut there.
XLSX_MAX_CELL = 32_767

_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>"
)
_SHEET_TAIL = "</sheetData></worksheet>"
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="rows" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def check_output_name(path: str | os.PathLike, excel_csv: bool = False) -> None:
    """Refuse an ``--output`` name the audit cannot write honestly."""
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise AuditError(
            f"--output {path}: the file name must end in .csv or .xlsx "
            "(the row output is written in the format its name says)"
        )
    if excel_csv and suffix != ".csv":
        raise AuditError(f"--excel-csv is for a .csv --output, not {Path(path).name}")


def _xml_text_sql(expr: str) -> str:
    """SQL making ``expr`` (text or NULL) safe XML text on one line, without the characters
    XML cannot hold, cut at Excel's cell limit."""
    cut = f"left({expr}, {XLSX_MAX_CELL})"
    bad = "[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x{FFFE}\\x{FFFF}]"
    out = f"regexp_replace({cut}, '{bad}', '', 'g')"
    for raw, escaped in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&quot;"),
        ("chr(9)", "&#9;"),
        ("chr(10)", "&#10;"),
        ("chr(13)", "&#13;"),
    ):
        needle = raw if raw.startswith("chr(") else f"'{raw}'"
        out = f"replace({out}, {needle}, '{escaped}')"
    return out


def xlsx_rows_sql(select: str, columns: list[str]) -> str:
    """A query giving, for each row of ``select``, the sheet XML of that row (one line, no
    quote, tab or line break in it, so DuckDB's CSV writer writes it as it is)."""
    cells = []
    for name in columns:
        col = _q(name)
        cells.append(
            f"CASE WHEN coalesce({col}, '') = '' THEN '<c/>' ELSE "
            f"'<c t=''inlineStr''><is><t xml:space=''preserve''>' || {_xml_text_sql(col)} "
            f"|| '</t></is></c>' END"
        )
    return f"SELECT '<row>' || {' || '.join(cells)} || '</row>' AS x FROM ({select})"


def _row_xml(values: list[str]) -> str:
    from xml.sax.saxutils import escape

    cells = []
    for v in values:
        v = "".join(ch for ch in v[:XLSX_MAX_CELL] if ch in "\t\n\r" or ch >= " ")
        cells.append(f"<c t='inlineStr'><is><t xml:space='preserve'>{escape(v)}</t></is></c>")
    return "<row>" + "".join(cells) + "</row>"


def write_xlsx(path: str | os.PathLike, header: list[str], rows_file: Path) -> None:
    """Write the workbook ``path``: one sheet, ``rows``, holding ``header`` and then the row
    XML lines of ``rows_file`` (made by ``xlsx_rows_sql``)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in _PARTS.items():
            zf.writestr(name, text)
        with (
            zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet,
            open(rows_file, "rb") as rows,
        ):
            sheet.write((_SHEET_HEAD + _row_xml(header)).encode("utf-8"))
            shutil.copyfileobj(rows, sheet, 1 << 22)
            sheet.write(_SHEET_TAIL.encode("utf-8"))


def rewrite_header(path: str, header: list[str], bom: bool) -> None:
    """Give the CSV at ``path`` the header ``header`` (the input's own names; blank or
    repeated ones were renamed for DuckDB), with a UTF-8 BOM first if ``bom``: rewrite the
    header line, streaming the rest of the file."""
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(header)
    fixed = path + ".h"
    try:
        with open(path, "rb") as fi, open(fixed, "wb") as fo:
            fi.readline()
            fo.write(("\ufeff" if bom else "").encode("utf-8"))
            fo.write(line.getvalue().encode("utf-8"))
            shutil.copyfileobj(fi, fo, 1 << 22)
        os.replace(fixed, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(fixed)
        raise
