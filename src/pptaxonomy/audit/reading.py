"""Reading the input: CSV encodings and delimiters, XLSX sheets, header names, ``read_csv``."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import AuditError, _lit, _q
from .sheetcsv import blocks_of_rows, head_blocks, write_block

_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 1 << 16


@dataclass
class _Source:
    path: Path  # a UTF-8 CSV (or a Parquet file) DuckDB can read: the first of ``paths``
    columns: list[str]
    delimiter: str
    encoding: str
    fmt: str
    problems: list[dict[str, Any]] = field(default_factory=list)
    sheet: str | None = None
    #: The header as the file gives it (``columns`` are DuckDB-safe unique names for it).
    header: list[str] = field(default_factory=list)
    sheet_names: list[str] = field(default_factory=list)
    #: Read without DuckDB's sniffer: set when the sniffer fails on a bad record near the top
    #: (sniffing is kept otherwise: without it DuckDB here holds about 120 MB more memory).
    no_sniff: bool = False
    #: Messages about the file that skip no row (duplicate column names, ...).
    warnings: list[str] = field(default_factory=list)
    #: Every file DuckDB reads (several monthly snapshots are read as one table).
    paths: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.paths:
            self.paths = [self.path]


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


def _transcode_raw(src: Path, dst: Path, encoding: str) -> None:
    with (
        open(src, encoding=encoding, errors="replace", newline="") as fi,
        open(dst, "w", encoding="utf-8", newline="") as fo,
    ):
        while chunk := fi.read(1 << 22):
            fo.write(chunk)


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\0" in head[:4096]:
        wide = _wide_without_bom(head[:4096])
        if wide:
            return wide
    sample = head
    if len(head) == _SAMPLE_BYTES:  # may end inside a character
        cut = head.rfind(b"\n")
        sample = head[: cut + 1] if cut > 0 else head
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


#: Where the NUL bytes of ASCII-range text fall, by byte position modulo 4, in each wide
#: encoding written without a byte-order mark (UTF-32 first: its pattern contains UTF-16's).
_WIDE_ZEROS = {
    "utf-32-le": (1, 2, 3),
    "utf-32-be": (0, 1, 2),
    "utf-16-le": (1, 3),
    "utf-16-be": (0, 2),
}


def _wide_without_bom(head: bytes) -> str | None:
    """UTF-16 or UTF-32 (LE or BE) written without a BOM, told by where its NUL bytes fall
    (a header is nearly always ASCII text) and confirmed by decoding the sample strictly; None
    for anything else (a UTF-8 file with a few NUL bytes in cells)."""
    n = len(head) - len(head) % 4
    if n < 8:
        return None
    zeros = [sum(1 for b in head[k:n:4] if b == 0) for k in range(4)]
    quarter = n // 4
    for name, where in _WIDE_ZEROS.items():
        high = all(zeros[k] >= 0.6 * quarter for k in where)
        low = all(zeros[k] <= 0.1 * quarter for k in range(4) if k not in where)
        if high and low:
            try:
                head[:n].decode(name)
            except UnicodeDecodeError:
                continue
            return name
    return None


def _check_encoding(encoding: str, head: bytes) -> str:
    """The codec's canonical name, if it is a text encoding that can decode this file."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise AuditError(f"unknown encoding {encoding!r}") from None
    if not getattr(info, "_is_text_encoding", True):
        raise AuditError(f"--encoding {encoding}: not a text encoding")
    if info.name in ("utf-16", "utf-32") and not head.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # (the UTF-32 BOMs start with these)
    ):
        wide = _wide_without_bom(head[:4096])  # no BOM: which byte order the file has
        if wide and wide.startswith(info.name):
            return wide
    try:
        codecs.getincrementaldecoder(info.name)(errors="replace").decode(head)
    except (UnicodeError, LookupError, TypeError, ValueError) as exc:
        raise AuditError(f"--encoding {encoding}: cannot decode this file ({exc})") from None
    return info.name


def _sniff_format(path: Path, head: bytes) -> None:
    """Refuse, with a useful message, the formats the audit does not read."""
    name = path.name
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise AuditError(
            f"{name}: an old Excel .xls (OLE2) file, which the audit does not read; "
            "save it as .xlsx or CSV"
        )
    if head.startswith(b"\x1f\x8b"):
        raise AuditError(f"{name}: a gzip-compressed file; decompress it first")


def _is_parquet(path: Path, head: bytes) -> bool:
    return head.startswith(b"PAR1") or path.suffix.lower() in (".parquet", ".parq")


