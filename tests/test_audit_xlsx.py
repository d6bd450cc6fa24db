"""The streaming XLSX reader (``pptaxonomy.audit.xlsx``) reads what calamine reads.

Each workbook is read twice: by the streaming reader (forced on small sheets) and by
python-calamine with the audit's own cell rendering; the rows must be the same.
"""

from __future__ import annotations

import csv
import datetime
import zipfile
from pathlib import Path

import pytest

import pptaxonomy.audit.reading as reading
from pptaxonomy.audit import AuditError, audit
from pptaxonomy.audit.xlsx import open_workbook

calamine = pytest.importorskip("python_calamine")

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _streamed(path: Path, sheet: str | None = None) -> tuple[str, int, list[list[str]]]:
    wb = open_workbook(path)
    assert wb is not None, "the streaming reader refused the workbook"
    try:
        name = reading._pick_sheet(path, sheet, wb.names, wb.hidden)
        opened = wb.sheet(name)
        assert opened is not None, "the streaming reader refused the sheet"
        first, rows = opened
        return name, first, [_trim(r) for r in rows]
    finally:
        wb.close()


def _calamine(path: Path, name: str) -> tuple[int, list[list[str]]]:
    ws = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name)
    first = (ws.start[0] + 1) if ws.start else 1
    return first, [_trim([reading._cell(v) for v in r]) for r in ws.iter_rows()]


def _trim(row: list[str]) -> list[str]:
    row = list(row)
    while row and row[-1] == "":
        row.pop()
    return row


def _same_as_calamine(path: Path, sheet: str | None = None) -> list[list[str]]:
    name, first, rows = _streamed(path, sheet)
    c_first, c_rows = _calamine(path, name)
    while c_rows and not c_rows[-1]:
        c_rows.pop()
    while rows and not rows[-1]:
        rows.pop()
    assert (first, rows) == (c_first, c_rows)
    return rows


