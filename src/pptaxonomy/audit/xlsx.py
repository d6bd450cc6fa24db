"""A streaming XLSX sheet reader: the sheet's XML read in chunks, rows yielded as blocks of
text columns.

python-calamine has no streaming API: it holds the whole sheet (a 1-million-row sheet took
about 880 MB). This reader keeps only the shared strings and a few chunks of the sheet's XML
in memory. Each chunk's rows are matched whole by one regex per sheet width, and the cells
rendered a column at a time, as :func:`pptaxonomy.audit.reading._cell` renders calamine's
value (whole numbers without ``.0``, date-formatted numbers as ISO dates, booleans as
``True``/``False``); a chunk the regex does not fit takes a general path. :func:`open_workbook`
returns ``None`` for anything it does not know (strict OOXML, prefixed element names, no
``<dimension>``, a missing part), and the caller then reads the workbook with calamine.
"""

from __future__ import annotations

import operator
import queue
import re
import threading
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from html import unescape
from itertools import zip_longest
from pathlib import PurePosixPath
from xml.etree import ElementTree as ET

from .formulas import Formulas, count_formulas
from .xlsx_cells import _CELL_ATTR, _Cells

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CHUNK = 1 << 20
_AHEAD = 4

_ROW_START = re.compile(rb"<row\b([^>]*?)(/?)>")
_R_ATTR = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_DIMENSION = re.compile(rb'<dimension\s+ref="\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?\d+)?')
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
_SI_PLAIN = re.compile(rb"<si><t>([^<\x00]*+)</t></si>")
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
            if b"<si/>" in data or b":si>" in data:
                return _shared_strings_tree(zf, path)
            plain = _SI_PLAIN.findall(data, 0, cut)
            if len(plain) == data.count(b"<si>", 0, cut) and data.find(b"&", 0, cut) < 0:
                # every entry a plain <si><t>: decoded at once, in C
                out.extend(b"\x00".join(plain).decode("utf-8").split("\x00") if plain else ())
                carry = data[cut:]
                if not chunk:
                    break
                continue
            text, carry = data[:cut].decode("utf-8"), data[cut:]
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

    def blocks(
        self, name: str, formulas: Formulas | None = None
    ) -> tuple[int, Iterator[Block]] | None:
        """(sheet row of the first row, the rows as blocks of columns), or ``None`` when the
        sheet is not in a form this reader knows (the caller then uses calamine). The
        sheet's formula cells are counted into ``formulas`` as the blocks are read (the
        count is whole once the blocks are)."""
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
        width = (_column(m.group(3)) if m.group(3) else first_col) - first_col + 1
        if not 0 < width <= _MAX_FAST_WIDTH:
            width = 1  # the rows tell (a range to XFD is formatting, not data)
        cells = _Cells(self._strings, dates, durations, self._parts["#epoch"])
        return first_row, _blocks(self._zf, part, cells, first_col, first_row, width, formulas)

    def sheet(self, name: str) -> tuple[int, Iterator[list[str]]] | None:
        """(sheet row of the first row yielded, rows as lists of text, an empty list for
        each row the sheet skips), or ``None`` as :meth:`blocks`."""
        opened = self.blocks(name)
        if opened is None:
            return None
        first, blocks = opened
        return first, rows_of(blocks, first)


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


#: A block of sheet rows: their sheet row numbers and their cells by column (every column as
#: long as the numbers; a column holds "" where a row has no cell).
Block = tuple[list[int], list[list[str]]]

#: Widest row (in columns) matched by one regex; wider sheets take the general path.
_MAX_FAST_WIDTH = 256
_ROWS_IN = (b"<row ", b"<row>", b"<row/>")


def _letters(index: int) -> bytes:
    """The column letters of a 0-based column index (0 -> ``A``, 26 -> ``AA``)."""
    out = b""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = bytes([65 + rem]) + out
    return out


@lru_cache(maxsize=16)
def _row_pattern(first_col: int, width: int, full: bool) -> re.Pattern[bytes]:
    """One regex matching a whole ``<row>`` of cells ``first_col`` .. ``first_col+width-1``
    in order, each optional: with ``full``, three groups a cell (its attributes after ``r``,
    its ``<v>`` value, its ``<is>`` inline string) and formulas passed over, as Excel,
    openpyxl and xlsxwriter write them; else for cells without formula or inline string
    (about a third faster) ``s`` when ``t="s"`` is the cell's only attribute, else its
    attributes, and its value. Possessive quantifiers: a row that does not
    fit fails at once instead of backtracking."""
    if full:
        cell = (
            rb'(?:<c r="%s\d++"([^>/]*+)(?:/>|>(?:<f\b[^>]*+>(?:[^<]*+</f>)?)?'
            rb"(?:<v>([^<]*+)</v>|<v\s*+/>)?(?:<is>((?:[^<]++|<(?!/is>))*+)</is>)?</c>))?"
        )
    else:
        # t="(s)" captures one byte, which Python does not allocate: a shared-string cell
        # costs only its value
        cell = rb'(?:<c r="%s\d++"(?: t="(s)"|([^>/]*+))(?:/>|>(?:<v>([^<]*+)</v>)?</c>))?'
    cells = b"".join(cell % _letters(first_col + j) for j in range(width))
    return re.compile(rb'<row r="(\d++)"[^>/]*+(?:/>|>' + cells + rb"</row>)")