def _prepare_parquet(path: Path) -> _Source:
    """The Parquet file's column names (DuckDB reads it; every column is read as text)."""
    import duckdb

    con = duckdb.connect()
    try:
        names = [
            row[0]
            for row in con.execute(
                f"DESCRIBE SELECT * FROM read_parquet({_lit(str(path))})"
            ).fetchall()
        ]
    except duckdb.Error as exc:
        text = str(exc).strip().splitlines()
        reason = text[0] if text else type(exc).__name__
        raise AuditError(f"{path.name}: not a readable Parquet file ({reason})") from None
    finally:
        con.close()
    if not names:
        raise AuditError(f"{path.name}: the Parquet file has no columns")
    return _Source(path, list(names), ",", "parquet", "parquet", header=list(names))


def _transcode(src: Path, dst: Path, encoding: str) -> None:
    try:
        _transcode_raw(src, dst, encoding)
    except (UnicodeError, LookupError, TypeError, ValueError) as exc:
        raise AuditError(f"{src.name}: cannot decode the file as {encoding} ({exc})") from None
    except OSError as exc:
        where = exc.filename or dst
        raise AuditError(f"{where}: cannot write a UTF-8 copy ({exc.strerror or exc})") from None


def _prepare_csv(
    path: Path, head: bytes, encoding: str | None, tmp: Path, suffix: str = ""
) -> _Source:
    if encoding:
        encoding = _check_encoding(encoding, head)
    enc = encoding or _detect_encoding(head)
    if enc in ("utf-8", "utf-8-sig"):
        readable = path
    else:
        readable = tmp / f"input-utf8{suffix}.csv"
        _transcode(path, readable, enc)
    with open(readable, encoding="utf-8-sig", errors="replace", newline="") as fh:
        text = fh.read(_SAMPLE_BYTES)
    if not text.strip():
        raise AuditError(f"{path.name}: the file is empty")
    delimiter = _sniff_delimiter(text)
    try:
        # newline=None: CR-only line endings (old Mac exports) too; DuckDB reads them itself
        header = next(csv.reader(io.StringIO(text, newline=None), delimiter=delimiter))
    except (StopIteration, csv.Error) as exc:
        raise AuditError(f"{path.name}: cannot read a header row ({exc})") from None
    src = _Source(readable, _unique(header), delimiter, enc, "csv")
    _note_header(src, header)
    return src


def _note_header(src: _Source, header: list[str]) -> None:
    """Keep the file's own header names and warn about names given twice."""
    src.header = [h.strip() for h in header]
    seen: dict[str, str] = {}
    for name in src.header:
        if not name:
            continue
        first = seen.setdefault(name.casefold(), name)
        if first is not name:
            same = "twice" if first == name else f"twice (as {first!r} and {name!r})"
            src.warnings.append(f"the column name {_short(name)!r} is given {same}")


def _short(text: str, width: int = 40) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


_BANNER_LOOKAHEAD = 10
#: Sheets (XML and shared strings, uncompressed) up to this size are read with calamine
#: instead of streamed. Streaming is faster (a 200,000-row sheet: see docs/audit.md) and
#: holds one chunk of XML at a time, while calamine holds the whole sheet (a 1-million-row
#: sheet took 884 MB), so every sheet is streamed; the tests set it to compare the readers.
STREAM_ABOVE_BYTES = 0


def _open_sheet(path: Path, sheet: str | None, formulas=None):
    """(sheet name, all sheet names, hidden sheets passed over, row of its first line, rows
    as blocks of columns, close, whether the sheet is streamed) for the sheet to read:
    ``sheet``, else the first visible one; a streamed sheet's formula cells are counted
    into ``formulas`` as its blocks are read. Streamed by :mod:`.xlsx` (bounded memory); a
    workbook it does not know is read with python-calamine (Rust; about 10x openpyxl here,
    but it holds the whole sheet), else openpyxl."""
    from .xlsx import open_workbook

    streamed = open_workbook(path)
    if streamed is not None:
        name = _pick_sheet(path, sheet, streamed.names, streamed.hidden)
        if streamed.size(name) <= STREAM_ABOVE_BYTES:
            streamed.close()
            streamed = None
    if streamed is not None:
        try:
            opened = streamed.blocks(name, formulas)
        except Exception as exc:  # a broken part: zip, XML or number errors
            streamed.close()
            raise AuditError(f"{path.name}: sheet {name!r} cannot be read ({exc})") from None
        if opened is not None:
            first, blocks = opened
            blocks = _guarded(path, name, blocks)
            skipped = [
                n for n in streamed.names[: streamed.names.index(name)] if n in streamed.hidden
            ]

            def close(blocks=blocks, wb=streamed) -> None:
                blocks.close()  # stops the thread inflating the sheet before the zip closes
                wb.close()

            return name, streamed.names, skipped, first, blocks, close, True
        streamed.close()
    name, names, skipped, first, rows, close = _open_sheet_whole(path, sheet)
    return name, names, skipped, first, blocks_of_rows(rows, first, _cell), close, False


