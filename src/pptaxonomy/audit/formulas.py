"""Formula cells in the XLSX sheet the audit reads: found so that they are warned about.

The audit reads a cell's cached value, the one the application that last saved the workbook
computed. A workbook written by a program (openpyxl, pandas) has no cached values, so each
formula cell reads as empty; one saved by a spreadsheet holds values that may be stale. Either
way the audited text is not something the file states, so the audit says which cells hold
formulas. The streaming reader (:mod:`.xlsx`) counts them in the chunks it parses, by
:func:`count_formulas`; :func:`sheet_formulas` scans the sheet's XML on its own for a sheet
read by calamine. Only chunks holding a formula tag are parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_CHUNK = 1 << 20
_MAX_CARRY = 1 << 24
_ANY_FORMULA = re.compile(rb"<f[\s>/]")
#: A cell with content (a self-closing ``<c .../>`` has none).
_CELL = re.compile(rb"<c\b([^>]*[^/>])?>(.*?)</c>", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_CACHED = re.compile(rb"<v(?:\s[^>/]*)?>[^<]")  # openpyxl writes an empty <v />


@dataclass
class Formulas:
    """The formula cells of one sheet: how many, how many without a cached value, and the
    references of the first few."""

    count: int = 0
    uncached: int = 0
    first: list[str] = field(default_factory=list)

    def warning(self, sheet: str) -> str | None:
        """The audit's warning about them, or None when the sheet has none."""
        if not self.count:
            return None
        cells = ", ".join(self.first) + (" ..." if self.count > len(self.first) else "")
        parts = []
        if self.uncached:
            parts.append(f"{self.uncached:,} without a saved value read as empty")
        if self.count > self.uncached:
            parts.append(f"{self.count - self.uncached:,} read by the value last saved")
        return (
            f"sheet {sheet!r} has {self.count:,} formula cell(s) ({cells}): "
            f"{' and '.join(parts)}; the audit does not compute formulas, so paste them as "
            "values (or save the workbook in a spreadsheet) to audit what you see"
        )


def sheet_formulas(path: Path, sheet: str, shown: int = 5) -> Formulas | None:
    """The formula cells of ``sheet`` in the workbook at ``path``, or None when the workbook
    is not one whose XML can be scanned (``.xlsb``, strict OOXML)."""
    from .xlsx import open_workbook  # here: .xlsx imports count_formulas from this module

    wb = open_workbook(path)
    if wb is None:
        return None
    found = Formulas()
    try:
        part = wb._parts.get(sheet)
        if part is None:
            return None
        with wb._zf.open(part) as fh:
            carry = b""
            while chunk := fh.read(_CHUNK):
                buf = carry + chunk
                end = buf.rfind(b"</c>")
                if end < 0:  # no cell ends here: keep it all (a cell holds at most 32k chars)
                    carry = buf[-_MAX_CARRY:]
                    continue
                end += 4
                count_formulas(buf[:end], found, shown)
                carry = buf[end:]
    finally:
        wb.close()
    return found


def count_formulas(xml: bytes, found: Formulas, shown: int = 5) -> None:
    """Add the formula cells of ``xml`` (whole cells: cut after a ``</c>``) to ``found``."""
    if not _ANY_FORMULA.search(xml):
        return
    for m in _CELL.finditer(xml):
        body = m.group(2)
        if not _ANY_FORMULA.search(body):
            continue
        found.count += 1
        value = body[body.find(b"</f>") + 4 :] if b"</f>" in body else body
        if not _CACHED.search(value):
            found.uncached += 1
        if len(found.first) < shown:
            ref = _REF.search(m.group(1) or b"")
            found.first.append(ref.group(1).decode() if ref else "?")
