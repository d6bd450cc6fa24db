"""The validator's hints on a contributor's usual slips (issue 15): a band in the wrong case,
too deep an indentation, a copied profession file, ``validate FILE``'s summary, VERSION."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pptaxonomy import yamlsafe
from pptaxonomy.validate import _closest, validate_paths
from tests.conftest import REPO

BANDS = ("1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "taxonomy", tmp_path / "taxonomy")
    return tmp_path / "taxonomy"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("written", "meant"), [("8A", "8a"), ("Band 8a", "8a"), ("8 B", "8b")])
def test_a_band_in_another_case_is_answered_with_that_band(tree: Path, written, meant):
    prof = tree / "professions" / "counsellor.yaml"
    edit(prof, 'band_min: "8a"', f'band_min: "{written}"')
    (p,) = validate_paths([prof]).problems
    assert p.rule == "invalid-enum" and p.hint.startswith(f"write it as {meant!r}")


@pytest.mark.parametrize("written", ["8e", "10", "0"])
def test_no_band_is_guessed_for_a_value_one_edit_from_several(written):
    assert _closest(written, BANDS) is None


def test_edit_distance_suggestions_need_one_clear_winner():
    assert _closest("publsher", ["publisher", "title"]) == "publisher"
    assert _closest("clinical-psycholgist", ["clinical-psychologist"]) == "clinical-psychologist"
    assert _closest("S1X", ["S1L", "S1M"]) is None  # short codes: never a guess
    assert _closest("zzzzzzzz", ["publisher", "title"]) is None


@pytest.mark.parametrize(
    ("text", "line", "col", "words"),
    [
        ("professions:\n  - id: a\n    name: A\n      group: b\n", 4, 7, "deeper than 'name'"),
        ('professions:\n  - id: a\n    name: "A"\n      group: b\n', 4, 7, "deeper than 'name'"),
        ("professions:\n  - id: a\n    name: A\n   group: b\n", 4, 4, "lines up with no key"),
    ],
)
def test_a_wrong_indentation_is_reported_as_one_with_its_line(text, line, col, words):
    (p,) = yamlsafe.parse(text).problems
    assert (p.line, p.col) == (line, col) and words in p.message
    assert "indent it" in p.hint and "quote text that contains" not in p.hint


def test_a_colon_in_a_value_is_still_a_colon_problem():
    (p,) = yamlsafe.parse("professions:\n  - id: a\n    name: A: b\n").problems
    assert "mapping values" in p.message and "': '" in p.hint


def test_a_copied_profession_file_is_the_one_told_to_rename_its_rows(tree: Path):
    original = tree / "professions" / "counsellor.yaml"
    copy = tree / "professions" / "bereavement-counsellor.yaml"  # sorts before the original
    text = original.read_text(encoding="utf-8")
    text = text.replace(
        "  - id: counsellor\n    name: Counsellor\n",
        "  - id: bereavement-counsellor\n    name: Bereavement counsellor\n",
        1,
    )
    text = re.sub(
        r"    labels:\n(      - .*\n)+",
        "    labels:\n      - {text: Grief counsellor, label_kind: alternative}\n",
        text,
    )
    copy.write_text(text, encoding="utf-8")
    before = original.read_bytes()
    for paths in ([tree], [copy]):
        report = validate_paths(paths)
        assert report.errors
        assert all(Path(p.file).name == copy.name for p in report.problems), report.problems
        dups = [p for p in report.problems if p.rule == "duplicate-mapping"]
        assert dups and all(
            "rename profession: counsellor to 'bereavement-counsellor'" in p.hint for p in dups
        )
        assert not any("remove one of the rows" in p.hint for p in report.problems)
        walks = [p for p in report.problems if p.rule == "missing-crosswalk"]
        assert walks and all("rename them" in p.hint for p in walks)
    assert original.read_bytes() == before


def test_a_copied_file_keeping_the_id_is_the_one_reported(tree: Path):
    original = tree / "professions" / "counsellor.yaml"
    copy = tree / "professions" / "a-counsellor-copy.yaml"
    shutil.copy(original, copy)
    dup = [p for p in validate_paths([tree]).problems if p.rule == "duplicate-id"]
    assert dup and {Path(p.file).name for p in dup} == {copy.name}
    assert "give the copy its own identifier" in dup[0].hint


def test_validate_file_summary_counts_only_that_file(tree: Path):
    report = validate_paths([tree / "professions" / "counsellor.yaml"])
    assert report.files_checked == 1 and report.counts["professions"] == 1
    assert report.counts["mappings"] == 9 and report.counts["sources"] == 0
    assert report.context_files > 10
    line = report.summary_line()
    assert line.startswith("ok: 1 file (against the ") and "1 profession, 9 mappings" in line


@pytest.mark.parametrize("content", [None, b"\x00\xff\xfe\n", b"not a version\n"])
def test_a_missing_or_garbage_version_is_reported(tree: Path, content):
    if content is None:
        (tree / "VERSION").unlink()
    else:
        (tree / "VERSION").write_bytes(content)
    report = validate_paths([tree])
    (p,) = [p for p in report.problems if p.rule == "version-file"]
    assert p.file.endswith("VERSION") and report.data_version is None


def test_a_version_linked_to_a_device_is_not_read(tree: Path):
    (tree / "VERSION").unlink()
    (tree / "VERSION").symlink_to("/dev/zero")
    (p,) = [p for p in validate_paths([tree]).problems if p.rule == "version-file"]
    assert "not read" in p.message


def test_a_tab_inside_a_value_and_a_5_mb_name_are_reported(tree: Path):
    prof = tree / "professions" / "counsellor.yaml"
    edit(prof, "    name: Counsellor\n", "    name: Coun\tsellor\n")
    rules = {p.rule for p in validate_paths([prof]).problems}
    assert "text-control-character" in rules
    edit(prof, "    name: Coun\tsellor\n", "    name: " + "x" * 5_000_000 + "\n")
    (p,) = [p for p in validate_paths([prof]).problems if p.rule == "text-too-long"]
    assert len(p.message) < 200