def _open_sheet_whole(path: Path, sheet: str | None):
    """As :func:`_open_sheet`, with rows, by python-calamine or else openpyxl."""
    try:
        import python_calamine as calamine
    except ImportError:  # pragma: no cover - an environment without the wheel
        calamine = None
    if calamine is not None:
        try:
            wb = calamine.CalamineWorkbook.from_path(str(path))
            names = list(wb.sheet_names)
            hidden = {
                m.name for m in wb.sheets_metadata if m.visible != calamine.SheetVisibleEnum.Visible
            }
        except Exception as exc:  # calamine raises several kinds for a broken workbook
            raise AuditError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
        name = _pick_sheet(path, sheet, names, hidden)
        try:
            ws = wb.get_sheet_by_name(name)
            first = (ws.start[0] + 1) if ws.start else 1
            rows = ws.iter_rows()
        except Exception as exc:
            raise AuditError(f"{path.name}: sheet {name!r} cannot be read ({exc})") from None
        skipped = [n for n in names[: names.index(name)] if n in hidden]
        return name, names, skipped, first, rows, wb.close
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise AuditError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
    names = list(wb.sheetnames)
    hidden = {w.title for w in wb.worksheets if getattr(w, "sheet_state", "visible") != "visible"}
    name = _pick_sheet(path, sheet, names, hidden)
    skipped = [n for n in names[: names.index(name)] if n in hidden]
    return name, names, skipped, 1, wb[name].iter_rows(values_only=True), wb.close


def _guarded(path: Path, name: str, rows):
    """``rows``, with a broken part found mid-sheet reported as an AuditError."""
    try:
        yield from rows
    except Exception as exc:  # zip, XML or number errors
        raise AuditError(f"{path.name}: sheet {name!r} cannot be read ({exc})") from None


def _pick_sheet(path: Path, sheet: str | None, names: list[str], hidden: set[str]) -> str:
    if sheet is not None:
        if sheet not in names:
            raise AuditError(f"{path.name}: no sheet {sheet!r}; sheets found: {', '.join(names)}")
        return sheet
    if not names:
        raise AuditError(f"{path.name}: the workbook has no sheets")
    # A hidden first sheet (lookups, a template) is not the data: take the first visible one.
    visible = [n for n in names if n not in hidden]
    return visible[0] if visible else names[0]


def _filled(cells: list[str]) -> int:
    return sum(1 for c in cells if c.strip())


def _prepare_xlsx(path: Path, sheet: str | None, tmp: Path, suffix: str = "") -> _Source:
    """Copy the sheet as UTF-8 CSV into the private folder ``tmp`` (DuckDB reads it twice):
    every cell as text (whole numbers without ``.0``, dates in ISO form); title rows above
    the header (one filled cell, while a later row has more) are skipped with a warning."""
    from .formulas import Formulas, sheet_formulas

    formulas: Formulas | None = Formulas()
    opened = _open_sheet(path, sheet, formulas)
    name, names, skipped_sheets, first, blocks, close, streamed = opened
    out = tmp / f"input-from-xlsx{suffix}.csv"
    problems: list[dict[str, Any]] = []
    warnings: list[str] = []
    try:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            numbers, columns = head_blocks(blocks, first + _BANNER_LOOKAHEAD - 1)
            window = [
                (line, [c[i] for c in columns])
                for i, line in enumerate(numbers)
                if line < first + _BANNER_LOOKAHEAD
            ]
            head_at = _header_row(path, name, names, window, warnings)
            cells = window[head_at][1]
            while cells and cells[-1] == "":
                cells.pop()
            raw_header = cells
            header = _unique(cells)
            csv.writer(fh).writerow(header)
            width = len(header)
            rest = [c[head_at + 1 :] for c in columns]
            write_block(fh, numbers[head_at + 1 :], rest, width, problems)
            for numbers, columns in blocks:
                write_block(fh, numbers, columns, width, problems)
    except OSError as exc:
        where = exc.filename or out
        raise AuditError(
            f"{where}: cannot write the sheet's copy ({exc.strerror or exc})"
        ) from None
    finally:
        close()
    src = _Source(out, header, ",", "xlsx", "xlsx", problems, name)
    src.sheet_names = names
    src.warnings.extend(warnings)
    _note_header(src, raw_header)
    if skipped_sheets:
        src.warnings.append(
            f"read sheet {name!r}; hidden sheet(s) skipped: {', '.join(skipped_sheets)}"
        )
    if not streamed:  # calamine read the sheet: its XML is scanned for formulas on its own
        formulas = sheet_formulas(path, name)
    if formulas is not None and (warning := formulas.warning(name)):
        src.warnings.append(warning)
    return src