def _chunks(zf: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The part's bytes in chunks, inflated by a thread a few chunks ahead (zlib releases
    the GIL, so inflating overlaps the parsing); at most ``_AHEAD`` chunks wait."""
    ahead: queue.Queue = queue.Queue(_AHEAD)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def inflate() -> None:
        try:
            with zf.open(part) as fh:
                while chunk := fh.read(_CHUNK):
                    if not put(chunk):
                        return
            put(b"")
        except BaseException as exc:  # handed to the reader, which raises it
            put(exc)

    worker = threading.Thread(target=inflate, name="pptaxonomy-xlsx-inflate", daemon=True)
    worker.start()
    try:
        while True:
            item = ahead.get()
            if isinstance(item, BaseException):
                raise item
            yield item
            if not item:
                return
    finally:
        stop.set()
        worker.join()


def _blocks(
    zf: zipfile.ZipFile,
    part: str,
    cells: _Cells,
    first_col: int,
    first_row: int,
    width: int,
    formulas: Formulas | None = None,
) -> Iterator[Block]:
    """The sheet's rows as blocks, one per chunk of XML: a chunk whose every ``<row>`` a
    row regex matches is rendered by column (the two-group regex is tried first, until a
    chunk needs the full one); another (cells without ``r``, out of order, a wider row) by
    the general path, which also widens the regexes for later chunks."""
    fast = width <= _MAX_FAST_WIDTH
    full = learned = False
    misses = 0
    number = 0  # the last row number seen (a <row> without r is the next one)
    expected = first_row
    carry = b""
    for chunk in _chunks(zf, part):
        data = carry + chunk
        if chunk:
            cut = data.rfind(b"</row>")
            if cut < 0:
                carry = data
                continue
            data, carry = data[: cut + 6], data[cut + 6 :]
        if formulas is not None:
            # the chunk's cells are whole (cut after a </row>): counted here, not by a
            # second inflate and scan of the sheet
            count_formulas(data, formulas)
        if fast and not learned:
            # the dimension may name one cell (A1): learn the width from the first rows
            # rather than read the first chunk by the general path
            head = data[: _nth(data, b"</row>", 64)]
            widest = max(
                (len(c) for _, c in _general_rows(head, number, cells, first_col)), default=0
            )
            width, learned = max(width, widest), True
            fast = width <= _MAX_FAST_WIDTH
        block = _fast_block(data, cells, first_col, width, full) if fast else None
        if block is None and fast and not full:
            block = _fast_block(data, cells, first_col, width, True)
            full = block is not None
        if block is not None:
            misses = 0
            numbers, columns = block
        else:
            rows = _general_rows(data, number, cells, first_col)
            numbers = [n for n, _ in rows]
            columns = [list(c) for c in zip_longest(*(c for _, c in rows), fillvalue="")]
            if len(columns) > width:
                width = len(columns)
                fast = width <= _MAX_FAST_WIDTH
            elif fast:
                misses += 1
                fast = misses < 3  # else this sheet's rows are in no form the regexes know
        cells.trim()
        if not numbers:
            continue
        number = numbers[-1]
        if numbers[0] < expected or not all(map(operator.lt, numbers, numbers[1:])):
            keep = []
            for i, n in enumerate(numbers):
                if n >= expected:  # before the sheet's range, or out of order: calamine drops it
                    keep.append(i)
                    expected = n + 1
            numbers = [numbers[i] for i in keep]
            columns = [[c[i] for i in keep] for c in columns]
            if not numbers:
                continue
        expected = numbers[-1] + 1
        yield numbers, columns


def _nth(data: bytes, sep: bytes, n: int) -> int:
    """The end of the ``n``-th ``sep`` in ``data`` (or of ``data``)."""
    at = 0
    for _ in range(n):
        found = data.find(sep, at)
        if found < 0:
            return len(data)
        at = found + len(sep)
    return at


def _fast_block(data: bytes, cells: _Cells, first_col: int, width: int, full: bool) -> Block | None:
    """The rows of ``data`` by one row regex, or ``None`` when it misses a ``<row>``."""
    found = _row_pattern(first_col, width, full).findall(data)
    if len(found) != data.count(b"<row") and len(found) != sum(map(data.count, _ROWS_IN)):
        return None
    if not found:
        return [], []
    groups = list(zip(*found, strict=True))
    numbers = list(map(int, groups[0]))
    if full:
        columns = [
            cells.column(groups[k], groups[k + 1], groups[k + 2]) for k in range(1, len(groups), 3)
        ]
    else:
        columns = [
            cells.flagged(groups[k], groups[k + 1], groups[k + 2]) for k in range(1, len(groups), 3)
        ]
    return numbers, columns


def rows_of(blocks: Iterator[Block], first_row: int) -> Iterator[list[str]]:
    """The blocks as rows from ``first_row``, an empty row for each row the sheet skips."""
    expected = first_row
    for numbers, columns in blocks:
        for i, number in enumerate(numbers):
            while expected < number:
                yield []
                expected += 1
            yield [c[i] for c in columns]
            expected += 1


def _general_rows(
    data: bytes, number: int, cells: _Cells, first_col: int
) -> list[tuple[int, list[str]]]:
    """(sheet row number, cells from ``first_col``) of each ``<row>`` in ``data``, whatever
    the cells' form; ``number`` is the row before the first (for rows without ``r``)."""
    out: list[tuple[int, list[str]]] = []
    columns: dict[bytes, int] = {}
    for piece in data.split(b"</row>"):
        m = _ROW_START.search(piece)
        while m is not None and m.group(2):  # <row/>: no cells, no </row>
            r = _R_ATTR.search(m.group(1))
            number = int(r.group(1)) if r else number + 1
            out.append((number, []))
            m = _ROW_START.search(piece, m.end())
        if m is None:
            continue
        r = _R_ATTR.search(m.group(1))
        number = int(r.group(1)) if r else number + 1
        row: list[str] = []
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
                if col > len(row):
                    row.extend([""] * (col - len(row)))
                elif col < len(row):
                    continue  # a cell given twice: the first stands
            row.append(cells.render(body, kind, style) if body else "")
        out.append((number, row))
    return out
