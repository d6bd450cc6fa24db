"""How the cells of an XLSX sheet render as text, as :func:`pptaxonomy.audit.reading._cell`
renders python-calamine's values: a cell at a time from its XML, or a column at a time from
the groups of :mod:`.xlsx`'s row regex (in C where the column allows)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

_CELL_ATTR = re.compile(rb'\b([rst])="([^"]*)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_TEXT = re.compile(rb"<t\b[^>]*>([^<]*)</t>")
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_SHARED, _PLAIN, _OTHER = 1, 2, 0
#: Rendered values kept per cell form (a bound: a column of distinct numbers or dates would
#: otherwise keep them all).
_MEMO_MAX = 50_000
_SHARED_REST = b' t="s"'
_LEADING_ZERO = re.compile(rb"(?:^|\x00)0\d")


class _Memo(dict):
    """Rendered text by raw ``<v>`` value; a miss renders with ``make`` (hits stay in C)."""

    def __init__(self, make) -> None:
        super().__init__({b"": ""})
        self.make = make

    def __missing__(self, key: bytes) -> str:
        value = self[key] = self.make(key)
        return value


def _plain(raw: bytes) -> str:
    """A number in a style that shows the number: digits as given, else as calamine's float."""
    if raw.isdigit() and (raw[0] != 48 or len(raw) == 1):
        return raw.decode()
    value = float(raw)
    return str(int(value)) if value.is_integer() else str(value)


class _Cells:
    """How the sheet's cells render as text, a column at a time (see :func:`_render`)."""

    def __init__(self, strings: list[str], dates, durations, epoch: str) -> None:
        self.strings = strings
        self.dates, self.durations = dates, durations
        self.base = dt.datetime(1904, 1, 1) if epoch == "1904" else dt.datetime(1899, 12, 30)
        self.plain = _Memo(_plain)
        self._forms: dict[bytes, tuple[int, bytes | None, bytes | None]] = {}
        self._memos: dict[bytes, _Memo] = {}
        self._shared: set[bytes] = set()

    def render(self, body: bytes, kind: bytes | None, style: bytes | None) -> str:
        """A cell's text from its XML body (``<v>``, ``<is>``, ``<f>``)."""
        return _render(body, kind, style, self.strings, self.dates, self.durations, self.base)

    def plain_style(self, style: bytes | None) -> bool:
        """A number in this style shows as the number (not a date or a duration)."""
        return style is None or (int(style) not in self.dates and int(style) not in self.durations)

    def form(self, rest: bytes) -> tuple[int, bytes | None, bytes | None]:
        """(shared string, plain number or other; ``t``; ``s``) of a cell's attributes."""
        found = self._forms.get(rest)
        if found is None:
            attrs = dict(_CELL_ATTR.findall(rest))
            kind, style = attrs.get(b"t"), attrs.get(b"s")
            if kind == b"s":
                how = _SHARED
                self._shared.add(rest)
            elif kind in (None, b"n") and self.plain_style(style):
                how = _PLAIN
            else:
                how = _OTHER
            found = self._forms[rest] = (how, kind, style)
        return found

    def memo(self, rest: bytes) -> _Memo:
        """The rendered values of cells with these attributes (plain numbers share one)."""
        memo = self._memos.get(rest)
        if memo is None:
            how, kind, style = self.form(rest)
            if how == _PLAIN:
                memo = self.plain
            else:
                memo = _Memo(lambda raw: self.render(b"<v>" + raw + b"</v>", kind, style))
            self._memos[rest] = memo
        return memo

    def cell(self, rest: bytes, raw: bytes, inline: bytes) -> str:
        """One cell's text from the row regex's three groups."""
        how, kind, style = self.form(rest)
        if inline:
            return self.render(b"<is>" + inline + b"</is>", kind, style)
        if not raw:
            return ""
        if how == _SHARED:
            return self.strings[int(raw)]
        return self.memo(rest)[raw]

    def column(self, rests: tuple, raws: tuple, inlines: tuple | None) -> list[str]:
        """A column's text from the row regex's groups for it, in C where the column allows:
        one cell form (shared strings, plain numbers, dates) or plain numbers only."""
        forms = set(rests)
        if inlines is None or not any(inlines):
            hows = {self.form(rest)[0] for rest in forms}
            if hows == {_PLAIN}:
                return self.plain_column(raws)
            if len(forms) == 1:
                if hows == {_SHARED} and all(raws):
                    return list(map(self.strings.__getitem__, map(int, raws)))
                if hows == {_OTHER}:
                    return list(map(self.memo(rests[0]).__getitem__, raws))
        memos = {rest: self.memo(rest) for rest in forms}
        strings, shared, cell = self.strings, self._shared, self.cell
        if inlines is None:
            return [
                strings[int(v)] if v and r in shared else memos[r][v]
                for r, v in zip(rests, raws, strict=True)
            ]
        return [
            cell(r, v, i) if i else strings[int(v)] if v and r in shared else memos[r][v]
            for r, v, i in zip(rests, raws, inlines, strict=True)
        ]

    def plain_column(self, raws: tuple) -> list[str]:
        """A column of plain numbers (or empty cells): digits split in C when they all are."""
        joined = b"\x00".join(raws)
        if joined.replace(b"\x00", b"").isdigit() and not _LEADING_ZERO.search(joined):
            return joined.decode().split("\x00")
        return list(map(self.plain.__getitem__, raws))

    def flagged(self, flags: tuple, others: tuple, raws: tuple) -> list[str]:
        """A column from the two-group regex's three groups a cell: ``s`` when the cell's only
        attribute is ``t="s"``, else its attributes, and its value."""
        if any(others):
            rests = tuple(_SHARED_REST if f else o for f, o in zip(flags, others, strict=True))
            return self.column(rests, raws, None)
        kinds = set(flags)
        if kinds == {b""}:  # no attributes: plain numbers
            return self.plain_column(raws)
        strings = self.strings
        if kinds == {b"s"} and all(raws):
            return list(map(strings.__getitem__, map(int, raws)))
        plain = self.plain
        return [strings[int(v)] if f and v else plain[v] for f, v in zip(flags, raws, strict=True)]

    def trim(self) -> None:
        """Forget rendered values beyond the bound (called between blocks)."""
        for memo in (self.plain, *self._memos.values()):
            if len(memo) > _MEMO_MAX:
                memo.clear()
                memo[b""] = ""


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