def _header_row(
    path: Path, name: str, names: list[str], window: list[tuple[int, list[str]]], warnings: list
) -> int:
    """The index in ``window`` (the sheet's first rows) of the header row: the first filled
    row, passing over title rows (one filled cell while a later row has more)."""
    head_at = next((i for i, (_, c) in enumerate(window) if _filled(c)), None)
    if head_at is None:
        raise AuditError(
            f"{path.name}: sheet {name!r} is empty"
            + (f" (sheets found: {', '.join(names)}; use --sheet)" if len(names) > 1 else "")
        )
    widest = max(_filled(c) for _, c in window)
    while _filled(window[head_at][1]) == 1 and widest > 1:
        nxt = next((i for i in range(head_at + 1, len(window)) if _filled(window[i][1])), None)
        if nxt is None:
            break
        banner = next(c for c in window[head_at][1] if c.strip())
        warnings.append(
            f"line {window[head_at][0]} of sheet {name!r} looks like a title "
            f"({_short(banner)!r}), not the header; skipped"
        )
        head_at = nxt
    return head_at


def _find_column(name: str | None, src: _Source, what: str, file: str) -> str | None:
    """The DuckDB name of the column called ``name``: an exact match of the file's header
    wins, then one of the unique names given to blank or repeated headers, then the one
    header equal to it ignoring case and spaces."""
    if name is None:
        return None
    header = src.header or src.columns
    for names in (header, src.columns):
        if name in names:
            return src.columns[names.index(name)]
    stripped = name.strip()
    if stripped in header:
        return src.columns[header.index(stripped)]
    folded = [i for i, c in enumerate(header) if c.strip().casefold() == stripped.casefold()]
    if len(folded) == 1:
        return src.columns[folded[0]]
    if len(folded) > 1:
        found = ", ".join(repr(header[i]) for i in folded)
        raise AuditError(f"{file}: the {what} column {name!r} could be any of {found}; give one")
    hint = ""
    if src.sheet_names and len(src.sheet_names) > 1:
        hint = f" (sheet {src.sheet!r}; sheets found: {', '.join(src.sheet_names)}; use --sheet)"
    filled = [c for c in header if c.strip()]
    if len(filled) >= 2 and sum(any(ch.isdigit() for ch in c) for c in filled) * 2 >= len(filled):
        # The first row is data (no header row): its values are staff data, not shown.
        raise AuditError(
            f"{file}: no {what} column {name!r}; the first row looks like data, not a header "
            f"({len(header)} values, most with digits; not shown): give the file a header "
            "row naming its columns" + hint
        )
    # repr escapes what is not printable (a NUL, ESC or RLO in a name), so it shows
    shown = [repr(c if len(c) <= 30 else c[:29] + "\u2026") for c in header[:20]]
    more = f" and {len(header) - 20} more" if len(header) > 20 else ""
    raise AuditError(
        f"{file}: no {what} column {name!r}; columns found: " + ", ".join(shown) + more + hint
    )


def _files_sql(src: _Source) -> str:
    if len(src.paths) == 1:
        return _lit(str(src.path))
    return "[" + ", ".join(_lit(str(p)) for p in src.paths) + "]"


def _read_sql(src: _Source, name: str | None) -> str:
    """The source as a table expression, every column as text (``_read_csv_sql`` for CSV)."""
    if src.fmt != "parquet":
        return _read_csv_sql(src, name)
    cols = ", ".join(f"CAST({_q(c)} AS VARCHAR) AS {_q(c)}" for c in src.columns)
    return f"(SELECT {cols} FROM read_parquet({_files_sql(src)}))"


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
    sql = (
        f"read_csv({_files_sql(src)}, header = true, "
        f"columns = {{{cols}}}, delim = {_lit(src.delimiter)}, quote = '\"', escape = '\"', "
        f"skip = 0, comment = '', {'auto_detect = false, ' if src.no_sniff else ''}{rejects})"
    )
    if len(src.columns) == 1:
        # DuckDB drops blank lines of a wider file but reads them as empty rows of a
        # one-column file; drop them there too, so a blank line is never an empty title.
        sql = f"(SELECT * FROM {sql} WHERE {_q(src.columns[0])} IS NOT NULL)"
    return sql
