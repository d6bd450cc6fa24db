"""A streaming XLSX sheet reader: the sheet's XML read in chunks, rows yielded as text.

python-calamine has no streaming API: it holds the whole sheet (a 1-million-row sheet took
about 880 MB). This reader keeps only the shared strings and one chunk of the sheet's XML in
memory, and renders each cell as :func:`pptaxonomy.audit.reading._cell` renders calamine's
value (whole numbers without ``.0``, date-formatted numbers as ISO dates, booleans as
``True``/``False``). :func:`open_workbook` returns ``None`` for anything it does not know
(strict OOXML, prefixed element names, no ``<dimension>``, a missing part), and the caller
then reads the workbook with calamine.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from html import unescape
from pathlib import PurePosixPath
from xml.etree import ElementTree as ET

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CHUNK = 1 << 20

_ROW_START = re.compile(rb"<row\b([^>]*?)(/?)>")
_R_ATTR = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_CELL_ATTR = re.compile(rb'\b([rst])="([^"]*)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_TEXT = re.compile(rb"<t\b[^>]*>([^<]*)</t>")
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_DIMENSION = re.compile(rb'<dimension\s+ref="\$?([A-Z]+)\$?(\d+)')
_BUILTIN_DATES = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_QUOTED = re.compile(r'"[^"]*"|\\.|\[(?![hms]+\])[^\]]*\]', re.I)


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _is_date_format(code: str) -> bool:
    return any(ch in "dmyhs" for ch in _QUOTED.sub("", code).lower())


_SI = re.compile(r"<si>(?:<t>([^<]*)</t>|<t xml:space=\"preserve\">([^<]*)</t>|(.*?))</si>", re.S)
_TEXT_S = re.compile(r"<t\b[^>]*>([^<]*)</t>")
_PHONETIC_S = re.compile(r"<rPh\b.*?</rPh>", re.S)


def _shared_strings(zf: zipfile.ZipFile, path: str | None) -> list[str]:
    """The shared-string table: plain ``<si><t>`` entries by regex, in chunks; a table with
    anything else unusual (``<si/>``, a prefix) by ElementTree."""
    if path is None or path not in zf.NameToInfo:
        return []
    out: list[str] = []
    with zf.open(path) as fh:
        carry = b""
        while True:
            chunk = fh.read(_CHUNK)
            data = carry + chunk
            cut = data.rfind(b"</si>") + 5 if chunk else len(data)
            text, carry = data[:cut].decode("utf-8"), data[cut:]
            if "<si/>" in text or ":si>" in text:
                return _shared_strings_tree(zf, path)
            for plain, kept, rich in _SI.findall(text):
                value = (
                    plain
                    or kept
                    or ("".join(_TEXT_S.findall(_PHONETIC_S.sub("", rich))) if rich else "")
                )
                out.append(unescape(value) if "&" in value else value)
            if not chunk:
                break
    return out


def _shared_strings_tree(zf: zipfile.ZipFile, path: str) -> list[str]:
    out: list[str] = []
    si, t, rph = _MAIN + "si", _MAIN + "t", _MAIN + "rPh"
    with zf.open(path) as fh:
        depth_rph = 0
        parts: list[str] = []
        for event, elem in ET.iterparse(fh, events=("start", "end")):
            tag = elem.tag
            if event == "start":
                if tag == rph:
                    depth_rph += 1
                elif tag == si:
                    parts = []
                continue
            if tag == t and not depth_rph:
                parts.append(elem.text or "")
            elif tag == rph:
                depth_rph -= 1
            elif tag == si:
                out.append("".join(parts))
                elem.clear()
    return out


def _date_styles(zf: zipfile.ZipFile, path: str | None) -> tuple[frozenset[int], frozenset[int]]:
    """(indexes of the cell styles that show a date or time, those that show a duration)."""
    if path is None or path not in zf.NameToInfo:
        return frozenset(), frozenset()
    root = ET.fromstring(zf.read(path))
    custom = {
        int(f.get("numFmtId", "-1")): f.get("formatCode", "") for f in root.iter(_MAIN + "numFmt")
    }
    dates, durations = set(), set()
    xfs = root.find(_MAIN + "cellXfs")
    for i, xf in enumerate(xfs if xfs is not None else []):
        fmt = int(xf.get("numFmtId", "0"))
        code = custom.get(fmt)
        if code is None:
            if fmt in _BUILTIN_DATES:
                dates.add(i)
            elif fmt == 46:
                durations.add(i)
        elif re.search(r"\[[hms]+\]", code, re.I):
            durations.add(i)
        elif _is_date_format(code):
            dates.add(i)
    return frozenset(dates), frozenset(durations)


class StreamedWorkbook:
    """An XLSX workbook whose sheets are read row by row (see :func:`open_workbook`)."""

    def __init__(self, zf: zipfile.ZipFile, names: list[str], hidden: set[str], parts: dict):
        self._zf = zf
        #: The sheet names in workbook order, and those hidden (``hidden`` or ``veryHidden``).
        self.names = names
        self.hidden = hidden
        self._parts = parts
        self._strings: list[str] | None = None

    def close(self) -> None:
        """Close the workbook's file."""
        self._zf.close()

    def size(self, name: str) -> int:
        """Uncompressed bytes of the sheet's XML and the shared strings."""
        info = self._zf.NameToInfo
        strings = info.get(self._parts.get("#strings", ""))
        return info[self._parts[name]].file_size + (strings.file_size if strings else 0)

    def sheet(self, name: str) -> tuple[int, Iterator[list[str]]] | None:
        """(sheet row of the first row yielded, rows as lists of text), or ``None`` when the
        sheet is not in a form this reader knows (the caller then uses calamine)."""
        part = self._parts[name]
        with self._zf.open(part) as fh:
            head = fh.read(1 << 16)
        m = _DIMENSION.search(head)
        if m is None or b"<worksheet" not in head:
            return None  # no dimension, or prefixed element names (<x:worksheet>)
        if self._strings is None:
            self._strings = _shared_strings(self._zf, self._parts.get("#strings"))
        dates, durations = _date_styles(self._zf, self._parts.get("#styles"))
        first_col, first_row = _column(m.group(1)), int(m.group(2))
        rows = _rows(
            self._zf, part, self._strings, dates, durations, self._parts["#epoch"], first_col
        )
        return first_row, _fill_gaps(rows, first_row)


