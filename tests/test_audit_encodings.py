"""Audit input in wide encodings without a byte-order mark, and with CR-only line endings:
detected and read like the UTF-8 original, never NUL-filled "columns" or a csv error."""

from __future__ import annotations

from pathlib import Path

import pytest

from pptaxonomy.audit import AuditError, audit

DATA = Path(__file__).parent / "data" / "audit"
TEXT = (DATA / "extract-utf8.csv").read_text(encoding="utf-8")
ARGS = ("Position Title", "Occupation Code", "Assignment Number")


def _same_as_utf8(path: Path, encoding: str | None = None) -> dict:
    want = audit(DATA / "extract-utf8.csv", *ARGS).summary
    got = audit(path, *ARGS, encoding=encoding).summary
    assert got["rows"] == want["rows"] and want["rows"]["audited"] > 5
    assert got["statuses"] == want["statuses"]
    assert got["problems"] == want["problems"]
    return got


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_encodings_without_a_bom_are_detected(tmp_path: Path, codec: str):
    src = tmp_path / "in.csv"
    src.write_bytes(TEXT.encode(codec))
    assert _same_as_utf8(src)["input"]["encoding"] == codec


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-32-be"])
def test_a_family_named_without_byte_order_reads_a_file_without_a_bom(tmp_path: Path, codec):
    src = tmp_path / "in.csv"
    src.write_bytes(TEXT.encode(codec))
    family = codec[:6]
    assert _same_as_utf8(src, encoding=family)["input"]["encoding"] == codec


def test_non_latin_text_in_utf16_without_a_bom(tmp_path: Path):
    src = tmp_path / "in.csv"
    body = "Position Title,Note\nClinical Psychologist,\u5fc3\u7406\nCounsellor,\u0421\u0443\n"
    src.write_bytes(body.encode("utf-16-be"))
    summary = audit(src, "Position Title").summary
    assert summary["input"]["encoding"] == "utf-16-be" and summary["rows"]["audited"] == 2


def test_a_utf8_file_with_nul_bytes_in_cells_stays_utf8(tmp_path: Path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"Position Title,Note\n" + b"Clinical Psychologist,a\0b\n" * 20)
    summary = audit(src, "Position Title").summary
    assert summary["input"]["encoding"] == "utf-8" and summary["rows"]["audited"] == 20


@pytest.mark.parametrize("codec", ["utf-8", "cp1252", "utf-16-le"])
def test_cr_only_line_endings_are_read(tmp_path: Path, codec: str):
    src = tmp_path / "in.csv"
    text = TEXT.replace("\r\n", "\n").replace("\n", "\r")
    src.write_bytes(text.encode(codec))
    _same_as_utf8(src)


def test_a_utf8_file_named_utf32_is_still_an_error(tmp_path: Path):
    with pytest.raises(AuditError, match="--encoding utf-32: cannot decode"):
        audit(DATA / "extract-utf8.csv", "Position Title", encoding="utf-32")