def _book(path: Path, sheet_xml: str, strings: list[str] | None = None, **extra: str) -> Path:
    """A workbook written by hand: one sheet ``Data`` with the given ``<sheetData>`` body."""
    sst = ""
    if strings is not None:
        sst = f'<sst xmlns="{MAIN}">' + "".join(strings) + "</sst>"
    rels = f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if sst:
        rels += f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    if "styles" in extra:
        rels += f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>'
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
        ),
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        + extra.get("workbook_pr", "")
        + '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">{rels}</Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}">'
        + extra.get("dimension", '<dimension ref="A1:F9"/>')
        + f"<sheetData>{sheet_xml}</sheetData></worksheet>",
    }
    if sst:
        parts["xl/sharedStrings.xml"] = sst
    if "styles" in extra:
        parts["xl/styles.xml"] = extra["styles"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return path


def test_an_openpyxl_workbook_of_every_kind_of_cell(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    wb.active.append(["Workforce extract"])
    wb.active.sheet_state = "hidden"
    ws = wb.create_sheet("Data")
    ws.append(["Assignment", "Position Title", "Occupation Code", "Start", "FTE", "Flag"])
    ws.append(["X1", "Clinical Psychologist", 155, datetime.date(2024, 1, 5), 1.0, True])
    ws.append(["X2", "A & B <Psych>", "0155", datetime.datetime(2024, 1, 5, 10, 30), 0.5, False])
    ws.append(["X3", "Psychologist\u00e9\u4e2d", datetime.date(1900, 2, 1), datetime.time(9), 1e20])
    ws.append([None, None, None, None, None, None])
    ws.append(["X4", None, "=1+1", None, 0.1 + 0.2, -3])
    ws["H9"] = "far away"
    ws["B12"] = "after a gap"
    src = tmp_path / "a.xlsx"
    wb.save(src)
    rows = _same_as_calamine(src)
    assert rows[1] == ["X1", "Clinical Psychologist", "155", "2024-01-05", "1", "True"]
    assert rows[2][1:4] == ["A & B <Psych>", "0155", "2024-01-05T10:30:00"]
    assert rows[3][2:4] == ["1900-02-01", "09:00:00"]
    assert rows[5] == ["X4", "", "", "", "0.3", "-3"]
    assert _same_as_calamine(src, "Cover") == [["Workforce extract"]]


def test_hand_written_cells_that_openpyxl_does_not_write(tmp_path):
    strings = [
        "<si><t>Position Title</t></si>",
        '<si><t xml:space="preserve"> Clinical  Psychologist </t></si>',
        '<si><r><t xml:space="preserve">Counselling </t></r>'
        "<r><rPr><b/></rPr><t>Psychologist</t></r>"
        "<rPh><t>ignored</t></rPh></si>",
        "<si><t>Tom &amp; Jerry&#x263a;</t></si>",
    ]
    sheet = (
        # no r= on the row or its cells
        '<row><c t="s"><v>0</v></c><c t="inlineStr"><is><t>Code</t></is></c><c><v>7</v></c></row>'
        # attributes in another order, a style after the type, a sparse row
        '<row r="2"><c t="s" r="A2"><v>1</v></c><c r="C2" t="e"><v>#N/A</v></c></row>'
        # formulas: cached string, cached number, no cached value; a boolean; rich text
        '<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="str"><f>A1</f><v>S1L</v></c>'
        '<c r="C3"><f>1+1</f><v>2</v></c><c r="D3"><f>1/0</f></c><c r="E3" t="b"><v>1</v></c>'
        "</row>"
        # a gap of two rows, then text with entities and an inline rich string
        '<row r="6"><c r="A6" t="s"><v>3</v></c>'
        '<c r="B6" t="inlineStr"><is><r><t>In</t></r><r><t>line</t></r></is></c>'
        '<c r="C6" t="n"><v>1.5E-3</v></c><c r="D6" s="0" t="n"><v>012</v></c></row>'
        '<row r="7" spans="1:3"/>'
        '<row r="8"><c r="A8" t="inlineStr"><is><t>after an empty row</t></is></c></row>'
    )
    rows = _same_as_calamine(_book(tmp_path / "a.xlsx", sheet, strings))
    assert rows[0] == ["Position Title", "Code", "7"]
    assert rows[1] == [" Clinical  Psychologist "]  # an error cell is empty, as calamine
    assert rows[2] == ["Counselling Psychologist", "S1L", "2", "", "True"]
    assert rows[3:5] == [[], []]
    assert rows[5] == ["Tom & Jerry\u263a", "Inline", "0.0015", "12"]
    assert rows[6:] == [[], ["after an empty row"]]


def test_dates_by_style_and_the_1904_calendar(tmp_path):
    styles = (
        f'<styleSheet xmlns="{MAIN}"><numFmts count="2">'
        '<numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
        '<numFmt numFmtId="165" formatCode="&quot;Band &quot;0"/></numFmts>'
        '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/>'
        '<xf numFmtId="14"/></cellXfs></styleSheet>'
    )
    sheet = (
        '<row r="1"><c r="A1" s="1"><v>45296</v></c><c r="B1" s="2"><v>7</v></c>'
        '<c r="C1" s="3"><v>45296.5</v></c><c r="D1" s="0"><v>45296</v></c></row>'
    )
    for pr in ("", '<workbookPr date1904="1"/>'):
        path = _book(tmp_path / f"d{len(pr)}.xlsx", sheet, styles=styles, workbook_pr=pr)
        rows = _same_as_calamine(path)
        assert rows[0][1] == "7" and rows[0][3] == "45296"  # a "Band "0 format is no date
        assert rows[0][2].endswith("T12:00:00")
        assert rows[0][0] == ("2024-01-05" if not pr else "2028-01-06")


def test_a_sheet_starting_below_and_right_of_a1_reads_from_its_first_cell(tmp_path):
    sheet = (
        '<row r="3"><c r="C3" t="inlineStr"><is><t>Position Title</t></is></c>'
        '<c r="D3" t="inlineStr"><is><t>Code</t></is></c></row>'
        '<row r="4"><c r="C4" t="inlineStr"><is><t>PWP</t></is></c><c r="D4"><v>55</v></c></row>'
    )
    path = _book(tmp_path / "a.xlsx", sheet, dimension='<dimension ref="C3:D4"/>')
    # calamine trims the columns too but yields two empty rows before its ``start`` row
    assert _streamed(path) == ("Data", 3, [["Position Title", "Code"], ["PWP", "55"]])
    assert _calamine(path, "Data") == (3, [[], [], ["Position Title", "Code"], ["PWP", "55"]])


@pytest.mark.parametrize(
    "change",
    [
        lambda xml: xml.replace("<dimension", "<dimensionX").replace("<dimensionX", "<nodim"),
        lambda xml: xml.replace("<worksheet", "<x:worksheet").replace(
            "</worksheet", "</x:worksheet"
        ),
    ],
    ids=["no dimension", "prefixed elements"],
)
def test_a_sheet_the_streaming_reader_does_not_know_is_read_by_calamine(tmp_path, change):
    sheet = '<row r="1"><c r="A1" t="inlineStr"><is><t>Position Title</t></is></c></row>'
    sheet += '<row r="2"><c r="A2" t="inlineStr"><is><t>Clinical Psychologist</t></is></c></row>'
    path = _book(tmp_path / "a.xlsx", sheet)
    broken = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path) as zi, zipfile.ZipFile(broken, "w") as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename.endswith("sheet1.xml"):
                data = (
                    change(data.decode())
                    .replace("<x:worksheet", f'<x:worksheet xmlns:x="{MAIN}"', 1)
                    .encode()
                )
            zo.writestr(info, data)
    wb = open_workbook(broken)
    assert wb is not None and wb.sheet("Data") is None
    wb.close()
    if b"x:worksheet" in zipfile.ZipFile(broken).read("xl/worksheets/sheet1.xml"):
        return  # calamine itself reads no prefixed sheet
    summary = audit(broken, "Position Title").summary
    assert summary["rows"]["audited"] == 1


def test_a_strict_or_binary_workbook_is_not_streamed(tmp_path):
    path = _book(tmp_path / "a.xlsx", "")
    strict = tmp_path / "strict.xlsx"
    with zipfile.ZipFile(path) as zi, zipfile.ZipFile(strict, "w") as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.replace(MAIN.encode(), b"http://purl.oclc.org/ooxml/spreadsheetml/main")
            zo.writestr(info, data)
    assert open_workbook(strict) is None
    (tmp_path / "not.xlsx").write_bytes(b"PK\x03\x04 broken")
    assert open_workbook(tmp_path / "not.xlsx") is None


@pytest.fixture
def always_stream(monkeypatch):
    monkeypatch.setattr(reading, "STREAM_ABOVE_BYTES", 0)


def test_the_audit_of_a_streamed_sheet_is_the_audit_of_calamine_reading(tmp_path, monkeypatch):
    from .test_audit_hostile import _workbook

    src = _workbook(tmp_path / "a.xlsx", hidden_first=True, banner=True)
    outputs = {}
    for limit in (0, 1 << 40):  # streamed, then read by calamine
        monkeypatch.setattr(reading, "STREAM_ABOVE_BYTES", limit)
        out = tmp_path / f"rows{limit}.csv"
        summary = audit(src, "Position Title", "Occupation Code", "Assignment", output=out).summary
        with out.open(encoding="utf-8", newline="") as fh:
            outputs[limit] = (sorted(map(tuple, csv.reader(fh))), summary["warnings"])
        assert summary["input"]["sheet"] == "Data"
    assert outputs[0] == outputs[1 << 40]
    rows = {r[0]: r for r in outputs[0][0]}
    assert rows["X2"][2] == "55" and rows["X3"][3] == "1"
    assert any("hidden sheet(s) skipped: Lookups" in w for w in outputs[0][1])
    assert any("looks like a title" in w for w in outputs[0][1])


def test_a_broken_sheet_is_a_clear_error(tmp_path, always_stream):
    sheet = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Position Title</t></is></c></row>'
        '<row r="2"><c r="A2" t="s"><v>99</v></c></row>'  # no such shared string
    )
    path = _book(tmp_path / "a.xlsx", sheet, ["<si><t>x</t></si>"])
    with pytest.raises(AuditError, match="sheet 'Data' cannot be read"):
        audit(path, "Position Title")