def open_workbook(path) -> StreamedWorkbook | None:
    """The workbook at ``path`` ready for streaming, or ``None`` when it is not a plain
    transitional-OOXML workbook (``.xlsb``, strict OOXML, a missing part, ...)."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        return None
    try:
        wb = _read_workbook(zf)
    except (KeyError, ET.ParseError, ValueError):
        wb = None
    if wb is None:
        zf.close()
    return wb


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in (PurePosixPath(base).parent / target).parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _read_workbook(zf: zipfile.ZipFile) -> StreamedWorkbook | None:
    rels = ET.fromstring(zf.read("_rels/.rels"))
    main = next(
        (
            r.get("Target", "")
            for r in rels.iter(_PKG_REL + "Relationship")
            if r.get("Type", "").endswith("/officeDocument")
            and r.get("Type", "").startswith("http://schemas.openxmlformats.org/")
        ),
        None,
    )
    if not main:
        return None
    main = _resolve("", main)
    if not main.endswith(".xml"):  # .xlsb's workbook.bin
        return None
    root = ET.fromstring(zf.read(main))
    if root.tag != _MAIN + "workbook":
        return None  # strict OOXML or something else
    rel_path = _resolve(main, "_rels/" + PurePosixPath(main).name + ".rels")
    targets: dict[str, str] = {}
    parts: dict[str, str] = {}
    for r in ET.fromstring(zf.read(rel_path)).iter(_PKG_REL + "Relationship"):
        kind = r.get("Type", "").rsplit("/", 1)[-1]
        target = _resolve(main, r.get("Target", ""))
        targets[r.get("Id", "")] = target
        if kind == "sharedStrings":
            parts["#strings"] = target
        elif kind == "styles":
            parts["#styles"] = target
    pr = root.find(_MAIN + "workbookPr")
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    parts["#epoch"] = "1904" if date1904 else "1900"
    names: list[str] = []
    hidden: set[str] = set()
    for s in root.iter(_MAIN + "sheet"):
        name = s.get("name", "")
        target = targets.get(s.get(_REL + "id", ""))
        if target is None or target not in zf.NameToInfo:
            return None  # a chartsheet or a broken link: let calamine judge
        names.append(name)
        parts[name] = target
        if s.get("state", "visible") != "visible":
            hidden.add(name)
    return StreamedWorkbook(zf, names, hidden, parts)


def _fill_gaps(rows: Iterator[tuple[int, list[str]]], first_row: int) -> Iterator[list[str]]:
    expected = first_row
    for number, cells in rows:
        if number < expected:
            continue  # before the sheet's range (or out of order): calamine drops it too
        while expected < number:
            yield []
            expected += 1
        yield cells
        expected += 1


def _rows(
    zf: zipfile.ZipFile,
    part: str,
    strings: list[str],
    dates: frozenset[int],
    durations: frozenset[int],
    epoch: str,
    first_col: int,
) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cells) for each ``<row>`` of the sheet, cells from ``first_col``."""
    base = dt.datetime(1904, 1, 1) if epoch == "1904" else dt.datetime(1899, 12, 30)
    columns: dict[bytes, int] = {}
    styles: dict[bytes, tuple[bytes | None, bytes | None]] = {}

    def render(body: bytes, kind: bytes | None, style: bytes | None) -> str:
        return _render(body, kind, style, strings, dates, durations, base)

    def plain_style(style: bytes | None) -> bool:
        """A number in this style shows as the number (not a date or a duration)."""
        return style is None or (int(style) not in dates and int(style) not in durations)

    render.plain_style = plain_style  # type: ignore[attr-defined]
    number = 0
    with zf.open(part) as fh:
        carry = b""
        while True:
            chunk = fh.read(_CHUNK)
            data = carry + chunk
            pieces = data.split(b"</row>")
            carry = pieces.pop() if chunk else b""
            for piece in pieces:
                m = _ROW_START.search(piece)
                while m is not None and m.group(2):  # <row/>: no cells, no </row>
                    r = _R_ATTR.search(m.group(1))
                    number = int(r.group(1)) if r else number + 1
                    yield number, []
                    m = _ROW_START.search(piece, m.end())
                if m is None:
                    continue
                r = _R_ATTR.search(m.group(1))
                number = int(r.group(1)) if r else number + 1
                fast = _FAST_CELL.findall(piece, m.end())
                if len(fast) == piece.count(b"<c ") + piece.count(b"<c>"):
                    cells = _fast_cells(fast, columns, styles, first_col, strings, render)
                    if cells is not None:
                        yield number, cells
                        continue
                cells = []
                for cattrs, body in _CELL.findall(piece, m.end()):
                    ref = kind = style = None
                    for key, val in _CELL_ATTR.findall(cattrs):
                        if key == b"r":
                            ref = val
                        elif key == b"t":
                            kind = val
                        else:
                            style = val
                    if ref is not None:
                        letters = ref.rstrip(b"0123456789")
                        col = columns.get(letters)
                        if col is None:
                            col = columns[letters] = _column(letters) - first_col
                        if col < 0:
                            continue
                        if col > len(cells):
                            cells.extend([""] * (col - len(cells)))
                        elif col < len(cells):
                            continue  # a cell given twice: the first stands
                    cells.append(
                        _render(body, kind, style, strings, dates, durations, base) if body else ""
                    )
                yield number, cells
            if not chunk:
                break


