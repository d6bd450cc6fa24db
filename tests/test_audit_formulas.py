"""Formula cells in an XLSX input are warned about (the probe's D18): without a cached value
they read as empty, with one they read as the value last saved; never silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from pptaxonomy.audit import audit
from pptaxonomy.audit.formulas import sheet_formulas

from .test_audit_xlsx import _book

openpyxl = pytest.importorskip("openpyxl")


def _programmatic(path: Path, formulas: int) -> Path:
    """A workbook as openpyxl or pandas writes one: formulas, no cached values."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Position Title", "Occupation Code"])
    ws.append(["Clinical Psychologist", "S1L"])
    for i in range(formulas):
        ws.append(['="Counsell"&"or"', f"=B{i + 2}"])
    wb.save(path)
    return path


def _warnings(path: Path) -> list[str]:
    summary = audit(path, "Position Title", "Occupation Code").summary
    return [w for w in summary["warnings"] if "formula" in w]


def test_formulas_without_cached_values_are_warned_about(tmp_path: Path):
    (warning,) = _warnings(_programmatic(tmp_path / "a.xlsx", 3))
    assert "6 formula cell(s) (A3, B3, A4, B4, A5 ...)" in warning
    assert "6 without a saved value read as empty" in warning


def test_formulas_with_cached_values_are_warned_about_too(tmp_path: Path):
    sheet = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Position Title</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Occupation Code</t></is></c></row>'
        '<row r="2"><c r="A2" t="str"><f>"Counsellor"</f><v>Counsellor</v></c>'
        '<c r="B2" t="str"><f t="shared" ref="B2:B3" si="0">"S1L"</f><v>S1L</v></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>PWP</t></is></c>'
        '<c r="B3" t="str"><f t="shared" si="0"/><v>S1L</v></c></row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><t>Counsellor</t></is></c><c r="B4"/></row>'
    )
    src = _book(tmp_path / "b.xlsx", sheet, dimension='<dimension ref="A1:B4"/>')
    (warning,) = _warnings(src)
    assert "3 formula cell(s) (A2, B2, B3)" in warning
    assert "3 read by the value last saved" in warning and "empty" not in warning


def test_a_sheet_without_formulas_gives_no_warning(tmp_path: Path):
    assert _warnings(_programmatic(tmp_path / "c.xlsx", 0)) == []


def test_a_formula_cut_across_chunks_is_counted_once(tmp_path: Path, monkeypatch):
    import pptaxonomy.audit.formulas as formulas

    monkeypatch.setattr(formulas, "_CHUNK", 7)
    found = sheet_formulas(_programmatic(tmp_path / "d.xlsx", 40), "Data")
    assert found is not None and (found.count, found.uncached) == (80, 80)


def test_the_streamed_sheet_counts_formulas_as_it_reads_them(tmp_path: Path, monkeypatch):
    # the streaming reader counts them in its own chunks (cut across cells here), so the
    # sheet is not inflated and scanned a second time
    import pptaxonomy.audit.formulas as formulas
    import pptaxonomy.audit.xlsx as xlsx

    def second_scan(*_args):
        raise AssertionError("the streamed sheet was scanned again for formulas")

    monkeypatch.setattr(formulas, "sheet_formulas", second_scan)
    monkeypatch.setattr(xlsx, "_CHUNK", 64)
    (warning,) = _warnings(_programmatic(tmp_path / "e.xlsx", 40))
    assert "80 formula cell(s) (A3, B3, A4, B4, A5 ...)" in warning
    assert "80 without a saved value read as empty" in warning


def test_a_sheet_read_by_calamine_is_scanned_for_formulas(tmp_path: Path, monkeypatch):
    import pptaxonomy.audit.reading as reading

    monkeypatch.setattr(reading, "STREAM_ABOVE_BYTES", 1 << 30)
    (warning,) = _warnings(_programmatic(tmp_path / "f.xlsx", 3))
    assert "6 formula cell(s) (A3, B3, A4, B4, A5 ...)" in warning