def test_sheet_option_and_hidden_sheets_when_streamed(tmp_path, always_stream):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "Lookups"
    wb.active.append(["x"])
    wb.active.sheet_state = "hidden"
    for name, title in (("March", "Clinical Psychologist"), ("April", "PWP")):
        ws = wb.create_sheet(name)
        ws.append(["Position Title"])
        ws.append([title])
    src = tmp_path / "a.xlsx"
    wb.save(src)
    assert audit(src, "Position Title").summary["input"]["sheet"] == "March"
    summary = audit(src, "Position Title", sheet="April").summary
    assert summary["input"]["sheet"] == "April" and summary["rows"]["audited"] == 1
    with pytest.raises(AuditError, match="sheets found: Lookups, March, April"):
        audit(src, "Position Title", sheet="May")


def _old_copy(rows: list[tuple[int, list[str]]], width: int) -> tuple[str, list[int]]:
    """The sheet copy as the row-by-row writer made it (``csv.writer``, one row at a time)."""
    import io

    fh = io.StringIO(newline="")
    writer = csv.writer(fh)
    ragged = []
    for line, cells in rows:
        if not any(cells):
            continue
        if len(cells) > width and any(cells[width:]):
            ragged.append(line)
            continue
        writer.writerow((cells + [""] * width)[:width])
    return fh.getvalue(), ragged


def test_the_sheet_copy_is_byte_for_byte_what_csv_writer_writes():
    import io
    import random

    from pptaxonomy.audit.sheetcsv import write_block

    rng = random.Random(17)
    alphabet = ["a", "Z", " ", ",", '"', "\r", "\n", "\r\n", "\u00e9", "\u4e2d", "0", "'", ";"]
    for _ in range(200):
        width = rng.randint(1, 5)
        n = rng.randint(1, 30)
        cols = rng.randint(1, width + 2)
        rows = []
        for i in range(n):
            cells = [
                "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 0, 1, 3])))
                for _ in range(cols)
            ]
            rows.append((i + 2, cells))
        want, ragged = _old_copy(rows, width)
        fh, problems = io.StringIO(newline=""), []
        columns = [[cells[j] for _, cells in rows] for j in range(cols)]
        write_block(fh, [line for line, _ in rows], columns, width, problems)
        assert fh.getvalue() == want
        assert [p["line"] for p in problems] == ragged