#: A cell as Excel and openpyxl write it: ``r`` first, then ``s``/``t`` (any order, read from
#: the rest), a formula, a value or an inline string. Rows where this misses a cell (counted
#: against ``<c``) take the general path.
_FAST_CELL = re.compile(
    rb'<c r="([A-Z]+)\d+"([^>]*?)(?:/>|>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?'
    rb"(?:<v>([^<]*)</v>|<v\s*/>)?(?:<is>(.*?)</is>)?</c>)",
    re.S,
)


def _fast_cells(
    found: list[tuple[bytes, bytes, bytes, bytes]],
    columns: dict[bytes, int],
    styles: dict[bytes, tuple[int, bytes | None, bytes | None]],
    first_col: int,
    strings: list[str],
    render,
) -> list[str] | None:
    """The row's cells from ``_FAST_CELL`` matches; ``None`` when a cell repeats a column."""
    cells: list[str] = []
    append = cells.append
    for letters, rest, value, inline in found:
        col = columns.get(letters)
        if col is None:
            col = columns[letters] = _column(letters) - first_col
        if col != len(cells):
            if col < 0:
                continue
            if col < len(cells):
                return None
            cells.extend([""] * (col - len(cells)))
        how = styles.get(rest)
        if how is None:
            attrs = dict(_CELL_ATTR.findall(rest))
            kind, style = attrs.get(b"t"), attrs.get(b"s")
            plain = kind == b"s" or (kind in (None, b"n") and render.plain_style(style))
            how = styles[rest] = (1 if kind == b"s" else 2 if plain else 0, kind, style)
        if inline:
            append(render(b"<is>" + inline + b"</is>", how[1], how[2]))
        elif not value:
            append("")
        elif how[0] == 1:
            append(strings[int(value)])
        elif how[0] == 2 and value.isdigit() and (value[0] != 48 or len(value) == 1):
            append(value.decode())
        else:
            append(render(b"<v>" + value + b"</v>", how[1], how[2]))
    return cells


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return unescape(text) if "&" in text else text


def _render(
    body: bytes,
    kind: bytes | None,
    style: bytes | None,
    strings: list[str],
    dates: frozenset[int],
    durations: frozenset[int],
    base: dt.datetime,
) -> str:
    if kind == b"inlineStr":
        return _text(b"".join(_TEXT.findall(_PHONETIC.sub(b"", body))))
    m = _VALUE.search(body)
    if m is None:
        return ""  # a formula without a cached value
    raw = m.group(1)
    if kind == b"s":
        return strings[int(raw)]
    if kind is None or kind == b"n":
        if not raw:
            return ""
        value = float(raw)
        if style is not None and dates and int(style) in dates:
            return _date(value, base)
        if style is not None and durations and int(style) in durations:
            return str(dt.timedelta(days=value))
        if value.is_integer():
            return str(int(value))
        return str(value)
    if kind == b"b":
        return "True" if raw in (b"1", b"true") else "False"
    if kind == b"e":
        return ""  # an error (#N/A, #DIV/0!) reads as empty, as calamine reads it
    return _text(raw)  # str (a formula's text), d (an ISO date)


def _date(serial: float, base: dt.datetime) -> str:
    if 0 <= serial < 1:
        moment = dt.datetime(2000, 1, 1) + dt.timedelta(days=serial)
        return moment.time().isoformat()
    if base.year == 1899 and serial < 60:
        serial += 1  # Excel's 1900 counts a 29 February that did not exist
    moment = base + dt.timedelta(days=serial)
    if moment.time() == dt.time():
        return moment.date().isoformat()
    return moment.isoformat()