def _long_sheet(n: int) -> str:
    """``n`` rows in the forms the row regexes know, then formulas and inline strings (the
    full regex), a row wider than the rest, rows and cells without ``r`` (the general path),
    and plain rows again."""
    rows = ['<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>']
    for i in range(2, n + 2):
        if i < n // 3:
            code = f'<c r="B{i}"><v>{i}</v></c>' if i % 4 else ""  # sparse: some missing
            rows.append(f'<row r="{i}"><c r="A{i}" t="s"><v>{2 + i % 3}</v></c>{code}</row>')
        elif i < n // 2:
            rows.append(
                f'<row r="{i}" spans="1:2"><c r="A{i}" t="inlineStr"><is><t>In {i}</t></is></c>'
                f'<c r="B{i}"><f>ROW()</f><v>{i}</v></c></row>'
            )
        elif i == n // 2:
            rows.append(
                f'<row r="{i}"><c r="A{i}" t="s"><v>2</v></c><c r="D{i}" t="b"><v>1</v></c></row>'
            )
        elif i < n // 2 + 50:
            rows.append(f'<row><c t="s"><v>3</v></c><c><v>{i}.5</v></c></row>')
        else:
            rows.append(f'<row r="{i}"><c r="A{i}" t="s"><v>4</v></c><c r="B{i}"/></row>')
    return "".join(rows)


def test_a_long_sheet_read_in_many_chunks_in_every_form(tmp_path, monkeypatch):
    import pptaxonomy.audit.xlsx as xlsx

    monkeypatch.setattr(xlsx, "_CHUNK", 2048)  # dozens of chunks
    strings = [f"<si><t>{t}</t></si>" for t in ("Title", "Code", "PWP", "Psychologist", "CBT")]
    path = _book(tmp_path / "a.xlsx", _long_sheet(3000), strings, dimension='<dimension ref="A1"/>')
    rows = _same_as_calamine(path)
    assert len(rows) == 3001 and rows[1499] == ["PWP", "", "", "True"]  # the wider row
    assert rows[1200] == ["In 1201", "1201"] and rows[1510] == ["Psychologist", "1511.5"]
    assert rows[995:997] == [["PWP"], ["Psychologist", "997"]] and rows[2000] == ["CBT"]


def test_plain_rows_are_read_by_the_row_regex_not_the_general_path(tmp_path, monkeypatch):
    import pptaxonomy.audit.xlsx as xlsx

    seen = []
    general = xlsx._general_rows

    def counting(data, *args):
        rows = general(data, *args)
        seen.append(len(rows))
        return rows

    monkeypatch.setattr(xlsx, "_general_rows", counting)
    monkeypatch.setattr(xlsx, "_CHUNK", 4096)
    strings = [f"<si><t>{t}</t></si>" for t in ("Title", "Code", "PWP", "Psychologist", "CBT")]
    plain = _long_sheet(300)[: _long_sheet(300).index('<row r="100"')]
    path = _book(tmp_path / "a.xlsx", plain, strings)
    assert len(_same_as_calamine(path)) == 99
    assert sum(seen) <= 64  # only the first rows, to learn the sheet's width
    seen.clear()
    path = _book(tmp_path / "b.xlsx", _long_sheet(3000), strings)
    _same_as_calamine(path)
    assert 50 <= sum(seen) < 400  # the rows without r, and the chunks around them


@pytest.mark.parametrize("first", [1, 20], ids=["error in the reader", "error in the copy"])
def test_an_error_mid_sheet_stops_the_inflating_thread(tmp_path, always_stream, monkeypatch, first):
    import threading

    import pptaxonomy.audit.xlsx as xlsx

    monkeypatch.setattr(xlsx, "_CHUNK", 1024)
    sheet = "".join(
        f'<row r="{i}"><c r="A{i}" t="s"><v>{0 if i == 1 else 99 if i == 3000 else 1}</v></c></row>'
        for i in range(first, 6000)
    )  # row 3000 names no shared string; from row 20, the first ten rows are empty
    path = _book(tmp_path / "a.xlsx", sheet, ["<si><t>Position Title</t></si><si><t>PWP</t></si>"])
    with pytest.raises(AuditError, match="cannot be read" if first == 1 else "is empty"):
        audit(path, "Position Title")
    alive = [t for t in threading.enumerate() if t.name == "pptaxonomy-xlsx-inflate"]
    assert alive == []
